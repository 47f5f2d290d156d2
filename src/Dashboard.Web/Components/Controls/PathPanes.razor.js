// The panes' live animation, PathPanes' module: one canvas per pane draws that mode's stations (PathLayout) and moves
// the packets the hub sends (PacketBatch) along their hops. Blazor owns the page and the pane <div data-lane="i">
// elements; the lanes only add a canvas and a status line inside each. The parts are ES modules under js/panes/
// (the static web assets SDK collocates only Name.razor.js files): the hub client, the timeline and geometry (pure,
// tested with node --test), the static and live layers, and the lane that draws them. See docs/UI.md.
import { connectHub } from "../../js/panes/hub.js";
import { Lane } from "../../js/panes/lane.js";
import { format, n0, SANS } from "../../js/panes/style.js";
import { admission, AnimationClock, BATCH_SPREAD_MS } from "../../js/panes/timeline.js";

const DEFAULT_STRINGS = {
    sampled: "drawing {0} of {1} packets",
    skipped: "{0} events skipped",
    slowMotion: "slow motion: packets move {0}× slower",
    modelled: "modelled",
    rules: "{0} rules",
    buckets: "{0} buckets",
    node: "node",
    hop: "hop {0} of {1}",
    connecting: "connecting…",
    reconnecting: "reconnecting…",
    disconnected: "disconnected",
};

// Below 1x virtual time the packets also move slower on screen (1 / speed, at most this much): slow motion is for
// following one packet, which 120 ms hops are too quick for. At 1x and faster, on-screen timing stays the same.
const SLOW_MOTION_MAX = 8;
const FRAME_RING = 600, LATENCY_RING = 1024;

export function create(host, dotnet, options) {
    const view = new CompareView(host, dotnet, options ?? {});
    globalThis.dashboardAnimation = view.api;
    view.start();
    return view.api;
}

class CompareView {
    constructor(host, dotnet, options) {
        this.host = host;
        this.dotnet = dotnet;
        this.options = options;
        this.strings = { ...DEFAULT_STRINGS, ...(options.strings ?? {}) };
        // Stations named in words, by their English label, in the page's language; kernel names are drawn as they are.
        this.stationLabels = options.labels ?? {};
        this.dark = !!options.dark;
        this.projector = !!options.projector;
        this.lanes = [];
        this.generation = null;
        this.selected = null;
        this.held = null;
        this.heldHop = 0;
        this.disposed = false;
        this.hub = null;
        this.connState = "connecting";
        this.clock = new AnimationClock();
        this.clock.paused = !!options.paused;
        this.raf = 0;
        this.lastFrame = 0;
        this.lastBatchAt = 0;
        this.quota = 0;
        this.lifeMs = 2500;
        this.slowMotion = 1;
        this.activePackets = 0;
        this.pendingStarts = [];   // packets admitted but not yet moving: their latency is taken when they start
        this.recentBatches = [];   // {at, simulated, drawn} for the per-second "drawing X of Y"
        this.statusAt = 0;
        this.resetStats();
        this.frame = this.frame.bind(this);
        this.api = {
            setTheme: (t) => this.setTheme(t),
            select: (id) => { this.selected = id ?? null; this.invalidate(); },
            hold: (packet, hop) => this.hold(packet, hop),
            setPaused: (paused) => this.setPaused(paused),
            packetsOnScreen: () => this.packetsOnScreen(),
            exportPng: (lane) => this.exportPng(lane),
            stats: () => this.stats(),
            resetStats: () => this.resetStats(),
            dispose: () => this.dispose(),
        };
    }

    start() {
        this.raf = requestAnimationFrame(this.frame);
        this.hub = connectHub(this.options.hubUrl ?? "/hubs/simulation", this.options.roomId, {
            onWelcome: (welcome) => this.applyWelcome(welcome),
            onBatch: (batch) => this.onBatch(batch),
            onState: (state) => { this.connState = state; this.statusAt = 0; },
        });
    }

    applyWelcome(welcome) {
        if (this.disposed || !welcome || (this.options.roomId && welcome.roomId && welcome.roomId !== this.options.roomId)) {
            return;
        }
        this.generation = welcome.generation;
        const layouts = welcome.layouts ?? [];
        for (let i = 0; i < layouts.length; i++) {
            const lane = this.lanes[i] ?? (this.lanes[i] = new Lane(this, i));
            lane.setLayout(layouts[i]);
        }
        for (let i = layouts.length; i < this.lanes.length; i++) {
            this.lanes[i].destroy();
        }
        this.lanes.length = layouts.length;
        this.activePackets = 0;
        this.pendingStarts.length = 0;
        this.recentBatches.length = 0;
        this.held = null;
        this.skippedEvents = 0;
        this.invalidate();
    }

    // ---- batches and sampling ---------------------------------------------------------------------------------------

    onBatch(batch) {
        // A paused screen holds still: a batch still on its way when the room paused is not drawn.
        if (this.disposed || batch.generation !== this.generation || this.clock.paused) {
            return;
        }
        const now = this.clock.now;
        const packets = batch.packets ?? [];
        this.counters.received += packets.length;
        this.counters.lastSeq = batch.seq;
        this.skippedEvents = batch.skipped ?? 0;
        this.slowMotion = batch.speed > 0 && batch.speed < 1 ? Math.min(SLOW_MOTION_MAX, 1 / batch.speed) : 1;

        // Packets live as long as their slowest lane, so a total of 240 sprites keeps about 200 moving across the panes.
        const budget = Math.max(1, Math.floor((this.projector ? 150 : 240) / Math.max(1, this.lanes.length)));
        const dt = this.lastBatchAt ? Math.min(250, now - this.lastBatchAt) : BATCH_SPREAD_MS;
        this.lastBatchAt = now;
        const admitted = admission(this.quota, {
            incoming: packets.length, active: this.activePackets, budget, lifeMs: this.lifeMs, dt, held: !!this.held,
        });
        const k = admitted.count;
        this.quota = admitted.quota;
        for (let j = 0; j < k; j++) {
            const packet = packets[Math.floor((j + 0.5) * packets.length / k)];
            this.admit(packet, now + j * BATCH_SPREAD_MS / k);
        }
        this.counters.drawn += k;
        this.counters.sampledOut += packets.length - k;
        this.recentBatches.push({ at: now, simulated: batch.simulated ?? packets.length, drawn: k });
        while (this.recentBatches.length && this.recentBatches[0].at < now - 1000) {
            this.recentBatches.shift();
        }
    }

    admit(packet, startAt) {
        const record = { id: packet.id, simMs: packet.simMs, startAt, sprites: 0 };
        let longest = 0;
        for (let i = 0; i < this.lanes.length; i++) {
            const wl = packet.lanes?.[i];
            if (!wl || !this.lanes[i].layout) {
                continue;
            }
            const sprite = this.lanes[i].addSprite(packet, wl, startAt, record);
            longest = Math.max(longest, sprite.total);
            record.sprites++;
        }
        if (record.sprites === 0) {
            return;
        }
        this.lifeMs = this.lifeMs * 0.9 + longest * 0.1;
        this.activePackets++;
        this.pendingStarts.push(record);
    }

    spriteDone(record) {
        if (--record.sprites === 0) {
            this.activePackets--;
        }
    }

    // ---- frame loop -------------------------------------------------------------------------------------------------

    frame(now) {
        if (this.disposed) {
            return;
        }
        this.raf = requestAnimationFrame(this.frame);
        const begin = performance.now();
        if (this.lastFrame) {
            this.frameRing[this.frameCount % FRAME_RING] = now - this.lastFrame;
            this.frameCount++;
        }
        this.lastFrame = now;
        const clock = this.clock.tick(begin);

        const wall = Date.now();
        const pending = this.pendingStarts;
        let started = 0;
        while (started < pending.length && pending[started].startAt <= clock) {
            this.latencyRing[this.latencyCount % LATENCY_RING] = wall - pending[started].simMs;
            this.latencyCount++;
            started++;
        }
        if (started) {
            pending.splice(0, started);
        }

        let onScreen = 0;
        for (const lane of this.lanes) {
            lane.frame(clock);
            onScreen += lane.sprites.length;
        }
        this.onScreen = onScreen;
        if (begin - this.statusAt > 250) {
            this.statusAt = begin;
            this.updateStatus(clock);
        }
        this.workRing[this.workCount % FRAME_RING] = performance.now() - begin;
        this.workCount++;
    }

    updateStatus(now) {
        let simulated = 0, drawn = 0;
        for (const b of this.recentBatches) {
            if (b.at >= now - 1000) {
                simulated += b.simulated;
                drawn += b.drawn;
            }
        }
        const parts = [];
        if (this.connState !== "connected") {
            parts.push(this.strings[this.connState] ?? this.connState);
        }
        if (drawn < simulated && !this.held) {
            parts.push(format(this.strings.sampled, n0(drawn), n0(simulated)));
        }
        if (this.skippedEvents > 0) {
            parts.push(format(this.strings.skipped, n0(this.skippedEvents)));
        }
        if (this.slowMotion > 1) {
            parts.push(format(this.strings.slowMotion, n0(this.slowMotion)));
        }
        const text = parts.join(" · ");
        for (const lane of this.lanes) {
            lane.setStatus(text);
        }
    }

    invalidate() {
        for (const lane of this.lanes) {
            lane.dirty = true;
        }
    }

    setTheme(theme) {
        this.dark = !!theme?.dark;
        this.projector = !!theme?.projector;
        for (const lane of this.lanes) {
            lane.staticDirty = true;
            lane.dirty = true;
        }
        this.statusAt = 0;
    }

    // The room paused or played: the animation's clock stops or goes on from where it stood.
    setPaused(paused) {
        this.clock.paused = !!paused;
        this.invalidate();
    }

    // The packets drawn now (a held packet, or those moving), once each, with where each pane shows them.
    packetsOnScreen() {
        const byId = new Map();
        this.lanes.forEach((lane, i) => {
            for (const { packet, x, y } of lane.packetsOnScreen(this.clock.now)) {
                let entry = byId.get(packet.id);
                if (!entry) {
                    const wl = packet.lanes?.find((l) => l) ?? {};
                    entry = { id: packet.id, reply: !!packet.reply, proto: packet.proto ?? "", src: wl.src ?? "", dst: wl.dst ?? "", panes: [] };
                    byId.set(packet.id, entry);
                }
                entry.panes.push({ lane: i, x, y });
            }
        });
        return [...byId.values()].sort((a, b) => a.id - b.id);
    }

    packetClicked(id) {
        if (this.dotnet) {
            Promise.resolve(this.dotnet.invokeMethodAsync("OnPacketClicked", id)).catch(() => { });
        }
    }

    hold(packet, hop) {
        this.held = packet ?? null;
        this.heldHop = Math.max(0, hop | 0);
        for (const lane of this.lanes) {
            lane.clearSprites();
            lane.litEnd?.fill(0);
            for (const f of lane.fx) {
                f.end = 0;
            }
            lane.setHeld(this.held, this.heldHop);
        }
        this.activePackets = 0;
        this.pendingStarts.length = 0;
        this.invalidate();
    }

    exportPng(laneIndex) {
        const lane = this.lanes[laneIndex];
        if (!lane || !lane.canvas) {
            return null;
        }
        lane.frame(this.clock.now);
        const m = lane.metrics();
        const header = Math.round(m.title * 2 * lane.dpr);
        const out = document.createElement("canvas");
        out.width = lane.canvas.width;
        out.height = lane.canvas.height + header;
        const ctx = out.getContext("2d");
        ctx.fillStyle = lane.theme().bg;
        ctx.fillRect(0, 0, out.width, out.height);
        ctx.fillStyle = lane.layout.colour;
        ctx.fillRect(0, header - 3 * lane.dpr, out.width, 3 * lane.dpr);
        ctx.fillStyle = lane.theme().text;
        ctx.font = `600 ${m.title * lane.dpr}px ${SANS}`;
        ctx.textBaseline = "middle";
        ctx.fillText(lane.layout.title, 12 * lane.dpr, header / 2);
        ctx.drawImage(lane.canvas, 0, header);
        return out.toDataURL("image/png");
    }

    resetStats() {
        this.frameRing = new Float64Array(FRAME_RING);
        this.workRing = new Float64Array(FRAME_RING);
        this.latencyRing = new Float64Array(LATENCY_RING);
        this.frameCount = 0;
        this.workCount = 0;
        this.latencyCount = 0;
        this.counters = { received: 0, drawn: 0, sampledOut: 0, lastSeq: this.counters?.lastSeq ?? 0 };
    }

    stats() {
        const frames = sorted(this.frameRing, this.frameCount);
        const work = sorted(this.workRing, this.workCount);
        const latency = sorted(this.latencyRing, this.latencyCount);
        return {
            frames: this.frameCount,
            frameMedianMs: quantile(frames, 0.5),
            frameP95Ms: quantile(frames, 0.95),
            frameWorkMedianMs: quantile(work, 0.5),
            frameWorkP95Ms: quantile(work, 0.95),
            latencyCount: this.latencyCount,
            latencyP95Ms: quantile(latency, 0.95),
            latencyMedianMs: quantile(latency, 0.5),
            onScreen: this.onScreen ?? 0,
            received: this.counters.received,
            drawn: this.counters.drawn,
            sampledOut: this.counters.sampledOut,
            skippedEvents: this.skippedEvents ?? 0,
            drawingFailures: this.lanes.reduce((sum, lane) => sum + lane.failures, 0),
            paused: this.clock.paused,
            lastSeq: this.counters.lastSeq,
            generation: this.generation,
            lifeMs: Math.round(this.lifeMs),
        };
    }

    dispose() {
        if (this.disposed) {
            return;
        }
        this.disposed = true;
        cancelAnimationFrame(this.raf);
        this.hub?.stop();
        for (const lane of this.lanes) {
            lane.destroy();
        }
        this.lanes.length = 0;
        if (globalThis.dashboardAnimation === this.api) {
            globalThis.dashboardAnimation = undefined;
        }
    }
}

function sorted(ring, count) {
    const n = Math.min(count, ring.length);
    return Array.from(ring.subarray(0, n)).sort((a, b) => a - b);
}

function quantile(values, q) {
    if (!values.length) {
        return 0;
    }
    const v = values[Math.min(values.length - 1, Math.floor(q * values.length))];
    return Math.round(v * 100) / 100;
}
