// Which packets are drawn and when each is where: a batch's admission, its hops turned into timed steps, the point on
// screen at a moment of its path, and the animation clock that every pane reads. Pure arithmetic (no DOM), so
// node --test checks it.
import { shortcutX } from "./geometry.js";

export const BATCH_SPREAD_MS = 62.5;      // the server sends 16 batches a second: spread each over the gap to the next
export const TRAVEL_MS = 120;             // moving to another station
export const DWELL_MS = 40;               // pausing there after arriving
export const SAME_STATION_MS = 90;        // a hop at the station the packet already is at
export const DROP_MS = 450;               // a drop or reject holds its cross this long
// A scan bar's time grows with the rules it tests, so 10,000 services LOOK slow: in proportion up to the knee (2 s),
// then by the same second for every doubling, so 12,000 and 50,000 services still look different while no packet
// holds its pane for more than SCAN_MAX_MS.
const SCAN_BASE_MS = 60, SCAN_PER_RULE_MS = 0.25, SCAN_KNEE_RULES = 7760, SCAN_PER_DOUBLING_MS = 1000;
export const SCAN_MAX_MS = 6000;

export function scanMs(rules) {
    const beyondKnee = rules > SCAN_KNEE_RULES ? SCAN_PER_DOUBLING_MS * Math.log2(rules / SCAN_KNEE_RULES) : 0;
    return Math.min(SCAN_MAX_MS, SCAN_BASE_MS + SCAN_PER_RULE_MS * Math.min(rules, SCAN_KNEE_RULES) + beyondKnee);
}

// How far a held (stepped) packet's scan bar has walked, 0 to 1, `ms` after the step: it takes the walk's own time,
// so a step at KUBE-SERVICES of 50,000 services scans for seconds while IPVS mode's 4 rules are done at once.
export function heldScanProgress(hop, ms) {
    if (hop.k !== "scan") {
        return 1;
    }
    return Math.min(1, Math.max(0, ms) / scanMs(Math.max(1, (hop.n | 0) - (hop.f | 0) + 1)));
}

// How many of a batch's packets the panes draw. While the screen has room, every one; once it is full, an even sample
// at the rate the screen can hold (budget / packet lifetime), accrued per batch interval dt and capped at a quarter
// second's worth, so a burst after a quiet spell cannot flood it. A held (stepped) packet stops the flow.
export function admission(quota, { incoming, active, budget, lifeMs, dt, held }) {
    const rate = budget / (lifeMs / 1000);
    const accrued = Math.min(quota + rate * dt / 1000, Math.max(1, rate * 0.25));
    const fits = active + incoming <= budget;
    const count = held ? 0 : Math.max(0, fits ? incoming : Math.min(incoming, Math.floor(accrued), budget - active));
    return { count, quota: Math.max(0, accrued - count) };
}

// The pane's clock: it follows the frames' time while the room plays and stands still while it is paused, so a
// paused screen holds still and every packet on it stays where it can be clicked (issue 14, item 8).
export class AnimationClock {
    constructor() {
        this.now = 0;
        this.last = null;
        this.paused = false;
    }

    // The frame's time (performance.now()) in; the animation's time out.
    tick(frameTime) {
        if (this.last !== null && !this.paused) {
            this.now += Math.max(0, frameTime - this.last);
        }
        this.last = frameTime;
        return this.now;
    }
}

// Turns a lane packet's hops into timed steps once, when it arrives; frames only interpolate. `places` names the
// client, endpoint and routing stations; `slow` stretches every step (slow motion).
export function buildSteps(packet, wl, stations, places, slow) {
    const hops = wl.hops ?? [];
    const steps = [];
    let at = wl.seen === false || packet.reply ? places.endpoint : places.client;
    let t = 0;
    let ctHit = false, shortcutTaken = false;
    let labelSince = 0;
    const reqLabel = (addr) => "dst " + addr;
    const srcLabel = (addr) => "src " + addr;
    let label = packet.reply ? srcLabel(wl.src) : reqLabel(wl.dst);
    let wrap = 0; // 1 = IPIP envelope, 2 = DR MAC tag
    for (let i = 0; i < hops.length; i++) {
        const hop = hops[i];
        const look = Math.min(Math.max(hop.s | 0, 0), stations.length - 1);
        let s = look;
        let route = 0;
        if (hop.k === "ct" && typeof hop.t === "string" && hop.t.startsWith("hit")) {
            ctHit = true;
        }
        // Conntrack and ipset are consulted, not travelled through: the packet stays where it is and a beam
        // lights the bucket it looked up (the zig-zag to the side would hide the path).
        const kind = stations[look].kind;
        if ((kind === "conntrack" || kind === "set") && i > 0) {
            s = at;
        }
        if (hop.k === "direct") {
            route = 2;
        } else if (ctHit && !shortcutTaken && s === places.route && s !== at) {
            route = 1;   // conntrack already knows the NAT: straight past the nat chains
            shortcutTaken = true;
        }
        if (hop.k === "nat") {
            const text = hop.t ?? "";
            label = /\bsrc\b/.test(text) || /^(SNAT|MASQUERADE|un-DNAT)/.test(text) ? srcLabel(wl.srcAfter) : reqLabel(wl.dstAfter);
        } else if (hop.k === "xmit") {
            if (hop.t === "nat") {
                label = reqLabel(wl.dstAfter);
            } else if (hop.t === "tun") {
                wrap = 1;
            } else if (hop.t === "dr") {
                wrap = 2;
            }
        }
        const travel = s !== at ? slow * (route === 2 ? TRAVEL_MS * 4 : route === 1 ? TRAVEL_MS * 2 : TRAVEL_MS) : 0;
        let dwell;
        if (hop.k === "scan") {
            dwell = scanMs(Math.max(1, (hop.n | 0) - (hop.f | 0) + 1));
        } else if (hop.k === "drop" || hop.k === "reject") {
            dwell = DROP_MS;
        } else {
            dwell = travel ? DWELL_MS : SAME_STATION_MS;
        }
        dwell *= slow;
        if (steps.length && steps[steps.length - 1].label !== label) {
            labelSince = t;
        }
        steps.push({ hop, index: i, s, look, from: at, route, start: t, travel, dur: travel + dwell, label, labelSince, wrap });
        t += travel + dwell;
        at = s;
    }
    return { steps, total: t };
}

// Where a packet is at `local` ms into its path, on the pane geometry g; writes into out[0..1], returns the step.
export function position(g, sprite, local, out) {
    const steps = sprite.steps;
    let i = 0;
    while (i < steps.length - 1 && steps[i].start + steps[i].dur <= local) {
        i++;
    }
    const step = steps[i];
    const into = local - step.start;
    const jx = sprite.jx * g.bw[step.s] * 0.28, jy = sprite.jy * g.bh[step.s] * 0.18;
    if (step.travel > 0 && into < step.travel) {
        const f = ease(Math.max(0, into) / step.travel);
        const from = step.from;
        const fjx = sprite.jx * g.bw[from] * 0.28, fjy = sprite.jy * g.bh[from] * 0.18;
        routePoint(g, step.route, g.sx[from] + fjx, g.sy[from] + fjy, g.sx[step.s] + jx, g.sy[step.s] + jy, f, out);
    } else {
        out[0] = g.sx[step.s] + jx;
        out[1] = g.sy[step.s] + jy;
        if (step.hop.k === "reject") {
            const b = Math.sin(Math.min(1, (into - step.travel) / 300) * Math.PI);
            out[1] -= b * g.bh[step.s] * 0.6;
        }
    }
    return i;
}

// route 0: straight; 1: conntrack's dashed shortcut down the gap beside the chains; 2: outside the node.
function routePoint(g, route, x0, y0, x1, y1, f, out) {
    if (route === 0) {
        out[0] = x0 + (x1 - x0) * f;
        out[1] = y0 + (y1 - y0) * f;
        return;
    }
    const gx = route === 1 ? shortcutX(g, g.conntrackStation, g.routeStation, g.w) : g.w - g.padX / 2;
    // Three legs: across to the side line, along it, across to the target; parameterised by length.
    const a = Math.abs(gx - x0), b = Math.abs(y1 - y0), c = Math.abs(x1 - gx);
    let d = f * (a + b + c);
    if (d <= a) {
        out[0] = x0 + Math.sign(gx - x0) * d; out[1] = y0;
    } else if ((d -= a) <= b) {
        out[0] = gx; out[1] = y0 + Math.sign(y1 - y0) * d;
    } else {
        d -= b;
        out[0] = gx + Math.sign(x1 - gx) * d; out[1] = y1;
    }
}

// A drop or reject has reached its station (a reject after its bounce): drawn as a cross, not a packet.
export function isStop(step, sp, now) {
    return (step.hop.k === "drop" || step.hop.k === "reject") && now - sp.startAt - step.start >= step.travel + (step.hop.k === "reject" ? 300 : 0);
}

export function ease(f) {
    return f < 0.5 ? 2 * f * f : 1 - 2 * (1 - f) * (1 - f);
}
