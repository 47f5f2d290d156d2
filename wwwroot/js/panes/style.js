// The panes' type, colours and sizes (the visual language is docs/UI.md; the mode colour comes with each layout).

export const SANS = '"Noto Sans KR", "Noto Sans CJK KR", Roboto, "Helvetica Neue", Arial, sans-serif';
export const MONO = '"Roboto Mono", "Noto Sans Mono CJK KR", "DejaVu Sans Mono", Menlo, Consolas, monospace';

// Dark/light tuned for contrast; projector mode changes sizes (metrics), not colours.
export const THEMES = {
    light: { bg: "#ffffff", text: "#1d2330", muted: "#5b6472", box: "#f3f5f8", stroke: "#8a94a6", edge: "#c3cad6",
        packet: "#23324d", label: "#ffffffee", labelText: "#1d2330", drop: "#c62828", node: "#e9edf3" },
    dark: { bg: "#16191f", text: "#e8ecf2", muted: "#9aa4b5", box: "#20252e", stroke: "#66718a", edge: "#3b4352",
        packet: "#f1f5fb", label: "#0d1015ee", labelText: "#f1f5fb", drop: "#ff6b6b", node: "#1b1f27" },
};

// Kernel names are drawn in monospace, words in the sans face.
export const HOOK_NAMES = new Set(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
export const MONO_KINDS = new Set(["hook", "chain", "rules", "set"]);

// Line widths and type sizes in CSS pixels.
export function metrics(projector) {
    return {
        line: projector ? 2 : 1,
        label: projector ? 20 : 13,
        small: projector ? 17 : 11,
        mono: projector ? 18 : 12,
        packetLabel: projector ? 17 : 11,
        radius: projector ? 8 : 4.5,
        title: projector ? 24 : 15,
    };
}

export function format(template, ...args) {
    return template.replace(/\{(\d+)\}/g, (_, i) => String(args[Number(i)] ?? ""));
}

// Counts as the tools print them, whatever the page's language.
export function n0(value) {
    return Math.round(value).toLocaleString("en-US");
}
