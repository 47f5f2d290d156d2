import assert from "node:assert/strict";
import { test } from "node:test";
import { Lane } from "../../../wwwroot/js/panes/lane.js";
import { fakeCanvas, fakeContext, iptablesLayout } from "./fixtures.js";

// A pane with its canvases already made (lane.js makes them in the page's DOM) at w x h CSS pixels.
function paneOf(w, h) {
    const view = {
        dark: false, projector: false, selected: null, slowMotion: 1, stationLabels: {}, spriteDone: () => { },
        strings: { node: "node", rules: "{0} rules", buckets: "{0} buckets", hop: "hop {0} of {1}", modelled: "modelled" },
    };
    const lane = new Lane(view, 0);
    lane.setLayout(iptablesLayout);
    const screen = fakeContext("screen"), offscreen = fakeContext("offscreen");
    lane.canvas = fakeCanvas(screen, w, h);
    lane.ctx = screen;
    lane.staticCanvas = fakeCanvas(offscreen, w, h);
    lane.w = w;
    lane.h = h;
    lane.geometry();
    return { lane, screen, offscreen };
}

function quietly(run) {
    const logged = [];
    const error = console.error;
    console.error = (...args) => logged.push(args);
    try {
        run();
    } finally {
        console.error = error;
    }
    return logged;
}

test("a frame that throws while drawing the static layer is drawn again, on the screen's canvas, by the next one", () => {
    const { lane, screen, offscreen } = paneOf(800, 560);
    offscreen.failRoundRectOnce = true;

    const logged = quietly(() => lane.draw(0));
    screen.calls.length = offscreen.calls.length = 0;
    lane.draw(16);

    assert.equal(logged.length, 1);
    assert.equal(lane.ctx, screen, "the lane kept drawing on another context than its canvas's");
    assert.ok(screen.calls.some(([name, image]) => name === "drawImage" && image === lane.staticCanvas),
        "the next frame did not copy the static layer onto the screen");
    assert.ok(offscreen.calls.some(([name, text]) => name === "fillText" && text === "KUBE-SERVICES"),
        "the next frame did not redraw the stations");
});

test("a pane that keeps failing logs once, and draws as soon as the failure stops", () => {
    const { lane, screen, offscreen } = paneOf(800, 560);
    const logged = quietly(() => {
        for (let frame = 0; frame < 3; frame++) {
            offscreen.failRoundRectOnce = true;
            lane.draw(frame * 16);
        }
    });
    screen.calls.length = 0;
    lane.draw(64);

    assert.equal(logged.length, 1);
    assert.equal(lane.failures, 3);
    assert.ok(screen.calls.some(([name]) => name === "drawImage"));
});

test("a pane squeezed to a few pixels by a resize draws without a failure", () => {
    for (const [w, h] of [[1, 1], [20, 12], [60, 40]]) {
        const { lane, screen } = paneOf(w, h);
        const logged = quietly(() => lane.draw(0));
        assert.deepEqual(logged, [], `${w}x${h}`);
        assert.equal(lane.failures, 0, `${w}x${h}`);
        assert.ok(screen.calls.some(([name]) => name === "drawImage"), `${w}x${h}`);
    }
});

test("a paused pane lists a packet admitted since its last frame, where the next frame draws it", () => {
    const { lane } = paneOf(800, 560);
    lane.draw(100);
    const packet = { id: 3, reply: false, lanes: [{ src: "10.244.1.5:40000", dst: "10.96.0.10:80", seen: true, hops: [{ s: 1, k: "hook", t: "PREROUTING" }] }] };
    lane.addSprite(packet, packet.lanes[0], 100, { sprites: 1 });

    const listed = lane.packetsOnScreen(100);
    lane.draw(100);

    assert.deepEqual(listed.map((p) => p.packet.id), [3]);
    assert.deepEqual(lane.packetsOnScreen(100), listed);
});
