// The compare page's small browser chores: keyboard shortcuts, projector type size, downloads and scrolling the
// virtualised rules view to a line. The animation itself lives in compare.js.

const shortcutTargets = new Set(["INPUT", "TEXTAREA", "SELECT"]);

// Space, the arrow key and "?" call back into the page, except while the user types in a field.
export function registerShortcuts(dotnet) {
    const handler = event => {
        const target = event.target;
        if (target && (shortcutTargets.has(target.tagName) || target.isContentEditable)) {
            return;
        }
        if (event.ctrlKey || event.metaKey || event.altKey) {
            return;
        }
        // A focused button keeps Space for itself, and a focused listing keeps the arrows for scrolling sideways.
        if (event.key === " " && target && target.closest && target.closest("button, a, [role=button], [role=tab]")) {
            return;
        }
        if (event.key === "ArrowRight" && target && target.closest && target.closest(".tool-listing, [role=region][tabindex]")) {
            return;
        }
        let key = null;
        if (event.key === " ") {
            key = "space";
        } else if (event.key === "ArrowRight") {
            key = event.shiftKey ? "shift+right" : "right";
        } else if (event.key === "?") {
            key = "help";
        }
        if (key === null) {
            return;
        }
        // Space would otherwise scroll the page or press the focused button a second time.
        event.preventDefault();
        dotnet.invokeMethodAsync("OnShortcut", key);
    };
    document.addEventListener("keydown", handler);
    return { dispose: () => document.removeEventListener("keydown", handler) };
}

// Projector mode scales the whole page's type (MudBlazor sizes text in rem), not only the canvases.
export function setProjector(on) {
    document.documentElement.classList.toggle("projector", !!on);
}

export function downloadText(filename, mime, text) {
    const url = URL.createObjectURL(new Blob([text], { type: mime }));
    downloadUrl(filename, url);
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadUrl(filename, url) {
    const a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
}

// Virtualize renders only visible lines, so a line far down is reached by scrolling its container, not by an anchor.
export function scrollToLine(container, index, lineHeight) {
    if (!container) {
        return;
    }
    container.scrollTop = Math.max(0, index * lineHeight - container.clientHeight / 3);
}

export function replaceUrl(url) {
    history.replaceState(history.state, "", url);
}
