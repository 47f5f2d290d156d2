import assert from "node:assert/strict";
import { test } from "node:test";
import { bucketGrid, labelSpot, paneGeometry, roundRect, ruleY } from "../../../wwwroot/js/panes/geometry.js";
import { fitText, labelRoom, tableLabels } from "../../../wwwroot/js/panes/static-layer.js";
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

const overlaps = (a, b) => a.x < b.x + b.w && a.x + a.w > b.x && a.y < b.y + b.h && a.y + a.h > b.y;

test("a packet's address tag keeps off a station's name and the tags already placed", () => {
    const bounds = { w: 600, h: 400 };
    // A packet at a station's centre: its name lies where the tag would first go, above and to the right.
    const name = { x: 280, y: 190, w: 110, h: 13 };
    const tag = { x: 310, y: 215, w: 60, h: 17 };

    const spot = labelSpot(300, 200, 4.5, 120, 17, bounds, [name, tag]);

    assert.ok(spot, "a free side exists");
    assert.ok(!overlaps(spot, name) && !overlaps(spot, tag), JSON.stringify(spot));
    assert.ok(spot.x >= 0 && spot.x + spot.w <= bounds.w && spot.y >= 0 && spot.y + spot.h <= bounds.h);
    // With nothing in the way, the tag sits above and to the right of the packet, as it always did.
    assert.deepEqual(labelSpot(300, 200, 4.5, 120, 17, bounds, []), { x: 310.5, y: 181, w: 120, h: 17 });
    // With every side taken, no spot.
    assert.equal(labelSpot(300, 200, 4.5, 120, 17, bounds, [{ x: 0, y: 0, w: 600, h: 400 }]), null);
});

test("a table's label gives up a translation's gloss before its bucket count", () => {
    const texts = tableLabels("서비스 테이블 (Service Table)", "버킷 256개");
    assert.deepEqual(texts, ["서비스 테이블 (Service Table) · 버킷 256개", "서비스 테이블 · 버킷 256개", "서비스 테이블"]);
    assert.deepEqual(tableLabels("conntrack", "32,768 buckets"), ["conntrack · 32,768 buckets", "conntrack"]);

    // The fake context measures 6 px a character: the full label (35) does not fit 140 px, the one without the gloss (19) does.
    const drawn = fitText(fakeContext("pane"), texts, 100, 50, 140, 13, "sans", "500");
    assert.equal(drawn.text, "서비스 테이블 · 버킷 256개");
    assert.equal(drawn.box.w, drawn.text.length * 6);
    // Past every shorter form, the last is clipped.
    assert.equal(fitText(fakeContext("pane"), texts, 100, 50, 30, 13, "sans", "500").text.at(-1), "…");
});

test("a label's room leaves a route's pointed ends and a pill's round ends free", () => {
    assert.equal(labelRoom("chain", 200, 44), 190);
    assert.equal(labelRoom("route", 200, 44), 200 - 28 - 8);
    assert.ok(labelRoom("scheduler", 200, 44) <= 200 - 44 * 0.8);
    assert.equal(labelRoom("route", 10, 44), 0);
});
