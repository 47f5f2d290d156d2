// One pane: its canvas (added inside the pane's <div data-lane="i"> that Blazor renders), the packets moving on it,
// and the frame that draws the static layer under the moving one.
import { paneGeometry } from "./geometry.js";
import { drawFx, drawHeld, drawLabelsOnTop, drawLit, drawSprites, FX_FADE_MS } from "./live-layer.js";
import { drawStatic } from "./static-layer.js";
import { metrics, SANS, THEMES } from "./style.js";
import { buildSteps, position } from "./timeline.js";

const FX_CAPACITY = 512;
const TAIL_MS = 50;

export class Lane {
    constructor(view, index) {
        this.view = view;
        this.index = index;
        this.layout = null;
        this.div = null;
        this.wrapper = null;
        this.canvas = null;
        this.ctx = null;
        this.staticCanvas = null;
        this.status = null;
        this.statusText = "";
        this.staticDirty = true;
        this.dirty = true;
        this.hadContent = false;
        this.failures = 0;
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
        this.resizeObserver = null;
    }

    theme() {
        return this.view.dark ? THEMES.dark : THEMES.light;
    }

    metrics() {
        return metrics(this.view.projector);
    }

    setLayout(layout) {
        this.layout = layout;
        const n = layout.stations.length;
        this.byKind = {};
        layout.stations.forEach((s, i) => (this.byKind[s.kind] ??= []).push(i));
        this.routeStation = this.byKind.route?.[0] ?? -1;
        this.conntrackStation = this.byKind.conntrack?.[0] ?? -1;
        this.clientStation = this.byKind.client?.[0] ?? 0;
        this.endpointStation = this.byKind.endpoint?.[0] ?? n - 1;
        this.litStart = new Float64Array(n);
        this.litEnd = new Float64Array(n);
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
        this.staticCanvas ??= document.createElement("canvas");
        this.status = status;
        this.statusText = null;
        this.resizeObserver ??= new ResizeObserver(() => this.measure());
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
        this.resizeObserver?.disconnect();
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

    geometry() {
        if (this.layout && this.w) {
            Object.assign(this, paneGeometry(this.layout, this.w, this.h, this.metrics()));
        }
    }

    // ---- sprites ----------------------------------------------------------------------------------------------------

    clearSprites() {
        for (const sp of this.sprites) {
            this.view.spriteDone(sp.record);
        }
        this.sprites.length = 0;
        this.heldSprite = null;
    }

    steps(packet, wl) {
        const places = { client: this.clientStation, endpoint: this.endpointStation, route: this.routeStation };
        return buildSteps(packet, wl, this.layout.stations, places, this.view.slowMotion);
    }

    addSprite(packet, wl, startAt, record) {
        const { steps, total } = this.steps(packet, wl);
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
        const { steps } = this.steps(packet, wl);
        if (!steps.length) {
            return;
        }
        const step = steps[Math.min(hop, steps.length - 1)];
        this.heldSprite = { packet, wl, steps, step, heldAt: performance.now(), jx: 0, jy: 0, x: 0, y: 0, tx: 0, ty: 0 };
    }

    // The packets on this pane at the clock's `now`, where they are (CSS pixels in the canvas). They are advanced to
    // `now` first: a packet admitted since the last frame would otherwise be missing here and appear on the next one.
    packetsOnScreen(now) {
        if (this.layout && this.w && !this.heldSprite) {
            this.advance(now);
        }
        const shown = this.heldSprite ? [this.heldSprite] : this.sprites.filter((sp) => sp.visible);
        return shown.map((sp) => ({ packet: sp.packet, x: sp.x, y: sp.y }));
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

    // `now` is the animation's clock, which stands still while the room is paused.
    frame(now) {
        if (this.layout && this.ensureCanvas() && this.w) {
            this.draw(now);
        }
    }

    // A frame that throws (a canvas call refusing a value, a layout the code did not expect) must not cost the pane:
    // it is logged once, and the next frame redraws both layers from the start.
    draw(now) {
        try {
            this.paint(now);
        } catch (error) {
            if (this.failures++ === 0) {
                console.error(`pane ${this.index}: drawing failed, drawing again on the next frame`, error);
            }
            this.staticDirty = true;
            this.dirty = true;
        }
    }

    paint(now) {
        if (this.staticDirty) {
            drawStatic(this);
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
            drawHeld(this);
            this.hadContent = true;
            return;
        }
        this.advance(now);
        drawLit(this, now);
        drawFx(this, now);
        drawSprites(this, now);
        drawLabelsOnTop(this);
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
            const idx = position(this, sp, local, out);
            sp.x = out[0]; sp.y = out[1];
            while (sp.cursor < idx) {
                sp.cursor++;
                this.enterStep(sp.steps[sp.cursor], sp.startAt + sp.steps[sp.cursor].start);
            }
            position(this, sp, Math.max(0, local - TAIL_MS), out);
            let dx = out[0] - sp.x, dy = out[1] - sp.y;
            const len = Math.hypot(dx, dy), cap = this.metrics().radius * 3.5;
            if (len > cap) {
                dx *= cap / len; dy *= cap / len;
            }
            sp.tx = sp.x + dx; sp.ty = sp.y + dy;
            sp.step = sp.steps[idx];
        }
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
        if (best) {
            this.view.packetClicked(best.packet.id);
        }
    }
}
