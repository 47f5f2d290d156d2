// A pane's static layer: the node, the edges, the stations, the rule strips and bucket strips. Drawn on the lane's
// offscreen canvas when the layout, the size or the theme changes; every frame copies it under the packets. It draws
// on the context it is handed and never swaps the lane's own (a swap left in place by an exception once kept a pane
// drawing offscreen for good: issue 14, item 7).
import { bucketGrid, roundRect } from "./geometry.js";
import { drawShortcut } from "./live-layer.js";
import { format, HOOK_NAMES, MONO, MONO_KINDS, n0, SANS } from "./style.js";

export function drawStatic(lane) {
    const c = lane.staticCanvas, ctx = c.getContext("2d"), t = lane.theme(), m = lane.metrics(), layout = lane.layout;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = t.bg;
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.setTransform(lane.dpr, 0, 0, lane.dpr, 0, 0);
    const colour = layout.colour;

    // Pane border in the mode's colour.
    ctx.strokeStyle = colour;
    ctx.lineWidth = 3 * m.line;
    ctx.strokeRect(1.5 * m.line, 1.5 * m.line, lane.w - 3 * m.line, lane.h - 3 * m.line);

    // The node.
    const node = lane.node;
    ctx.fillStyle = t.node;
    ctx.fillRect(node.x, node.y, node.w, node.h);
    ctx.strokeStyle = t.edge;
    ctx.lineWidth = m.line;
    ctx.strokeRect(node.x, node.y, node.w, node.h);
    ctx.fillStyle = t.muted;
    ctx.font = `${m.small}px ${SANS}`;
    ctx.textBaseline = "top";
    ctx.textAlign = "left";
    ctx.fillText(lane.view.strings.node, node.x + 4, node.y + 3);

    // Edges: the centre column in station order, and each side station to its row's centre station.
    const centre = spine(lane);
    ctx.strokeStyle = t.edge;
    ctx.lineWidth = 2 * m.line;
    ctx.beginPath();
    for (let i = 1; i < centre.length; i++) {
        ctx.moveTo(lane.sx[centre[i - 1]], lane.sy[centre[i - 1]]);
        ctx.lineTo(lane.sx[centre[i]], lane.sy[centre[i]]);
    }
    layout.stations.forEach((s, i) => {
        if (centre.includes(i)) {
            return;
        }
        const partner = centre.find((j) => layout.stations[j].row === s.row)
            ?? centre.reduce((a, j) => Math.abs(layout.stations[j].row - s.row) < Math.abs(layout.stations[a].row - s.row) ? j : a, centre[0]);
        if (partner !== undefined) {
            ctx.moveTo(lane.sx[partner], lane.sy[partner]);
            ctx.lineTo(lane.sx[i], lane.sy[i]);
        }
    });
    ctx.stroke();

    // Conntrack's shortcut past the nat chains (dashed, faint until a hit uses it) and the DR/TUN reply path.
    ctx.globalAlpha = 0.35;
    if (lane.conntrackStation >= 0 && lane.routeStation >= 0) {
        drawShortcut(lane, ctx, 1, t.stroke);
    }
    // DR and TUN replies leave the node's drawing: the real server answers the client directly.
    const transmit = lane.byKind.transmit?.[0];
    if (transmit !== undefined && /^(DR|TUN)$/i.test(layout.stations[transmit].label)) {
        drawShortcut(lane, ctx, 2, t.stroke);
    }
    ctx.globalAlpha = 1;

    lane.labels = [];
    layout.stations.forEach((s, i) => drawStation(lane, ctx, s, i));
    // Where the names are, for packet tags to keep off: once per layout, not once per tag per frame.
    lane.nameBoxes = lane.labels.filter((l) => l).map((l) => l.box);
}

function spine(lane) {
    const stations = lane.layout.stations;
    const centreColumn = stations[lane.clientStation]?.column ?? Math.floor(lane.layout.columns / 2);
    return stations.map((s, i) => i).filter((i) => stations[i].column === centreColumn).sort((a, b) => stations[a].row - stations[b].row);
}

function drawStation(lane, ctx, s, i) {
    const t = lane.theme(), m = lane.metrics(), colour = lane.layout.colour;
    const w = lane.bw[i], h = lane.bh[i], x = lane.sx[i] - w / 2, y = lane.sy[i] - h / 2;
    const mono = MONO_KINDS.has(s.kind) || HOOK_NAMES.has(s.label);
    ctx.lineWidth = m.line * 1.5;
    ctx.fillStyle = t.box;
    ctx.strokeStyle = t.stroke;
    let labelY = lane.sy[i];
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
            const g = bucketGrid(lane, i, s, m, lane.view.projector);
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

    // Label: technical names in monospace, words in the sans face; shrunk (then clipped) to fit inside the shape.
    const label = lane.view.stationLabels[s.label] ?? s.label;
    const texts = s.kind === "conntrack" || s.kind === "hash"
        ? tableLabels(label, format(lane.view.strings.buckets, n0(s.size)))
        : [label];
    ctx.fillStyle = t.text;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    lane.labels[i] = fitText(ctx, texts, lane.sx[i], labelY, labelRoom(s.kind, w, h), mono ? m.mono : m.label, mono ? MONO : SANS,
        s.kind === "hook" ? "700" : "500");

    const strip = lane.strips[i];
    if (strip) {
        drawRuleStrip(lane, ctx, s, i, strip);
    }
}

function drawRuleStrip(lane, ctx, s, i, strip) {
    const t = lane.theme(), m = lane.metrics();
    // Bracket from the station to its strip.
    ctx.strokeStyle = t.edge;
    ctx.lineWidth = m.line * 1.5;
    ctx.beginPath();
    const left = strip.x + strip.w < lane.sx[i];
    const edgeX = left ? lane.sx[i] - lane.bw[i] / 2 : lane.sx[i] + lane.bw[i] / 2;
    ctx.moveTo(edgeX, lane.sy[i]);
    ctx.lineTo(left ? strip.x + strip.w + 6 : strip.x - 6, lane.sy[i]);
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
        const step = 2 / lane.dpr;
        for (let y = strip.y; y < strip.y + strip.h; y += step) {
            ctx.fillRect(strip.x + 2, y, strip.w - 4, 1 / lane.dpr);
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
    ctx.fillText(format(lane.view.strings.rules, n0(s.size)), strip.x + strip.w / 2, strip.y + strip.h + 4);
}


// A table's label with its bucket count, then shorter forms: a translated name's gloss in parentheses ("서비스 테이블
// (Service Table)") goes before the count does, which is the number the box is there to show.
export function tableLabels(name, buckets) {
    const bare = name.replace(/\s*\([^)]*\)/g, "");
    return bare === name ? [`${name} · ${buckets}`, name] : [`${name} · ${buckets}`, `${bare} · ${buckets}`, bare];
}

// The width a label has inside a station's shape: a pill's round ends and a route's pointed ends take their share.
export function labelRoom(kind, w, h) {
    switch (kind) {
        case "client":
        case "endpoint":
        case "scheduler":
            return Math.max(0, w - Math.max(10, h * 0.8));
        case "route":
            return Math.max(0, w - 2 * Math.min(h / 2, 14) - 8);
        default:
            return Math.max(0, w - 10);
    }
}

// Draws the first of `texts` that fits maxWidth (shrinking each to 72% first), else the last one clipped, and returns
// what it drew and the box it covers, so frames can redraw it cheaply and packet tags can keep off it.
export function fitText(ctx, texts, x, y, maxWidth, size, family, weight) {
    for (const [n, text] of texts.entries()) {
        let s = size;
        ctx.font = `${weight} ${s}px ${family}`;
        while (ctx.measureText(text).width > maxWidth && s > size * 0.72) {
            s -= 0.5;
            ctx.font = `${weight} ${s}px ${family}`;
        }
        let shown = text;
        if (ctx.measureText(shown).width > maxWidth) {
            if (n < texts.length - 1) {
                continue;
            }
            while (shown.length > 2 && ctx.measureText(shown + "…").width > maxWidth) {
                shown = shown.slice(0, -1);
            }
            shown += "…";
        }
        ctx.fillText(shown, x, y);
        const width = ctx.measureText(shown).width;
        return { font: ctx.font, text: shown, x, y, box: { x: x - width / 2, y: y - s / 2, w: width, h: s } };
    }
    return null;
}
