// Where a pane's stations, rule strips and node box sit for a canvas of a given size. Pure arithmetic (no DOM), so
// node --test checks it. Every size is clamped at zero: a pane squeezed below its padding during a resize once gave
// roundRect a negative radius, which throws (issue 14, item 7).

// The station boxes, the rule strip beside KUBE-SERVICES and the node's box, for a canvas w x h CSS pixels.
export function paneGeometry(layout, w, h, m) {
    const n = layout.stations.length;
    const g = {
        padX: m.radius * 2 + 22,          // room outside the node for DR/TUN replies
        padTop: 8,
        padBottom: m.small + 16,          // the status line
        sx: new Float64Array(n), sy: new Float64Array(n), bw: new Float64Array(n), bh: new Float64Array(n),
        strips: new Array(n).fill(null),
    };
    const cols = Math.max(1, layout.columns), rows = Math.max(1, layout.rows);
    g.cellW = Math.max(0, (w - 2 * g.padX) / cols);
    g.cellH = Math.max(0, (h - g.padTop - g.padBottom) / rows);
    const occupied = new Set(layout.stations.map((s) => `${s.row},${s.column}`));
    layout.stations.forEach((s, i) => {
        g.sx[i] = g.padX + (s.column + 0.5) * g.cellW;
        g.sy[i] = g.padTop + (s.row + 0.5) * g.cellH;
        const wide = s.kind === "conntrack" || s.kind === "hash";
        g.bw[i] = Math.min(g.cellW * 0.88, wide ? 230 : 200);
        g.bh[i] = Math.min(g.cellH * (wide ? 0.8 : 0.62), wide ? 70 : 44);
        if (s.kind === "rules") {
            g.strips[i] = ruleStrip(g, s, occupied, rows, cols, m);
        }
    });
    // The node: every row between the clients and the pods.
    const inner = layout.stations.filter((s) => s.kind !== "client" && s.kind !== "endpoint");
    const top = inner.length ? Math.min(...inner.map((s) => s.row)) : 0;
    const bottom = inner.length ? Math.max(...inner.map((s) => s.row)) : 0;
    g.node = {
        x: g.padX - 8, y: g.padTop + top * g.cellH + 2,
        w: Math.max(0, w - 2 * g.padX + 16), h: Math.max(0, (bottom - top + 1) * g.cellH - 4),
    };
    return g;
}

// KUBE-SERVICES' rules: a tall strip in the free cells beside the station (the free column nearest to it).
function ruleStrip(g, s, occupied, rows, cols, m) {
    for (const column of [s.column - 1, s.column + 1]) {
        if (column < 0 || column >= cols || occupied.has(`${s.row},${column}`)) {
            continue;
        }
        let last = s.row;
        while (last + 1 < rows - 1 && last - s.row < 3 && !occupied.has(`${last + 1},${column}`)) {
            last++;
        }
        const w = Math.min(g.cellW * 0.3, 36);
        const x = g.padX + (column + 0.5) * g.cellW - w / 2 + (column < s.column ? g.cellW * 0.15 : -g.cellW * 0.15);
        const y = g.padTop + s.row * g.cellH + g.cellH * 0.2;
        const h = Math.max(0, (last - s.row + 1) * g.cellH - g.cellH * 0.2 - m.small - 10);
        return { x, y, w, h, size: Math.max(1, s.size) };
    }
    return null;
}

// The y of a rule's mark in its strip (rules are 1-based).
export function ruleY(strip, rule) {
    const r = Math.min(Math.max(rule, 1), strip.size);
    return strip.y + ((r - 0.5) / strip.size) * strip.h;
}

// The bucket cells drawn inside a conntrack or hash station: at most one cell per 4.5 px (7 in projector mode).
export function bucketGrid(g, s, station, m, projector) {
    const w = Math.max(0, g.bw[s] - 12), top = g.sy[s] - g.bh[s] / 2 + m.label + 10;
    const h = Math.max(6, g.sy[s] + g.bh[s] / 2 - 6 - top);
    const cells = Math.max(1, Math.min(station.size || 1, Math.floor(w / (projector ? 7 : 4.5))));
    return { x: g.sx[s] - w / 2, y: top, w, h, cells, size: Math.max(1, station.size || 1) };
}

// The x of conntrack's shortcut: the gap between the conntrack box and the routing box.
export function shortcutX(g, conntrack, route, w) {
    if (conntrack < 0 || route < 0) {
        return w / 2;
    }
    return (g.sx[conntrack] - g.bw[conntrack] / 2 + g.sx[route] + g.bw[route] / 2) / 2;
}

// A rounded rectangle's path; the radius fits the box and is never negative, whatever size the pane was squeezed to.
export function roundRect(ctx, x, y, w, h, r) {
    const width = Math.max(0, w), height = Math.max(0, h);
    ctx.beginPath();
    ctx.roundRect(x, y, width, height, Math.max(0, Math.min(r, height / 2, width / 2)));
}

// Where a packet's address tag (w x h) goes: beside the packet (centre px, py, radius r), on the first side where it
// covers neither a station's name nor a tag already placed (`taken`, rectangles), inside the pane (`bounds`). A tag
// drawn over a name hid which chain the packet was at. Null when every side is taken.
export function labelSpot(px, py, r, w, h, bounds, taken) {
    const sides = [
        [px + r + 6, py - h - 2],
        [px + r + 6, py + r + 2],
        [px - r - 6 - w, py - h - 2],
        [px - r - 6 - w, py + r + 2],
    ];
    for (const [sx, sy] of sides) {
        const x = Math.max(2, Math.min(bounds.w - w - 2, sx));
        const y = Math.max(0, Math.min(bounds.h - h, sy));
        if (!taken.some((o) => x < o.x + o.w && x + w > o.x && y < o.y + o.h && y + h > o.y)) {
            return { x, y, w, h };
        }
    }
    return null;
}
