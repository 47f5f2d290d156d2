// What the browser tests draw on: the iptables pane's layout as the hub sends it (LanePath.For, camelCase JSON), and a
// 2D context that records its calls and refuses what the browser's refuses.

export const iptablesLayout = {
    mode: "iptables", title: "iptables", colour: "#E8A33D", rows: 9, columns: 3,
    stations: [
        { id: "client", label: "clients", kind: "client", row: 0, column: 1, size: 0 },
        { id: "PREROUTING", label: "PREROUTING", kind: "hook", row: 1, column: 1, size: 0 },
        { id: "conntrack", label: "conntrack", kind: "conntrack", row: 1, column: 2, size: 262144 },
        { id: "KUBE-SERVICES", label: "KUBE-SERVICES", kind: "rules", row: 2, column: 1, size: 4 },
        { id: "KUBE-NODEPORTS", label: "KUBE-NODEPORTS", kind: "chain", row: 2, column: 2, size: 0 },
        { id: "svc", label: "KUBE-SVC / KUBE-EXT", kind: "chain", row: 3, column: 1, size: 0 },
        { id: "sep", label: "KUBE-SEP (DNAT)", kind: "chain", row: 4, column: 1, size: 0 },
        { id: "routing", label: "routing", kind: "route", row: 5, column: 1, size: 0 },
        { id: "FORWARD", label: "FORWARD", kind: "hook", row: 6, column: 1, size: 0 },
        { id: "INPUT", label: "INPUT", kind: "hook", row: 6, column: 2, size: 0 },
        { id: "POSTROUTING", label: "POSTROUTING", kind: "hook", row: 7, column: 1, size: 0 },
        { id: "pods", label: "pods", kind: "endpoint", row: 8, column: 1, size: 0 },
    ],
};

export const metricsAt1x = { line: 1, label: 13, small: 11, mono: 12, packetLabel: 11, radius: 4.5, title: 15 };

// A CanvasRenderingContext2D stand-in: every method is recorded in calls; roundRect throws a RangeError on a negative
// radius as Chromium does ("Radius value -8.9 is negative"), and `failRoundRectOnce` makes its next call throw anyway.
export function fakeContext(name) {
    const state = { name, calls: [], failRoundRectOnce: false };
    const methods = {
        measureText: (text) => ({ width: String(text).length * 6 }),
        roundRect: (x, y, w, h, r) => {
            if (state.failRoundRectOnce) {
                state.failRoundRectOnce = false;
                throw new RangeError("the test's roundRect fails once");
            }
            if (r < 0) {
                throw new RangeError(`Radius value ${r} is negative`);
            }
        },
    };
    return new Proxy(state, {
        get(target, prop) {
            if (prop in target) {
                return target[prop];
            }
            return (...args) => {
                target.calls.push([prop, ...args]);
                return methods[prop]?.(...args);
            };
        },
        set(target, prop, value) {
            target[prop] = value;
            return true;
        },
    });
}

export function fakeCanvas(ctx, width, height) {
    return { width, height, getContext: () => ctx };
}
