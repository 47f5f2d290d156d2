// The compare page's live animation: one canvas per pane draws that mode's stations (PathLayout) and moves the packets
// the hub sends (PacketBatch) along their hops. Blazor owns the page and the pane <div data-lane="i"> elements; this
// module only adds a wrapper (canvas + status line) inside each. See docs/UI.md for the visual language.

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

const SANS = '"Noto Sans KR", "Noto Sans CJK KR", Roboto, "Helvetica Neue", Arial, sans-serif';
const MONO = '"Roboto Mono", "Noto Sans Mono CJK KR", "DejaVu Sans Mono", Menlo, Consolas, monospace';

const BATCH_SPREAD_MS = 62.5;      // the server sends 16 batches a second: spread each over the gap to the next
const TRAVEL_MS = 120;             // moving to another station
const DWELL_MS = 40;               // pausing there after arriving
const SAME_STATION_MS = 90;        // a hop at the station the packet already is at
// A scan bar's time grows with the rules it tests, so 10,000 services LOOK slow: in proportion up to the knee (2 s),
// then by the same second for every doubling, so 12,000 and 50,000 services still look different while no packet
// holds its pane for more than SCAN_MAX_MS.
const SCAN_BASE_MS = 60, SCAN_PER_RULE_MS = 0.25, SCAN_KNEE_RULES = 7760, SCAN_PER_DOUBLING_MS = 1000, SCAN_MAX_MS = 6000;

function scanMs(rules) {
    const beyondKnee = rules > SCAN_KNEE_RULES ? SCAN_PER_DOUBLING_MS * Math.log2(rules / SCAN_KNEE_RULES) : 0;
    return Math.min(SCAN_MAX_MS, SCAN_BASE_MS + SCAN_PER_RULE_MS * Math.min(rules, SCAN_KNEE_RULES) + beyondKnee);
}

const TAIL_MS = 50;
// Below 1x virtual time the packets also move slower on screen (1 / speed, at most this much): slow motion is for
// following one packet, which 120 ms hops are too quick for. At 1x and faster, on-screen timing stays the same.
const SLOW_MOTION_MAX = 8;
const FX_FADE_MS = 350;
const FX_CAPACITY = 512;
const FRAME_RING = 600, LATENCY_RING = 1024;
const MAX_LABELS = 3;

// Colours: the pane's mode colour comes from the layout; the rest is theme. Dark/light/projector tuned for contrast.
const THEMES = {
    light: { bg: "#ffffff", text: "#1d2330", muted: "#5b6472", box: "#f3f5f8", stroke: "#8a94a6", edge: "#c3cad6",
        packet: "#23324d", label: "#ffffffee", labelText: "#1d2330", drop: "#c62828", node: "#e9edf3" },
    dark: { bg: "#16191f", text: "#e8ecf2", muted: "#9aa4b5", box: "#20252e", stroke: "#66718a", edge: "#3b4352",
        packet: "#f1f5fb", label: "#0d1015ee", labelText: "#f1f5fb", drop: "#ff6b6b", node: "#1b1f27" },
};

const HOOK_NAMES = new Set(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
const MONO_KINDS = new Set(["hook", "chain", "rules", "set"]);

function format(template, ...args) {
    return template.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ""));
}

function n0(value) {
    return Math.round(value).toLocaleString("en-US");
}

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
        this.connection = null;
        this.connState = "connecting";
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
            exportPng: (lane) => this.exportPng(lane),
            stats: () => this.stats(),
            resetStats: () => this.resetStats(),
            dispose: () => this.dispose(),
        };
    }

    // ---- connection -------------------------------------------------------------------------------------------------

    start() {
        this.raf = requestAnimationFrame(this.frame);
        const signalR = globalThis.signalR;
        if (!signalR) {
            this.connState = "disconnected";
            console.error("compare.js: window.signalR is missing (lib/signalr/signalr.min.js must load before the page)");
            return;
        }
        const connection = new signalR.HubConnectionBuilder()
            .withUrl(this.options.hubUrl ?? "/hubs/simulation")
            .withAutomaticReconnect()
            .build();
        this.connection = connection;
        connection.on("Batch", (batch) => this.onBatch(batch));
        connection.on("Restarted", (welcome) => this.applyWelcome(welcome));
        connection.onreconnecting(() => { this.connState = "reconnecting"; this.statusAt = 0; });
        connection.onreconnected(() => this.join());
        connection.onclose(() => { if (!this.disposed) { this.connState = "disconnected"; this.statusAt = 0; } });
        this.connect(0);
    }

    async connect(attempt) {
        if (this.disposed) {
            return;
        }
        try {
            await this.connection.start();
            await this.join();
        } catch (error) {
            if (this.disposed) {
                return;
            }
            // withAutomaticReconnect only covers a connection that was once up; the first start is retried here.
            console.warn("compare.js: connecting to the hub failed, retrying", error);
            setTimeout(() => this.connect(attempt + 1), Math.min(10000, 1000 * (attempt + 1)));
        }
    }

    async join() {
        const welcome = await this.connection.invoke("Join", this.options.roomId);
        this.connState = "connected";
        this.statusAt = 0;
        this.applyWelcome(welcome);
    }

    applyWelcome(welcome) {
        if (!welcome || (this.options.roomId && welcome.roomId && welcome.roomId !== this.options.roomId)) {
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
        if (this.disposed || batch.generation !== this.generation) {
            return;
        }
        const now = performance.now();
        const packets = batch.packets ?? [];
        this.counters.received += packets.length;
        this.counters.lastSeq = batch.seq;
        this.skippedEvents = batch.skipped ?? 0;
        this.slowMotion = batch.speed > 0 && batch.speed < 1 ? Math.min(SLOW_MOTION_MAX, 1 / batch.speed) : 1;

        // An even sample at a rate the screen can hold: budget / packet lifetime, accrued per batch interval.
        const lanesDrawn = Math.max(1, this.lanes.length);
        // Packets live as long as their slowest lane, so a total of 240 sprites keeps about 200 moving across the panes.
        const budget = Math.max(1, Math.floor((this.projector ? 150 : 240) / lanesDrawn));
        const rate = budget / (this.lifeMs / 1000);
        const dt = this.lastBatchAt ? Math.min(250, now - this.lastBatchAt) : BATCH_SPREAD_MS;
        this.lastBatchAt = now;
        this.quota = Math.min(this.quota + rate * dt / 1000, Math.max(1, rate * 0.25));
        // While the screen has room, every packet is drawn; the rate quota only spreads the sample once it is full.
        let k = this.activePackets + packets.length <= budget
            ? packets.length
            : Math.min(packets.length, Math.floor(this.quota), budget - this.activePackets);
        if (this.held) {
            k = 0;
        }
        k = Math.max(0, k);
        this.quota = Math.max(0, this.quota - k);
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

        const wall = Date.now();
        const pending = this.pendingStarts;
        let started = 0;
        while (started < pending.length && pending[started].startAt <= begin) {
            this.latencyRing[this.latencyCount % LATENCY_RING] = wall - pending[started].simMs;
            this.latencyCount++;
            started++;
        }
        if (started) {
            pending.splice(0, started);
        }

        let onScreen = 0;
        for (const lane of this.lanes) {
            lane.frame(begin);
            onScreen += lane.sprites.length;
        }
        this.onScreen = onScreen;
        if (begin - this.statusAt > 250) {
            this.statusAt = begin;
            this.updateStatus(begin);
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
        lane.frame(performance.now());
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
        if (this.connection) {
            this.connection.stop().catch(() => { });
        }
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

// ---- one pane ---------------------------------------------------------------------------------------------------

class Lane {
    constructor(view, index) {
        this.view = view;
        this.index = index;
        this.layout = null;
        this.div = null;
        this.wrapper = null;
        this.canvas = null;
        this.ctx = null;
        this.status = null;
        this.statusText = "";
        this.staticCanvas = document.createElement("canvas");
        this.staticDirty = true;
        this.dirty = true;
        this.hadContent = false;
        this.w = 0;
        this.h = 0;
        this.dpr = 1;
        this.sprites = [];
        this.fx = [];
        for (let i = 0; i < FX_CAPACITY; i++) {
            this.fx.push({ type: 0, s: 0, a: 0, b: 0, start: 0, end: 0, text: "" });
        }
        this.fxNext = 0;
        this.heldSprite = null;
        this.onClick = this.onClick.bind(this);
        this.resizeObserver = new ResizeObserver(() => this.measure());
    }

    theme() {
        return this.view.dark ? THEMES.dark : THEMES.light;
    }

    metrics() {
        const p = this.view.projector;
        return {
            line: p ? 2 : 1,
            label: p ? 20 : 13,
            small: p ? 17 : 11,
            mono: p ? 18 : 12,
            packetLabel: p ? 17 : 11,
            radius: p ? 8 : 4.5,
            title: p ? 24 : 15,
        };
    }

    setLayout(layout) {
        this.layout = layout;
        const n = layout.stations.length;
        this.byKind = {};
        layout.stations.forEach((s, i) => { (this.byKind[s.kind] ??= []).push(i); if (s.id === "routing") { this.routeStation = i; } });
        this.routeStation = this.byKind.route?.[0] ?? -1;
        this.conntrackStation = this.byKind.conntrack?.[0] ?? -1;
        this.clientStation = this.byKind.client?.[0] ?? 0;
        this.endpointStation = this.byKind.endpoint?.[0] ?? n - 1;
        this.sx = new Float64Array(n);
        this.sy = new Float64Array(n);
        this.bw = new Float64Array(n);
        this.bh = new Float64Array(n);
        this.litStart = new Float64Array(n);
        this.litEnd = new Float64Array(n);
        this.strips = new Array(n).fill(null);
        this.clearSprites();
        for (const f of this.fx) {
            f.end = 0;
        }
        this.staticDirty = true;
        this.dirty = true;
        this.geometry();
    }

    // The canvas lives in a wrapper this module adds to the pane's div; Blazor may replace the div after a restart.
    ensureCanvas() {
        const div = this.view.host.querySelector(`[data-lane="${this.index}"]`);
        if (!div) {
            return false;
        }
        if (this.div === div && this.wrapper?.isConnected) {
            return true;
        }
        this.detach();
        this.div = div;
        const wrapper = document.createElement("div");
        wrapper.className = "compare-anim";
        wrapper.style.cssText = "position:relative;width:100%;height:100%;min-height:360px;";
        const canvas = document.createElement("canvas");
        canvas.style.cssText = "position:absolute;inset:0;width:100%;height:100%;display:block;";
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", this.layout?.title ?? "");
        const status = document.createElement("div");
        status.className = "compare-anim-status";
        status.setAttribute("aria-live", "polite");
        status.style.cssText = "position:absolute;left:8px;bottom:6px;pointer-events:none;white-space:nowrap;";
        wrapper.append(canvas, status);
        div.append(wrapper);
        canvas.addEventListener("click", this.onClick);
        this.wrapper = wrapper;
        this.canvas = canvas;
        this.ctx = canvas.getContext("2d");
        this.status = status;
        this.statusText = null;
        this.resizeObserver.observe(wrapper);
        this.measure();
        return true;
    }

    detach() {
        if (this.wrapper) {
            this.resizeObserver.unobserve(this.wrapper);
            this.canvas.removeEventListener("click", this.onClick);
            this.wrapper.remove();
        }
        this.wrapper = this.canvas = this.ctx = this.status = null;
        this.div = null;
    }

    destroy() {
        this.detach();
        this.resizeObserver.disconnect();
        this.sprites.length = 0;
    }

    measure() {
        if (!this.wrapper) {
            return;
        }
        const rect = this.wrapper.getBoundingClientRect();
        const dpr = Math.min(3, globalThis.devicePixelRatio || 1);
        const w = Math.max(1, Math.round(rect.width)), h = Math.max(1, Math.round(rect.height));
        if (w === this.w && h === this.h && dpr === this.dpr) {
            return;
        }
        this.w = w;
        this.h = h;
        this.dpr = dpr;
        this.canvas.width = this.staticCanvas.width = Math.round(w * dpr);
        this.canvas.height = this.staticCanvas.height = Math.round(h * dpr);
        this.geometry();
        this.staticDirty = true;
        this.dirty = true;
    }

    setStatus(text) {
        if (!this.status) {
            return;
        }
        const t = this.theme(), m = this.view.projector;
        const style = `${t.muted}|${m}`;
        if (this.statusStyle !== style) {
            this.statusStyle = style;
            this.status.style.color = t.muted;
            this.status.style.font = `${m ? 18 : 12}px ${SANS}`;
        }
        if (text !== this.statusText) {
            this.statusText = text;
            this.status.textContent = text;
        }
    }

    // ---- geometry ---------------------------------------------------------------------------------------------------

    geometry() {
        const layout = this.layout;
        if (!layout || !this.w) {
            return;
        }
        const m = this.metrics();
        this.padX = m.radius * 2 + 22;                 // room outside the node for DR/TUN replies
        this.padTop = 8;
        this.padBottom = m.small + 16;                   // the status line
        const cols = Math.max(1, layout.columns), rows = Math.max(1, layout.rows);
        this.cellW = (this.w - 2 * this.padX) / cols;
        this.cellH = (this.h - this.padTop - this.padBottom) / rows;
        const occupied = new Set(layout.stations.map((s) => `${s.row},${s.column}`));
        layout.stations.forEach((s, i) => {
            this.sx[i] = this.padX + (s.column + 0.5) * this.cellW;
            this.sy[i] = this.padTop + (s.row + 0.5) * this.cellH;
            const wide = s.kind === "conntrack" || s.kind === "hash";
            this.bw[i] = Math.min(this.cellW * 0.88, wide ? 230 : 200);
            this.bh[i] = Math.min(this.cellH * (wide ? 0.8 : 0.62), wide ? 70 : 44);
            this.strips[i] = null;
            if (s.kind === "rules") {
                this.strips[i] = this.ruleStrip(s, occupied, rows, cols);
            }
        });
        // The node: every row between the clients and the pods.
        const inner = layout.stations.filter((s) => s.kind !== "client" && s.kind !== "endpoint");
        const top = Math.min(...inner.map((s) => s.row)), bottom = Math.max(...inner.map((s) => s.row));
        this.node = { x: this.padX - 8, y: this.padTop + top * this.cellH + 2, w: this.w - 2 * this.padX + 16, h: (bottom - top + 1) * this.cellH - 4 };
    }

    // KUBE-SERVICES' rules: a tall strip in the free cells beside the station (the free column nearest to it).
    ruleStrip(s, occupied, rows, cols) {
        for (const column of [s.column - 1, s.column + 1]) {
            if (column < 0 || column >= cols || occupied.has(`${s.row},${column}`)) {
                continue;
            }
            let last = s.row;
            while (last + 1 < rows - 1 && last - s.row < 3 && !occupied.has(`${last + 1},${column}`)) {
                last++;
            }
            const w = Math.min(this.cellW * 0.3, 36);
            const x = this.padX + (column + 0.5) * this.cellW - w / 2 + (column < s.column ? this.cellW * 0.15 : -this.cellW * 0.15);
            const y = this.padTop + s.row * this.cellH + this.cellH * 0.2;
            const h = (last - s.row + 1) * this.cellH - this.cellH * 0.2 - this.metrics().small - 10;
            return { x, y, w, h, size: Math.max(1, s.size) };
        }
        return null;
    }

    ruleY(strip, rule) {
        const r = Math.min(Math.max(rule, 1), strip.size);
        return strip.y + ((r - 0.5) / strip.size) * strip.h;
    }

    // ---- sprites ----------------------------------------------------------------------------------------------------

    clearSprites() {
        for (const sp of this.sprites) {
            this.view.spriteDone(sp.record);
        }
        this.sprites.length = 0;
        this.heldSprite = null;
    }

    // Turns a lane packet's hops into timed steps once, when it arrives; frames only interpolate.
    buildSteps(packet, wl) {
        const hops = wl.hops ?? [];
        const steps = [];
        let at = wl.seen === false ? this.endpointStation : packet.reply ? this.endpointStation : this.clientStation;
        let t = 0;
        let ctHit = false, shortcutTaken = false;
        let labelSince = 0;
        const reqLabel = (addr) => "dst " + addr;
        const srcLabel = (addr) => "src " + addr;
        let label = packet.reply ? srcLabel(wl.src) : reqLabel(wl.dst);
        let wrap = 0; // 1 = IPIP envelope, 2 = DR MAC tag
        for (let i = 0; i < hops.length; i++) {
            const hop = hops[i];
            const look = Math.min(Math.max(hop.s | 0, 0), this.layout.stations.length - 1);
            let s = look;
            let route = 0;
            if (hop.k === "ct" && typeof hop.t === "string" && hop.t.startsWith("hit")) {
                ctHit = true;
            }
            // Conntrack and ipset are consulted, not travelled through: the packet stays where it is and a beam
            // lights the bucket it looked up (the zig-zag to the side would hide the path).
            const kind = this.layout.stations[look].kind;
            if ((kind === "conntrack" || kind === "set") && i > 0) {
                s = at;
            }
            if (hop.k === "direct") {
                route = 2;
            } else if (ctHit && !shortcutTaken && s === this.routeStation && s !== at) {
                route = 1;   // conntrack already knows the NAT: straight past the nat chains
                shortcutTaken = true;
            }
            if (hop.k === "nat") {
                const text = hop.t ?? "";
                if (/\bsrc\b/.test(text) || /^(SNAT|MASQUERADE|un-DNAT)/.test(text)) {
                    label = srcLabel(wl.srcAfter);
                } else {
                    label = reqLabel(wl.dstAfter);
                }
            } else if (hop.k === "xmit") {
                if (hop.t === "nat") {
                    label = reqLabel(wl.dstAfter);
                } else if (hop.t === "tun") {
                    wrap = 1;
                } else if (hop.t === "dr") {
                    wrap = 2;
                }
            }
            const slow = this.view.slowMotion;
            const travel = s !== at ? slow * (route === 2 ? TRAVEL_MS * 4 : route === 1 ? TRAVEL_MS * 2 : TRAVEL_MS) : 0;
            let dwell;
            if (hop.k === "scan") {
                dwell = scanMs(Math.max(1, (hop.n | 0) - (hop.f | 0) + 1));
            } else if (hop.k === "drop" || hop.k === "reject") {
                dwell = 450;
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

    addSprite(packet, wl, startAt, record) {
        const { steps, total } = this.buildSteps(packet, wl);
        const sprite = {
            packet, wl, steps, total, startAt, record, cursor: -1,
            jx: ((packet.id * 37) % 11 - 5) / 5, jy: ((packet.id * 53) % 7 - 3) / 3,
            x: -100, y: -100, tx: -100, ty: -100, alive: true,
        };
        this.sprites.push(sprite);
        this.dirty = true;
        return sprite;
    }

    setHeld(packet, hop) {
        this.heldSprite = null;
        const wl = packet?.lanes?.[this.index];
        if (!wl || !this.layout) {
            return;
        }
        const { steps } = this.buildSteps(packet, wl);
        if (!steps.length) {
            return;
        }
        const step = steps[Math.min(hop, steps.length - 1)];
        this.heldSprite = { packet, wl, steps, step, jx: 0, jy: 0, x: 0, y: 0, tx: 0, ty: 0 };
    }

    // Where a packet is at `local` ms into its path; writes into out[0..1].
    position(sprite, local, out) {
        const steps = sprite.steps;
        let i = 0;
        while (i < steps.length - 1 && steps[i].start + steps[i].dur <= local) {
            i++;
        }
        const step = steps[i];
        const into = local - step.start;
        const jx = sprite.jx * this.bw[step.s] * 0.28, jy = sprite.jy * this.bh[step.s] * 0.18;
        if (step.travel > 0 && into < step.travel) {
            const f = ease(Math.max(0, into) / step.travel);
            const from = step.from;
            const fjx = sprite.jx * this.bw[from] * 0.28, fjy = sprite.jy * this.bh[from] * 0.18;
            this.routePoint(step.route, this.sx[from] + fjx, this.sy[from] + fjy, this.sx[step.s] + jx, this.sy[step.s] + jy, f, out);
        } else {
            out[0] = this.sx[step.s] + jx;
            out[1] = this.sy[step.s] + jy;
            if (step.hop.k === "reject") {
                const b = Math.sin(Math.min(1, (into - step.travel) / 300) * Math.PI);
                out[1] -= b * this.bh[step.s] * 0.6;
            }
        }
        return i;
    }

    // route 0: straight; 1: conntrack's dashed shortcut down the gap beside the chains; 2: outside the node.
    routePoint(route, x0, y0, x1, y1, f, out) {
        if (route === 0) {
            out[0] = x0 + (x1 - x0) * f;
            out[1] = y0 + (y1 - y0) * f;
            return;
        }
        const gx = route === 1 ? this.shortcutX() : this.w - this.padX / 2;
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

    shortcutX() {
        const ct = this.conntrackStation, r = this.routeStation;
        if (ct < 0 || r < 0) {
            return this.w / 2;
        }
        return (this.sx[ct] - this.bw[ct] / 2 + this.sx[r] + this.bw[r] / 2) / 2;
    }

    // ---- effects (lookups that move: scan bars, lit buckets and rules, a station's label) ---------------------------

    addFx(type, s, a, b, start, end, text) {
        const f = this.fx[this.fxNext];
        this.fxNext = (this.fxNext + 1) % FX_CAPACITY;
        f.type = type; f.s = s; f.a = a; f.b = b; f.start = start; f.end = end; f.text = text ?? "";
    }

    enterStep(step, at) {
        const hop = step.hop;
        const arrive = at + step.travel, end = at + step.dur;
        for (const s of step.look === step.s ? [step.s] : [step.s, step.look]) {
            if (this.litEnd[s] < end) {
                this.litStart[s] = this.litEnd[s] > arrive ? Math.min(arrive, this.litStart[s]) : arrive;
                this.litEnd[s] = end;
            }
        }
        const kind = this.layout.stations[step.look].kind;
        switch (hop.k) {
            case "scan":
                if (this.strips[step.s]) {
                    this.addFx(1, step.s, hop.f | 0, hop.n | 0, arrive, end);
                }
                break;
            case "match":
                if (this.strips[step.s]) {
                    this.addFx(2, step.s, hop.n | 0, 0, arrive, end + 500);
                }
                break;
            case "ct": case "ctnew": case "svc": case "conn":
                if (kind === "conntrack" || kind === "hash") {
                    this.addFx(3, step.look, hop.n | 0, 0, arrive, end + 300);
                }
                break;
            case "sched":
                this.addFx(4, step.s, 0, 0, arrive, end + 400, "→ " + hop.t);
                break;
        }
    }

    // ---- drawing ----------------------------------------------------------------------------------------------------

    frame(now) {
        if (!this.layout || !this.ensureCanvas() || !this.w) {
            return;
        }
        if (this.staticDirty) {
            this.drawStatic();
            this.staticDirty = false;
            this.dirty = true;
        }
        let activeFx = false;
        for (const f of this.fx) {
            if (f.end + FX_FADE_MS > now) { activeFx = true; break; }
        }
        if (!this.sprites.length && !activeFx && !this.dirty && !this.hadContent) {
            return; // nothing moves: draw nothing
        }
        this.dirty = false;
        const ctx = this.ctx;
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.drawImage(this.staticCanvas, 0, 0);
        ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
        if (this.heldSprite) {
            this.drawHeld(now);
            this.hadContent = true;
            return;
        }
        this.advance(now);
        this.drawLit(now);
        this.drawFx(now);
        this.drawSprites(now);
        this.drawLabelsOnTop();
        this.hadContent = this.sprites.length > 0 || activeFx;
    }

    advance(now) {
        const out = this.tmp ??= new Float64Array(2);
        const sprites = this.sprites;
        for (let i = sprites.length - 1; i >= 0; i--) {
            const sp = sprites[i];
            const local = now - sp.startAt;
            if (local >= sp.total) {
                sprites[i] = sprites[sprites.length - 1];
                sprites.pop();
                this.view.spriteDone(sp.record);
                continue;
            }
            if (local < 0) {
                sp.visible = false;
                continue;
            }
            sp.visible = true;
            const idx = this.position(sp, local, out);
            sp.x = out[0]; sp.y = out[1];
            while (sp.cursor < idx) {
                sp.cursor++;
                this.enterStep(sp.steps[sp.cursor], sp.startAt + sp.steps[sp.cursor].start);
            }
            this.position(sp, Math.max(0, local - TAIL_MS), out);
            let dx = out[0] - sp.x, dy = out[1] - sp.y;
            const len = Math.hypot(dx, dy), cap = this.metrics().radius * 3.5;
            if (len > cap) {
                dx *= cap / len; dy *= cap / len;
            }
            sp.tx = sp.x + dx; sp.ty = sp.y + dy;
            sp.step = sp.steps[idx];
        }
    }

    // Station names stay readable under a crowd of packets: redrawn over them with a halo.
    drawLabelsOnTop() {
        const ctx = this.ctx, t = this.theme();
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.lineJoin = "round";
        ctx.lineWidth = 3 * this.metrics().line;
        ctx.strokeStyle = t.box;
        ctx.fillStyle = t.text;
        for (const l of this.labels ?? []) {
            ctx.font = l.font;
            ctx.globalAlpha = 0.85;
            ctx.strokeText(l.text, l.x, l.y);
            ctx.globalAlpha = 1;
            ctx.fillText(l.text, l.x, l.y);
        }
    }

    drawLit(now) {
        const ctx = this.ctx, colour = this.layout.colour, m = this.metrics();
        ctx.strokeStyle = colour;
        ctx.lineWidth = 2 * m.line;
        for (let s = 0; s < this.litEnd.length; s++) {
            const end = this.litEnd[s];
            if (end + FX_FADE_MS <= now || this.litStart[s] > now) {
                continue;
            }
            this.drawLitOne(s, end > now ? 1 : 1 - (now - end) / FX_FADE_MS);
        }
        ctx.globalAlpha = 1;
    }

    drawLitOne(s, a) {
        const ctx = this.ctx;
        ctx.strokeStyle = ctx.fillStyle = this.layout.colour;
        ctx.lineWidth = 2 * this.metrics().line;
        ctx.globalAlpha = 0.25 * a;
        const x = this.sx[s] - this.bw[s] / 2, y = this.sy[s] - this.bh[s] / 2;
        ctx.fillRect(x, y, this.bw[s], this.bh[s]);
        ctx.globalAlpha = a;
        ctx.strokeRect(x, y, this.bw[s], this.bh[s]);
    }

    drawFx(now) {
        for (const f of this.fx) {
            if (f.end + FX_FADE_MS <= now || f.start > now) {
                continue;
            }
            const fade = f.end > now ? 1 : 1 - (now - f.end) / FX_FADE_MS;
            switch (f.type) {
                case 1: this.drawScan(f.s, f.a, f.b, Math.min(1, (now - f.start) / Math.max(1, f.end - f.start)), fade); break;
                case 2: this.drawRule(f.s, f.a, fade); break;
                case 3: this.drawBucket(f.s, f.a, fade); break;
                case 4: this.drawStationText(f.s, f.text, fade); break;
            }
        }
        this.ctx.globalAlpha = 1;
    }

    drawScan(s, first, last, p, alpha) {
        const strip = this.strips[s], ctx = this.ctx, m = this.metrics();
        const y0 = strip.y + ((Math.max(1, first) - 1) / strip.size) * strip.h;
        const rule = first + (last - first + 1) * p;
        const y1 = strip.y + (Math.min(strip.size, rule - 1) / strip.size) * strip.h;
        // Rules evaluated without a match flash faintly; the bar is where the walk is now.
        ctx.globalAlpha = 0.3 * alpha;
        ctx.fillStyle = this.layout.colour;
        ctx.fillRect(strip.x, y0, strip.w, Math.max(1, y1 - y0));
        if (p < 1) {
            ctx.globalAlpha = alpha;
            ctx.fillStyle = this.theme().text;
            const bar = 3 * m.line;
            ctx.fillRect(strip.x - 6, y1 - bar / 2, strip.w + 12, bar);
        }
    }

    drawRule(s, rule, alpha) {
        const strip = this.strips[s], ctx = this.ctx, m = this.metrics();
        const h = Math.max(3 * m.line, strip.h / strip.size - 1);
        ctx.globalAlpha = alpha;
        ctx.fillStyle = this.layout.colour;
        const y = this.ruleY(strip, rule);
        ctx.fillRect(strip.x - 4, y - h / 2, strip.w + 8, h);
        ctx.strokeStyle = this.theme().text;
        ctx.lineWidth = m.line;
        ctx.strokeRect(strip.x - 4, y - h / 2, strip.w + 8, h);
    }

    bucketGrid(s) {
        const station = this.layout.stations[s];
        const m = this.metrics();
        const w = this.bw[s] - 12, top = this.sy[s] - this.bh[s] / 2 + m.label + 10;
        const h = Math.max(6, this.sy[s] + this.bh[s] / 2 - 6 - top);
        const cells = Math.max(1, Math.min(station.size || 1, Math.floor(w / (this.view.projector ? 7 : 4.5))));
        return { x: this.sx[s] - w / 2, y: top, w, h, cells, size: Math.max(1, station.size || 1) };
    }

    drawBucket(s, bucket, alpha) {
        const g = this.bucketGrid(s), ctx = this.ctx;
        const cell = Math.min(g.cells - 1, Math.floor((bucket / g.size) * g.cells));
        const cw = g.w / g.cells;
        ctx.globalAlpha = alpha;
        ctx.fillStyle = this.layout.colour;
        ctx.fillRect(g.x + cell * cw - 1, g.y - 2, Math.max(3, cw) + 2, g.h + 4);
        ctx.strokeStyle = this.theme().text;
        ctx.lineWidth = this.metrics().line;
        ctx.strokeRect(g.x + cell * cw - 1, g.y - 2, Math.max(3, cw) + 2, g.h + 4);
    }

    drawStationText(s, text, alpha) {
        const m = this.metrics();
        this.ctx.globalAlpha = alpha;
        this.tag(text, this.sx[s], this.sy[s] + this.bh[s] / 2 + m.packetLabel * 0.9, m.packetLabel, "center");
    }

    // A small monospace tag with a background, so it reads over edges and packets.
    tag(text, x, y, size, align) {
        const ctx = this.ctx, t = this.theme();
        ctx.font = `${size}px ${MONO}`;
        const w = ctx.measureText(text).width + 8, h = size + 6;
        let left = align === "center" ? x - w / 2 : x;
        left = Math.max(2, Math.min(this.w - w - 2, left));
        ctx.fillStyle = t.label;
        ctx.fillRect(left, y - h / 2, w, h);
        ctx.fillStyle = t.labelText;
        ctx.textBaseline = "middle";
        ctx.textAlign = "left";
        ctx.fillText(text, left + 4, y + 0.5);
        return { x: left, y: y - h / 2, w, h };
    }

    drawSprites(now) {
        const ctx = this.ctx, t = this.theme(), m = this.metrics(), sprites = this.sprites;
        const r = m.radius, selected = this.view.selected;
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
        ctx.strokeStyle = this.layout.colour;
        ctx.lineWidth = m.line;
        ctx.globalAlpha = 0.5;
        ctx.beginPath();
        for (const sp of sprites) {
            if (sp.visible && sp.step.look !== sp.step.s) {
                ctx.moveTo(sp.x, sp.y);
                ctx.lineTo(this.sx[sp.step.look] - this.bw[sp.step.look] / 2, this.sy[sp.step.look]);
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
            this.drawShortcut(1, this.layout.colour);
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
        const placed = this.placed ??= [];
        placed.length = 0;
        for (const sp of sprites) {
            if (sp.visible && labels < MAX_LABELS && sp.step.labelSince > 0 && now - sp.startAt - sp.step.labelSince < 900
                && !isStop(sp.step, sp, now) && this.packetLabel(sp, sp.step, placed, false)) {
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
                this.drawStop(sp.x, sp.y, r);
                continue;
            }
            if (sp.step.wrap) {
                this.drawWrap(sp.step.wrap, sp.x, sp.y, r);
            }
            const isSel = selected !== null && sp.packet.id === selected;
            if (isSel) {
                this.drawSelected(sp.x, sp.y, r);
            }
            if (!sp.labelled && (isSel || labels < MAX_LABELS) && this.packetLabel(sp, sp.step, placed, isSel)) {
                labels++;
            }
        }
    }

    packetLabel(sp, step, placed, force) {
        const m = this.metrics();
        let text = step.label;
        if (step.wrap === 1 && sp.wl.outer) {
            text = `IPIP ${sp.wl.outer} | ${text}`;
        } else if (step.wrap === 2 && sp.wl.mac) {
            text = `${text} | mac ${sp.wl.mac}`;
        }
        const ctx = this.ctx;
        ctx.font = `${m.packetLabel}px ${MONO}`;
        const w = ctx.measureText(text).width + 8, h = m.packetLabel + 6;
        const x = Math.max(2, Math.min(this.w - w - 2, sp.x + m.radius + 6)), y = sp.y - h - 2;
        if (!force) {
            for (const p of placed) {
                if (x < p.x + p.w && x + w > p.x && y < p.y + p.h && y + h > p.y) {
                    return false;
                }
            }
        }
        placed.push(this.tag(text, x, y + h / 2, m.packetLabel, "left"));
        return true;
    }

    drawStop(x, y, r) {
        const ctx = this.ctx, s = r * 1.6;
        ctx.strokeStyle = this.theme().drop;
        ctx.lineWidth = Math.max(2, r * 0.6);
        ctx.beginPath();
        ctx.moveTo(x - s, y - s); ctx.lineTo(x + s, y + s);
        ctx.moveTo(x + s, y - s); ctx.lineTo(x - s, y + s);
        ctx.stroke();
    }

    drawWrap(wrap, x, y, r) {
        const ctx = this.ctx, t = this.theme();
        ctx.strokeStyle = this.layout.colour;
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
            ctx.fillStyle = this.layout.colour;
            ctx.fillRect(x + r * 0.8, y + r * 0.6, r * 1.8, r * 1.2);
            ctx.strokeStyle = t.packet;
            ctx.lineWidth = 1;
            ctx.strokeRect(x + r * 0.8, y + r * 0.6, r * 1.8, r * 1.2);
        }
    }

    drawSelected(x, y, r) {
        const ctx = this.ctx;
        ctx.strokeStyle = this.layout.colour;
        ctx.lineWidth = Math.max(2, r * 0.6);
        ctx.beginPath();
        ctx.arc(x, y, r * 2.2, 0, Math.PI * 2);
        ctx.stroke();
        ctx.fillStyle = this.theme().packet;
        ctx.beginPath();
        ctx.arc(x, y, r * 1.4, 0, Math.PI * 2);
        ctx.fill();
    }

    drawHeld() {
        const sp = this.heldSprite, step = sp.step, hop = step.hop, s = step.s, m = this.metrics();
        this.drawLitOne(s, 1);
        if (step.look !== s) {
            this.drawLitOne(step.look, 1);
        }
        const kind = this.layout.stations[s].kind;
        if (this.strips[s] && hop.k === "scan") {
            this.drawScan(s, hop.f | 0, hop.n | 0, 1, 1);
            this.drawRule(s, hop.n | 0, 0.35);
        } else if (this.strips[s] && hop.k === "match") {
            this.drawRule(s, hop.n | 0, 1);
        } else if ((kind === "conntrack" || kind === "hash") && ["ct", "ctnew", "svc", "conn"].includes(hop.k)) {
            this.drawBucket(s, hop.n | 0, 1);
        }
        if (step.route) {
            this.drawShortcut(step.route, this.layout.colour);
        }
        this.ctx.globalAlpha = 1;
        const x = this.sx[s], y = this.sy[s];
        sp.x = x; sp.y = y;
        const r = m.radius;
        if (hop.k === "drop" || hop.k === "reject") {
            this.drawStop(x, y, r);
        } else {
            if (step.wrap) {
                this.drawWrap(step.wrap, x, y, r);
            }
            this.drawSelected(x, y, r);
            if (sp.packet.reply) {
                this.ctx.fillStyle = this.theme().bg;
                this.ctx.beginPath();
                this.ctx.arc(x, y, r * 0.8, 0, Math.PI * 2);
                this.ctx.fill();
            }
        }
        this.packetLabel(sp, step, [], true);
        this.ctx.globalAlpha = 1;
        // The hop itself, as the engine reported it, under the station; the step counter and modelled cost at the bottom.
        this.tag(describeHop(hop), x, y + this.bh[s] / 2 + m.packetLabel, m.packetLabel, "center");
        const ctx = this.ctx, t = this.theme();
        const caption = `${format(this.view.strings.hop, step.index + 1, sp.steps.length)} · ${(sp.wl.costNs / 1000).toFixed(2)} µs (${this.view.strings.modelled})`;
        ctx.font = `${m.small}px ${SANS}`;
        ctx.fillStyle = t.text;
        ctx.textAlign = "right";
        ctx.textBaseline = "alphabetic";
        ctx.fillText(caption, this.w - 8, this.h - 6);
        ctx.textAlign = "left";
    }

    drawShortcut(route, colour) {
        const ctx = this.ctx, m = this.metrics();
        const from = route === 1 ? this.conntrackStation : this.endpointStation;
        const to = route === 1 ? this.routeStation : this.clientStation;
        if (from < 0 || to < 0) {
            return;
        }
        const gx = route === 1 ? this.shortcutX() : this.w - this.padX / 2;
        ctx.strokeStyle = colour;
        ctx.lineWidth = 2 * m.line;
        ctx.setLineDash([6 * m.line, 4 * m.line]);
        ctx.beginPath();
        ctx.moveTo(this.sx[from], this.sy[from]);
        ctx.lineTo(gx, this.sy[from]);
        ctx.lineTo(gx, this.sy[to]);
        ctx.lineTo(this.sx[to], this.sy[to]);
        ctx.stroke();
        ctx.setLineDash([]);
    }

    // ---- the static layer: node, edges, stations, rule strips, bucket strips (redrawn on resize/theme/layout) ----

    drawStatic() {
        const c = this.staticCanvas, ctx = c.getContext("2d"), t = this.theme(), m = this.metrics(), layout = this.layout;
        ctx.setTransform(1, 0, 0, 1, 0, 0);
        ctx.fillStyle = t.bg;
        ctx.fillRect(0, 0, c.width, c.height);
        ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
        const colour = layout.colour;

        // Pane border in the mode's colour.
        ctx.strokeStyle = colour;
        ctx.lineWidth = 3 * m.line;
        ctx.strokeRect(1.5 * m.line, 1.5 * m.line, this.w - 3 * m.line, this.h - 3 * m.line);

        // The node.
        const node = this.node;
        ctx.fillStyle = t.node;
        ctx.fillRect(node.x, node.y, node.w, node.h);
        ctx.strokeStyle = t.edge;
        ctx.lineWidth = m.line;
        ctx.strokeRect(node.x, node.y, node.w, node.h);
        ctx.fillStyle = t.muted;
        ctx.font = `${m.small}px ${SANS}`;
        ctx.textBaseline = "top";
        ctx.textAlign = "left";
        ctx.fillText(this.view.strings.node, node.x + 4, node.y + 3);

        // Edges: the centre column in station order, and each side station to its row's centre station.
        const centre = this.spine();
        ctx.strokeStyle = t.edge;
        ctx.lineWidth = 2 * m.line;
        ctx.beginPath();
        for (let i = 1; i < centre.length; i++) {
            ctx.moveTo(this.sx[centre[i - 1]], this.sy[centre[i - 1]]);
            ctx.lineTo(this.sx[centre[i]], this.sy[centre[i]]);
        }
        layout.stations.forEach((s, i) => {
            if (centre.includes(i)) {
                return;
            }
            const partner = centre.find((j) => layout.stations[j].row === s.row)
                ?? centre.reduce((a, j) => Math.abs(layout.stations[j].row - s.row) < Math.abs(layout.stations[a].row - s.row) ? j : a, centre[0]);
            if (partner !== undefined) {
                ctx.moveTo(this.sx[partner], this.sy[partner]);
                ctx.lineTo(this.sx[i], this.sy[i]);
            }
        });
        ctx.stroke();

        // Conntrack's shortcut past the nat chains (dashed, faint until a hit uses it) and the DR/TUN reply path.
        this.ctx2 = this.ctx;
        this.ctx = ctx;
        ctx.globalAlpha = 0.35;
        if (this.conntrackStation >= 0 && this.routeStation >= 0) {
            this.drawShortcut(1, t.stroke);
        }
        // DR and TUN replies leave the node's drawing: the real server answers the client directly.
        const transmit = this.byKind.transmit?.[0];
        if (transmit !== undefined && /^(DR|TUN)$/i.test(layout.stations[transmit].label)) {
            this.drawShortcut(2, t.stroke);
        }
        ctx.globalAlpha = 1;

        this.labels = [];
        layout.stations.forEach((s, i) => this.drawStation(ctx, s, i));
        this.ctx = this.ctx2;
    }

    spine() {
        const stations = this.layout.stations;
        const centreColumn = stations[this.clientStation]?.column ?? Math.floor(this.layout.columns / 2);
        return stations.map((s, i) => i).filter((i) => stations[i].column === centreColumn).sort((a, b) => stations[a].row - stations[b].row);
    }

    drawStation(ctx, s, i) {
        const t = this.theme(), m = this.metrics(), colour = this.layout.colour;
        const w = this.bw[i], h = this.bh[i], x = this.sx[i] - w / 2, y = this.sy[i] - h / 2;
        const mono = MONO_KINDS.has(s.kind) || HOOK_NAMES.has(s.label);
        ctx.lineWidth = m.line * 1.5;
        ctx.fillStyle = t.box;
        ctx.strokeStyle = t.stroke;
        let labelY = this.sy[i];
        switch (s.kind) {
            case "client":
            case "endpoint":
            case "scheduler":
                roundRect(ctx, x, y, w, h, h / 2);
                ctx.fill(); ctx.stroke();
                break;
            case "hook":
                ctx.fillRect(x, y, w, h);
                ctx.strokeStyle = colour;
                ctx.lineWidth = 2 * m.line;
                ctx.strokeRect(x, y, w, h);
                ctx.fillStyle = colour;
                ctx.fillRect(x, y, 5 * m.line, h);
                break;
            case "route": {
                // A diamond-ended box: a decision.
                const k = Math.min(h / 2, 14);
                ctx.beginPath();
                ctx.moveTo(x, y + h / 2); ctx.lineTo(x + k, y); ctx.lineTo(x + w - k, y); ctx.lineTo(x + w, y + h / 2);
                ctx.lineTo(x + w - k, y + h); ctx.lineTo(x + k, y + h); ctx.closePath();
                ctx.fill(); ctx.stroke();
                break;
            }
            case "set":
                roundRect(ctx, x, y, w, h, 8);
                ctx.fill();
                ctx.setLineDash([4, 3]);
                ctx.stroke();
                ctx.setLineDash([]);
                break;
            case "transmit":
                ctx.fillRect(x, y, w, h); ctx.strokeRect(x, y, w, h);
                ctx.fillStyle = colour;
                ctx.beginPath();
                ctx.moveTo(x + w - 12, y + h / 2 - 6); ctx.lineTo(x + w - 4, y + h / 2); ctx.lineTo(x + w - 12, y + h / 2 + 6);
                ctx.fill();
                break;
            case "conntrack":
            case "hash": {
                ctx.fillRect(x, y, w, h); ctx.strokeRect(x, y, w, h);
                labelY = y + m.label / 2 + 5;
                const g = this.bucketGrid(i);
                ctx.globalAlpha = 0.55;
                ctx.fillStyle = t.stroke;
                const cw = g.w / g.cells;
                for (let c = 0; c < g.cells; c++) {
                    ctx.fillRect(g.x + c * cw, g.y, Math.max(1, cw - (cw > 3 ? 1 : 0)), g.h);
                }
                ctx.globalAlpha = 1;
                break;
            }
            default:
                ctx.fillRect(x, y, w, h); ctx.strokeRect(x, y, w, h);
        }

        // Label: technical names in monospace, words in the sans face; shrunk (then clipped) to fit the box.
        let label = this.view.stationLabels[s.label] ?? s.label;
        if (s.kind === "conntrack" || s.kind === "hash") {
            label = `${label} · ${format(this.view.strings.buckets, n0(s.size))}`;
        }
        ctx.fillStyle = t.text;
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        this.labels[i] = fitText(ctx, label, this.sx[i], labelY, w - 10, mono ? m.mono : m.label, mono ? MONO : SANS, s.kind === "hook" ? "700" : "500");

        const strip = this.strips[i];
        if (strip) {
            this.drawRuleStrip(ctx, s, i, strip);
        }
    }

    drawRuleStrip(ctx, s, i, strip) {
        const t = this.theme(), m = this.metrics();
        // Bracket from the station to its strip.
        ctx.strokeStyle = t.edge;
        ctx.lineWidth = m.line * 1.5;
        ctx.beginPath();
        const left = strip.x + strip.w < this.sx[i];
        const edgeX = left ? this.sx[i] - this.bw[i] / 2 : this.sx[i] + this.bw[i] / 2;
        ctx.moveTo(edgeX, this.sy[i]);
        ctx.lineTo(left ? strip.x + strip.w + 6 : strip.x - 6, this.sy[i]);
        ctx.stroke();
        ctx.fillStyle = t.box;
        ctx.fillRect(strip.x, strip.y, strip.w, strip.h);
        const per = strip.h / strip.size;
        ctx.fillStyle = t.stroke;
        if (per >= 3) {
            // Few rules: one thin mark each.
            const mark = Math.max(1, Math.min(per * 0.5, 4));
            for (let r = 0; r < strip.size; r++) {
                ctx.fillRect(strip.x + 2, strip.y + (r + 0.5) * per - mark / 2, strip.w - 4, mark);
            }
        } else {
            // Thousands: a dense column of hairlines, one device pixel apart, so the strip reads as "very many".
            ctx.globalAlpha = 0.6;
            const step = 2 / this.dpr;
            for (let y = strip.y; y < strip.y + strip.h; y += step) {
                ctx.fillRect(strip.x + 2, y, strip.w - 4, 1 / this.dpr);
            }
            ctx.globalAlpha = 1;
        }
        ctx.strokeStyle = t.stroke;
        ctx.lineWidth = m.line;
        ctx.strokeRect(strip.x, strip.y, strip.w, strip.h);
        ctx.fillStyle = t.muted;
        ctx.textAlign = "center";
        ctx.textBaseline = "top";
        ctx.font = `${m.small}px ${SANS}`;
        ctx.fillText(format(this.view.strings.rules, n0(s.size)), strip.x + strip.w / 2, strip.y + strip.h + 4);
    }

    // ---- input ----------------------------------------------------------------------------------------------------

    onClick(event) {
        const rect = this.canvas.getBoundingClientRect();
        const x = event.clientX - rect.left, y = event.clientY - rect.top;
        const reach = this.metrics().radius + 6;
        let best = null, bestD = reach * reach;
        const candidates = this.heldSprite ? [this.heldSprite] : this.sprites;
        for (const sp of candidates) {
            if (sp.visible === false) {
                continue;
            }
            const d = (sp.x - x) ** 2 + (sp.y - y) ** 2;
            if (d <= bestD) {
                bestD = d;
                best = sp;
            }
        }
        if (best && this.view.dotnet) {
            Promise.resolve(this.view.dotnet.invokeMethodAsync("OnPacketClicked", best.packet.id)).catch(() => { });
        }
    }
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

function isStop(step, sp, now) {
    return (step.hop.k === "drop" || step.hop.k === "reject") && now - sp.startAt - step.start >= step.travel + (step.hop.k === "reject" ? 300 : 0);
}

function ease(f) {
    return f < 0.5 ? 2 * f * f : 1 - 2 * (1 - f) * (1 - f);
}

function roundRect(ctx, x, y, w, h, r) {
    ctx.beginPath();
    ctx.roundRect(x, y, w, h, Math.min(r, h / 2, w / 2));
}

// Fits a label into maxWidth (shrinking, then clipping) and returns what to draw, so frames can redraw it cheaply.
function fitText(ctx, text, x, y, maxWidth, size, family, weight) {
    let s = size;
    ctx.font = `${weight} ${s}px ${family}`;
    while (ctx.measureText(text).width > maxWidth && s > size * 0.72) {
        s -= 0.5;
        ctx.font = `${weight} ${s}px ${family}`;
    }
    let shown = text;
    if (ctx.measureText(shown).width > maxWidth) {
        while (shown.length > 2 && ctx.measureText(shown + "…").width > maxWidth) {
            shown = shown.slice(0, -1);
        }
        shown += "…";
    }
    ctx.fillText(shown, x, y);
    return { font: ctx.font, text: shown, x, y };
}
