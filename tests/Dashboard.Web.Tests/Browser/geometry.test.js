import assert from "node:assert/strict";
import { test } from "node:test";
import { bucketGrid, paneGeometry, roundRect, ruleY } from "../../../wwwroot/js/panes/geometry.js";
import { fakeContext, iptablesLayout, metricsAt1x } from "./fixtures.js";

// A resize can squeeze a pane to a few pixels (a phone turned, a window dragged small): issue 14, item 7.
const sizes = [[1, 1], [20, 12], [60, 40], [390, 360], [800, 560]];

test("no station, strip, node or bucket grid gets a negative size, however small the pane", () => {
    for (const [w, h] of sizes) {
        const g = paneGeometry(iptablesLayout, w, h, metricsAt1x);
        iptablesLayout.stations.forEach((station, i) => {
            assert.ok(g.bw[i] >= 0 && g.bh[i] >= 0, `${station.label} at ${w}x${h}: ${g.bw[i]}x${g.bh[i]}`);
            const grid = bucketGrid(g, i, station, metricsAt1x, false);
            assert.ok(grid.w >= 0 && grid.h >= 0 && grid.cells >= 1, `${station.label}'s buckets at ${w}x${h}`);
        });
        for (const strip of g.strips.filter((s) => s)) {
            assert.ok(strip.w >= 0 && strip.h >= 0, `rule strip at ${w}x${h}: ${strip.w}x${strip.h}`);
        }
        assert.ok(g.node.w >= 0 && g.node.h >= 0, `node at ${w}x${h}: ${g.node.w}x${g.node.h}`);
    }
});

test("every station box of a squeezed pane can be drawn rounded without the canvas refusing it", () => {
    const ctx = fakeContext("pane");
    for (const [w, h] of sizes) {
        const g = paneGeometry(iptablesLayout, w, h, metricsAt1x);
        iptablesLayout.stations.forEach((_, i) => {
            assert.doesNotThrow(() => roundRect(ctx, g.sx[i] - g.bw[i] / 2, g.sy[i] - g.bh[i] / 2, g.bw[i], g.bh[i], g.bh[i] / 2));
            assert.doesNotThrow(() => roundRect(ctx, g.sx[i] - g.bw[i] / 2, g.sy[i] - g.bh[i] / 2, g.bw[i], g.bh[i], 8));
        });
    }
});

test("roundRect clamps the radius of a box with a negative height to zero (the -8.9 the issue saw)", () => {
    const ctx = fakeContext("pane");
    roundRect(ctx, 10, 10, 40, -17.8, -17.8 / 2);
    const [, , , w, h, r] = ctx.calls.find(([name]) => name === "roundRect");
    assert.deepEqual([w, h, r], [40, 0, 0]);
});

test("at a normal size every station sits inside the pane, in its row and column", () => {
    const w = 800, h = 560;
    const g = paneGeometry(iptablesLayout, w, h, metricsAt1x);
    iptablesLayout.stations.forEach((s, i) => {
        assert.ok(g.sx[i] - g.bw[i] / 2 >= 0 && g.sx[i] + g.bw[i] / 2 <= w, `${s.label} leaves the pane sideways`);
        assert.ok(g.sy[i] - g.bh[i] / 2 >= 0 && g.sy[i] + g.bh[i] / 2 <= h, `${s.label} leaves the pane vertically`);
    });
    const at = (label) => iptablesLayout.stations.findIndex((s) => s.label === label);
    assert.ok(g.sy[at("clients")] < g.sy[at("PREROUTING")] && g.sy[at("POSTROUTING")] < g.sy[at("pods")]);
    assert.equal(g.sx[at("FORWARD")], g.sx[at("PREROUTING")]);
    assert.ok(g.sx[at("INPUT")] > g.sx[at("FORWARD")]);
});

test("a rule's mark is at its place in KUBE-SERVICES' strip: first at the top, last at the bottom, out of range clamped", () => {
    const strip = { x: 0, y: 100, w: 20, h: 400, size: 4 };
    assert.deepEqual([1, 2, 3, 4].map((r) => ruleY(strip, r)), [150, 250, 350, 450]);
    assert.equal(ruleY(strip, 0), 150);
    assert.equal(ruleY(strip, 9), 450);
});
