// RulesText's module: Virtualize renders only visible lines, so a line far down is reached by scrolling its container,
// not by an anchor.
export function scrollToLine(container, index, lineHeight) {
    if (!container) {
        return;
    }
    container.scrollTop = Math.max(0, index * lineHeight - container.clientHeight / 3);
}
