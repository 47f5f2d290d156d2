// A pane's moving layer, drawn every frame over the static layer: packets and their tails, lit stations, scan bars,
// lit rules and buckets, address labels, and a held (stepped) packet with the hop it is at.
import { bucketGrid, labelSpot, ruleY, shortcutX } from "./geometry.js";
import { format, MONO, n0, SANS } from "./style.js";
import { heldScanProgress, isStop } from "./timeline.js";

export const FX_FADE_MS = 350;
const MAX_LABELS = 3;

export function drawLabelsOnTop(lane) {
    const ctx = lane.ctx, t = lane.theme();
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.lineWidth = 3 * lane.metrics().line;
    ctx.strokeStyle = t.box;
    ctx.fillStyle = t.text;
    for (const l of lane.labels ?? []) {
        ctx.font = l.font;
        ctx.globalAlpha = 0.85;
        ctx.strokeText(l.text, l.x, l.y);
        ctx.globalAlpha = 1;
        ctx.fillText(l.text, l.x, l.y);
    }
}

export function drawLit(lane, now) {
    const ctx = lane.ctx, colour = lane.layout.colour, m = lane.metrics();
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2 * m.line;
    for (let s = 0; s < lane.litEnd.length; s++) {
        const end = lane.litEnd[s];
        if (end + FX_FADE_MS <= now || lane.litStart[s] > now) {
            continue;
        }
        drawLitOne(lane, s, end > now ? 1 : 1 - (now - end) / FX_FADE_MS);
    }
    ctx.globalAlpha = 1;
}

function drawLitOne(lane, s, a) {
    const ctx = lane.ctx;
    ctx.strokeStyle = ctx.fillStyle = lane.layout.colour;
    ctx.lineWidth = 2 * lane.metrics().line;
    ctx.globalAlpha = 0.25 * a;
    const x = lane.sx[s] - lane.bw[s] / 2, y = lane.sy[s] - lane.bh[s] / 2;
    ctx.fillRect(x, y, lane.bw[s], lane.bh[s]);
    ctx.globalAlpha = a;
    ctx.strokeRect(x, y, lane.bw[s], lane.bh[s]);
}

export function drawFx(lane, now) {
    for (const f of lane.fx) {
        if (f.end + FX_FADE_MS <= now || f.start > now) {
            continue;
        }
        const fade = f.end > now ? 1 : 1 - (now - f.end) / FX_FADE_MS;
        switch (f.type) {
            case 1: drawScan(lane, f.s, f.a, f.b, Math.min(1, (now - f.start) / Math.max(1, f.end - f.start)), fade); break;
            case 2: drawRule(lane, f.s, f.a, fade); break;
            case 3: drawBucket(lane, f.s, f.a, fade); break;
            case 4: drawStationText(lane, f.s, f.text, fade); break;
        }
    }
    lane.ctx.globalAlpha = 1;
}

function drawScan(lane, s, first, last, p, alpha) {
    const strip = lane.strips[s], ctx = lane.ctx, m = lane.metrics();
    const y0 = strip.y + ((Math.max(1, first) - 1) / strip.size) * strip.h;
    const rule = first + (last - first + 1) * p;
    const y1 = strip.y + (Math.min(strip.size, rule - 1) / strip.size) * strip.h;
    // Rules evaluated without a match flash faintly; the bar is where the walk is now.
    ctx.globalAlpha = 0.3 * alpha;
    ctx.fillStyle = lane.layout.colour;
    ctx.fillRect(strip.x, y0, strip.w, Math.max(1, y1 - y0));
    if (p < 1) {
        ctx.globalAlpha = alpha;
        ctx.fillStyle = lane.theme().text;
        const bar = 3 * m.line;
        ctx.fillRect(strip.x - 6, y1 - bar / 2, strip.w + 12, bar);
    }
}

function drawRule(lane, s, rule, alpha) {
    const strip = lane.strips[s], ctx = lane.ctx, m = lane.metrics();
    const h = Math.max(3 * m.line, strip.h / strip.size - 1);
    ctx.globalAlpha = alpha;
    ctx.fillStyle = lane.layout.colour;
    const y = ruleY(strip, rule);
    ctx.fillRect(strip.x - 4, y - h / 2, strip.w + 8, h);
    ctx.strokeStyle = lane.theme().text;
    ctx.lineWidth = m.line;
    ctx.strokeRect(strip.x - 4, y - h / 2, strip.w + 8, h);
}

function drawBucket(lane, s, bucket, alpha) {
    const g = bucketGrid(lane, s, lane.layout.stations[s], lane.metrics(), lane.view.projector), ctx = lane.ctx;
    const cell = Math.min(g.cells - 1, Math.floor((bucket / g.size) * g.cells));
    const cw = g.w / g.cells;
    ctx.globalAlpha = alpha;
    ctx.fillStyle = lane.layout.colour;
    ctx.fillRect(g.x + cell * cw - 1, g.y - 2, Math.max(3, cw) + 2, g.h + 4);
    ctx.strokeStyle = lane.theme().text;
    ctx.lineWidth = lane.metrics().line;
    ctx.strokeRect(g.x + cell * cw - 1, g.y - 2, Math.max(3, cw) + 2, g.h + 4);
}

function drawStationText(lane, s, text, alpha) {
    const m = lane.metrics();
    lane.ctx.globalAlpha = alpha;
    tag(lane, text, lane.sx[s], lane.sy[s] + lane.bh[s] / 2 + m.packetLabel * 0.9, m.packetLabel, "center");
}

// A small monospace tag with a background, so it reads over edges and packets.
function tag(lane, text, x, y, size, align) {
    const ctx = lane.ctx, t = lane.theme();
    ctx.font = `${size}px ${MONO}`;
    const w = ctx.measureText(text).width + 8, h = size + 6;
    let left = align === "center" ? x - w / 2 : x;
    left = Math.max(2, Math.min(lane.w - w - 2, left));
    ctx.fillStyle = t.label;
    ctx.fillRect(left, y - h / 2, w, h);
    ctx.fillStyle = t.labelText;
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    ctx.fillText(text, left + 4, y + 0.5);
    return { x: left, y: y - h / 2, w, h };
}

export function drawSprites(lane, now) {
    const ctx = lane.ctx, t = lane.theme(), m = lane.metrics(), sprites = lane.sprites;
    const r = m.radius, selected = lane.view.selected;
    // Tails, then filled requests, then hollow replies: one path each, not one per packet.
    ctx.globalAlpha = 0.45;
    ctx.strokeStyle = t.packet;
    ctx.lineWidth = r * 0.9;
    ctx.lineCap = "round";
    ctx.beginPath();
    for (const sp of sprites) {
        if (sp.visible && (sp.tx !== sp.x || sp.ty !== sp.y)) {
            ctx.moveTo(sp.tx, sp.ty);
            ctx.lineTo(sp.x, sp.y);
        }
    }
    ctx.stroke();
    ctx.globalAlpha = 1;

    // Beams from a packet to the table it is consulting (conntrack, ipset).
    ctx.strokeStyle = lane.layout.colour;
    ctx.lineWidth = m.line;
    ctx.globalAlpha = 0.5;
    ctx.beginPath();
    for (const sp of sprites) {
        if (sp.visible && sp.step.look !== sp.step.s) {
            ctx.moveTo(sp.x, sp.y);
            ctx.lineTo(lane.sx[sp.step.look] - lane.bw[sp.step.look] / 2, lane.sy[sp.step.look]);
        }
    }
    ctx.stroke();
    ctx.globalAlpha = 1;

    let dashed = false;
    for (const sp of sprites) {
        if (sp.visible && sp.step.route === 1 && sp.step.travel > now - sp.startAt - sp.step.start) {
            dashed = true;
        }
    }
    if (dashed) {
        drawShortcut(lane, lane.ctx, 1, lane.layout.colour);
    }

    ctx.fillStyle = t.packet;
    ctx.beginPath();
    for (const sp of sprites) {
        if (sp.visible && !sp.packet.reply && !isStop(sp.step, sp, now)) {
            ctx.moveTo(sp.x + r, sp.y);
            ctx.arc(sp.x, sp.y, r, 0, Math.PI * 2);
        }
    }
    ctx.fill();
    ctx.fillStyle = t.bg;
    ctx.strokeStyle = t.packet;
    ctx.lineWidth = Math.max(1.5, r * 0.45);
    ctx.beginPath();
    for (const sp of sprites) {
        if (sp.visible && sp.packet.reply && !isStop(sp.step, sp, now)) {
            ctx.moveTo(sp.x + r, sp.y);
            ctx.arc(sp.x, sp.y, r, 0, Math.PI * 2);
        }
    }
    ctx.fill();
    ctx.stroke();

    // Envelopes (TUN), MAC tags (DR), drops; labels go first to packets whose address was just rewritten.
    let labels = 0;
    const placed = lane.placed ??= [];
    placed.length = 0;
    for (const sp of sprites) {
        if (sp.visible && labels < MAX_LABELS && sp.step.labelSince > 0 && now - sp.startAt - sp.step.labelSince < 900
            && !isStop(sp.step, sp, now) && packetLabel(lane, sp, sp.step, placed, false)) {
            labels++;
            sp.labelled = true;
        } else {
            sp.labelled = false;
        }
    }
    for (const sp of sprites) {
        if (!sp.visible) {
            continue;
        }
        if (isStop(sp.step, sp, now)) {
            drawStop(lane, sp.x, sp.y, r);
            continue;
        }
        if (sp.step.wrap) {
            drawWrap(lane, sp.step.wrap, sp.x, sp.y, r);
        }
        const isSel = selected !== null && sp.packet.id === selected;
        if (isSel) {
            drawSelected(lane, sp.x, sp.y, r);
        }
        if (!sp.labelled && (isSel || labels < MAX_LABELS) && packetLabel(lane, sp, sp.step, placed, isSel)) {
            labels++;
        }
    }
}

function packetLabel(lane, sp, step, placed, force) {
    const m = lane.metrics();
    let text = step.label;
    if (step.wrap === 1 && sp.wl.outer) {
        text = `IPIP ${sp.wl.outer} | ${text}`;
    } else if (step.wrap === 2 && sp.wl.mac) {
        text = `${text} | mac ${sp.wl.mac}`;
    }
    const ctx = lane.ctx;
    ctx.font = `${m.packetLabel}px ${MONO}`;
    const w = ctx.measureText(text).width + 8, h = m.packetLabel + 6;
    const names = lane.nameBoxes ?? [];
    let spot = labelSpot(sp.x, sp.y, m.radius, w, h, { w: lane.w, h: lane.h }, [...placed, ...names]);
    if (!spot) {
        if (!force) {
            return false;
        }
        // The selected or held packet is always named: over the other tags if it must, never over a station's name.
        spot = labelSpot(sp.x, sp.y, m.radius, w, h, { w: lane.w, h: lane.h }, names) ?? { x: sp.x + m.radius + 6, y: sp.y - h - 2 };
    }
    placed.push(tag(lane, text, spot.x, spot.y + h / 2, m.packetLabel, "left"));
    return true;
}

function drawStop(lane, x, y, r) {
    const ctx = lane.ctx, s = r * 1.6;
    ctx.strokeStyle = lane.theme().drop;
    ctx.lineWidth = Math.max(2, r * 0.6);
    ctx.beginPath();
    ctx.moveTo(x - s, y - s); ctx.lineTo(x + s, y + s);
    ctx.moveTo(x + s, y - s); ctx.lineTo(x - s, y + s);
    ctx.stroke();
}

function drawWrap(lane, wrap, x, y, r) {
    const ctx = lane.ctx, t = lane.theme();
    ctx.strokeStyle = lane.layout.colour;
    ctx.lineWidth = Math.max(1.5, r * 0.4);
    if (wrap === 1) {
        // An envelope around the packet: the outer IPIP header.
        const w = r * 4.4, h = r * 3.2;
        ctx.strokeRect(x - w / 2, y - h / 2, w, h);
        ctx.beginPath();
        ctx.moveTo(x - w / 2, y - h / 2); ctx.lineTo(x, y); ctx.lineTo(x + w / 2, y - h / 2);
        ctx.stroke();
    } else {
        // DR: only the destination MAC changes; a small tag hangs off the packet.
        ctx.fillStyle = lane.layout.colour;
        ctx.fillRect(x + r * 0.8, y + r * 0.6, r * 1.8, r * 1.2);
        ctx.strokeStyle = t.packet;
        ctx.lineWidth = 1;
        ctx.strokeRect(x + r * 0.8, y + r * 0.6, r * 1.8, r * 1.2);
    }
}

function drawSelected(lane, x, y, r) {
    const ctx = lane.ctx;
    ctx.strokeStyle = lane.layout.colour;
    ctx.lineWidth = Math.max(2, r * 0.6);
    ctx.beginPath();
    ctx.arc(x, y, r * 2.2, 0, Math.PI * 2);
    ctx.stroke();
    ctx.fillStyle = lane.theme().packet;
    ctx.beginPath();
    ctx.arc(x, y, r * 1.4, 0, Math.PI * 2);
    ctx.fill();
}

export function drawHeld(lane) {
    const sp = lane.heldSprite, step = sp.step, hop = step.hop, s = step.s, m = lane.metrics();
    drawLitOne(lane, s, 1);
    if (step.look !== s) {
        drawLitOne(lane, step.look, 1);
    }
    const kind = lane.layout.stations[s].kind;
    if (lane.strips[s] && hop.k === "scan") {
        // The walk takes its time even while stepping (real time: the animation clock stands still while paused).
        const p = heldScanProgress(hop, performance.now() - sp.heldAt);
        drawScan(lane, s, hop.f | 0, hop.n | 0, p, 1);
        if (p >= 1) {
            drawRule(lane, s, hop.n | 0, 0.35);
        }
    } else if (lane.strips[s] && hop.k === "match") {
        drawRule(lane, s, hop.n | 0, 1);
    } else if ((kind === "conntrack" || kind === "hash") && ["ct", "ctnew", "svc", "conn"].includes(hop.k)) {
        drawBucket(lane, s, hop.n | 0, 1);
    }
    if (step.route) {
        drawShortcut(lane, lane.ctx, step.route, lane.layout.colour);
    }
    lane.ctx.globalAlpha = 1;
    const x = lane.sx[s], y = lane.sy[s];
    sp.x = x; sp.y = y;
    const r = m.radius;
    if (hop.k === "drop" || hop.k === "reject") {
        drawStop(lane, x, y, r);
    } else {
        if (step.wrap) {
            drawWrap(lane, step.wrap, x, y, r);
        }
        drawSelected(lane, x, y, r);
        if (sp.packet.reply) {
            lane.ctx.fillStyle = lane.theme().bg;
            lane.ctx.beginPath();
            lane.ctx.arc(x, y, r * 0.8, 0, Math.PI * 2);
            lane.ctx.fill();
        }
    }
    packetLabel(lane, sp, step, [], true);
    lane.ctx.globalAlpha = 1;
    // The hop itself, as the engine reported it, under the station; the step counter and modelled cost at the bottom.
    tag(lane, describeHop(hop), x, y + lane.bh[s] / 2 + m.packetLabel, m.packetLabel, "center");
    const ctx = lane.ctx, t = lane.theme();
    const caption = `${format(lane.view.strings.hop, step.index + 1, sp.steps.length)} · ${(sp.wl.costNs / 1000).toFixed(2)} µs (${lane.view.strings.modelled})`;
    ctx.font = `${m.small}px ${SANS}`;
    ctx.fillStyle = t.text;
    ctx.textAlign = "right";
    ctx.textBaseline = "alphabetic";
    ctx.fillText(caption, lane.w - 8, lane.h - 6);
    ctx.textAlign = "left";
}

export function drawShortcut(lane, ctx, route, colour) {
    const m = lane.metrics();
    const from = route === 1 ? lane.conntrackStation : lane.endpointStation;
    const to = route === 1 ? lane.routeStation : lane.clientStation;
    if (from < 0 || to < 0) {
        return;
    }
    const gx = route === 1 ? shortcutX(lane, lane.conntrackStation, lane.routeStation, lane.w) : lane.w - lane.padX / 2;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2 * m.line;
    ctx.setLineDash([6 * m.line, 4 * m.line]);
    ctx.beginPath();
    ctx.moveTo(lane.sx[from], lane.sy[from]);
    ctx.lineTo(gx, lane.sy[from]);
    ctx.lineTo(gx, lane.sy[to]);
    ctx.lineTo(lane.sx[to], lane.sy[to]);
    ctx.stroke();
    ctx.setLineDash([]);
}


// What a held hop did, as the tools would print it (never translated).
function describeHop(hop) {
    switch (hop.k) {
        case "scan": return `${hop.t}: rules ${n0(hop.f)}-${n0(hop.n)} (${n0(hop.n - hop.f + 1)}) no match`;
        case "match": return `${hop.k} #${hop.n} -j ${hop.t}`;
        case "ct": case "ctnew": case "svc": case "conn": return `${hop.k} bucket ${hop.n}: ${hop.t}`;
        default: return hop.t ? `${hop.k}: ${hop.t}` : hop.k;
    }
}
