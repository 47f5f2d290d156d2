import assert from "node:assert/strict";
import { test } from "node:test";
import { paneGeometry } from "../../../wwwroot/js/panes/geometry.js";
import {
    admission, AnimationClock, BATCH_SPREAD_MS, buildSteps, DWELL_MS, heldScanProgress, position, SAME_STATION_MS, SCAN_MAX_MS, scanMs, TRAVEL_MS,
} from "../../../wwwroot/js/panes/timeline.js";
import { iptablesLayout, metricsAt1x } from "./fixtures.js";

const stations = iptablesLayout.stations;
const at = (label) => stations.findIndex((s) => s.label === label);
const places = { client: at("clients"), endpoint: at("pods"), route: at("routing") };

// A first SYN to a ClusterIP in iptables mode, as LanePath places it: PREROUTING, conntrack's miss, a walk of
// KUBE-SERVICES' 4 rules, the service and endpoint chains, routing, FORWARD, POSTROUTING, the pod.
const syn = {
    id: 7, reply: false, proto: "tcp",
    lanes: [{
        src: "10.244.1.5:40000", dst: "10.96.0.10:80", srcAfter: "10.244.1.5:40000", dstAfter: "10.244.2.7:8080", seen: true,
        hops: [
            { s: at("PREROUTING"), k: "hook", t: "PREROUTING" },
            { s: at("conntrack"), k: "ctnew", n: 17, t: "miss" },
            { s: at("KUBE-SERVICES"), k: "scan", f: 1, n: 4, t: "nat KUBE-SERVICES" },
            { s: at("KUBE-SVC / KUBE-EXT"), k: "chain", t: "KUBE-SVC-X" },
            { s: at("KUBE-SEP (DNAT)"), k: "nat", t: "DNAT to 10.244.2.7:8080" },
            { s: at("routing"), k: "route", t: "forward" },
            { s: at("FORWARD"), k: "hook", t: "FORWARD" },
            { s: at("POSTROUTING"), k: "hook", t: "POSTROUTING" },
            { s: at("pods"), k: "deliver", t: "delivered" },
        ],
    }],
};

test("a scan takes longer the more rules it walks, 12,000 and 50,000 rules still differ, and none passes the cap", () => {
    assert.ok(scanMs(1) < scanMs(100) && scanMs(100) < scanMs(7760));
    assert.ok(scanMs(12000) < scanMs(50000), `${scanMs(12000)} vs ${scanMs(50000)}`);
    assert.equal(scanMs(10_000_000), SCAN_MAX_MS);
});

test("a request starts at the clients and its steps follow each other without a gap", () => {
    const { steps, total } = buildSteps(syn, syn.lanes[0], stations, places, 1);
    assert.equal(steps.length, 9);
    assert.equal(steps[0].from, places.client);
    for (let i = 1; i < steps.length; i++) {
        assert.equal(steps[i].start, steps[i - 1].start + steps[i - 1].dur);
    }
    assert.equal(total, steps.at(-1).start + steps.at(-1).dur);
    // Conntrack is consulted from PREROUTING, not travelled to; the walk dwells as long as its 4 rules take.
    assert.equal(steps[1].s, at("PREROUTING"));
    assert.equal(steps[1].dur, SAME_STATION_MS);
    assert.equal(steps[2].dur, TRAVEL_MS + scanMs(4));
    assert.equal(steps[3].dur, TRAVEL_MS + DWELL_MS);
});

test("the address label turns to the endpoint's after DNAT", () => {
    const { steps } = buildSteps(syn, syn.lanes[0], stations, places, 1);
    assert.equal(steps[3].label, "dst 10.96.0.10:80");
    assert.equal(steps[4].label, "dst 10.244.2.7:8080");
    assert.equal(steps[4].labelSince, steps[4].start);
});

test("slow motion stretches every step by its factor", () => {
    const normal = buildSteps(syn, syn.lanes[0], stations, places, 1).total;
    const slow = buildSteps(syn, syn.lanes[0], stations, places, 4).total;
    assert.ok(Math.abs(slow - 4 * normal) < 1e-9);
});

test("a packet is at the clients when it starts and at the pod when its path ends", () => {
    const g = { ...paneGeometry(iptablesLayout, 800, 560, metricsAt1x), w: 800, conntrackStation: at("conntrack"), routeStation: at("routing") };
    const sprite = { ...buildSteps(syn, syn.lanes[0], stations, places, 1), jx: 0, jy: 0 };
    const out = new Float64Array(2);
    position(g, sprite, 0, out);
    assert.deepEqual([...out], [g.sx[places.client], g.sy[places.client]]);
    assert.equal(position(g, sprite, sprite.total - 1, out), 8);
    assert.deepEqual([...out], [g.sx[places.endpoint], g.sy[places.endpoint]]);
});

test("the animation clock follows the frames' time from its first frame", () => {
    const clock = new AnimationClock();
    assert.equal(clock.tick(1000), 0);
    assert.equal(clock.tick(1016), 16);
    assert.equal(clock.tick(1050), 50);
});

test("a paused clock stands still however many frames pass, and goes on from where it stood", () => {
    const clock = new AnimationClock();
    clock.tick(1000);
    clock.tick(1100);
    clock.paused = true;
    assert.equal(clock.tick(1200), 100);
    assert.equal(clock.tick(5000), 100);
    clock.paused = false;
    assert.equal(clock.tick(5016), 116);
});

test("while the screen has room every packet of a batch is drawn", () => {
    const { count } = admission(0, { incoming: 12, active: 100, budget: 120, lifeMs: 2500, dt: BATCH_SPREAD_MS, held: false });
    assert.equal(count, 12);
});

test("a screen fed more than it can hold never draws more than its budget, and keeps drawing new packets", () => {
    const budget = 120, lifeMs = 2500;
    let quota = 0, fewest = budget;
    const alive = [];   // when each drawn packet leaves the screen
    for (let batch = 0; batch < 16 * 20; batch++) {   // 20 s of 16 batches a second, 500 packets each
        const now = batch * BATCH_SPREAD_MS;
        while (alive.length && alive[0] <= now) {
            alive.shift();
        }
        const admitted = admission(quota, { incoming: 500, active: alive.length, budget, lifeMs, dt: BATCH_SPREAD_MS, held: false });
        quota = admitted.quota;
        for (let i = 0; i < admitted.count; i++) {
            alive.push(now + lifeMs);
        }
        assert.ok(alive.length <= budget, `${alive.length} packets on screen at ${now} ms`);
        if (now >= lifeMs) {
            fewest = Math.min(fewest, alive.length);
        }
    }
    // Once the first screenful has left, the sample replaces packets as they leave: the screen stays more than half full.
    assert.ok(fewest > budget / 2, `only ${fewest} packets on screen at one point`);
});

test("while a packet is held no new packet is drawn", () => {
    assert.equal(admission(0, { incoming: 5, active: 0, budget: 120, lifeMs: 2500, dt: BATCH_SPREAD_MS, held: true }).count, 0);
});

test("a stepped packet's scan takes the walk's own time: 50,000 services' KUBE-SERVICES for seconds, 4 rules at once", () => {
    const iptables = { k: "scan", f: 1, n: 55001 };
    const ipvs = { k: "scan", f: 1, n: 4 };

    assert.equal(heldScanProgress(ipvs, scanMs(4)), 1);
    assert.ok(heldScanProgress(iptables, scanMs(4)) < 0.05, "the long walk has barely started when the short one is done");
    assert.ok(heldScanProgress(iptables, 2000) < 1, "still walking after 2 s");
    assert.equal(heldScanProgress(iptables, scanMs(55001)), 1);
    // Any other hop is shown whole at once.
    assert.equal(heldScanProgress({ k: "match", n: 7 }, 0), 1);
});
