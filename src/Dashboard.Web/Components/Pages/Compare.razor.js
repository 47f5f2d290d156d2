// The compare page's own browser chores: its keyboard shortcuts, the projector type size and the downloads (a packet's
// trace, a pane's picture). The animation is PathPanes' module, the rules view's scrolling RulesText's.

const shortcutTargets = new Set(["INPUT", "TEXTAREA", "SELECT"]);
const buttons = "button, a, [role=button], [role=tab]";

// Space, the arrow key, "?" and Escape call back into the page, except while the user types in a field.
export function registerShortcuts(dotnet) {
    // The button the pointer last pressed: focused by a click, it does not keep Space (see below).
    let clicked = null;
    const pointer = event => {
        clicked = event.target && event.target.closest ? event.target.closest(buttons) : null;
    };
    const handler = event => {
        if (event.key === "Tab") {
            clicked = null; // the keyboard moves the focus on: wherever it lands, it was not clicked
            return;
        }
        const target = event.target;
        if (target && (shortcutTargets.has(target.tagName) || target.isContentEditable)) {
            return;
        }
        if (event.ctrlKey || event.metaKey || event.altKey) {
            return;
        }
        // A button the keyboard reached keeps Space for itself; one the mouse clicked does not, so Space plays and
        // pauses after a click on Step hop. A focused listing keeps the arrows for scrolling sideways.
        const button = target && target.closest ? target.closest(buttons) : null;
        if (event.key === " " && button && button !== clicked) {
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
        } else if (event.key === "Escape") {
            // Closes the help and the legend; the default stays, so an open menu or popover closes too.
            dotnet.invokeMethodAsync("OnShortcut", "escape");
            return;
        }
        if (key === null) {
            return;
        }
        // Space would otherwise scroll the page or press the focused button a second time.
        event.preventDefault();
        dotnet.invokeMethodAsync("OnShortcut", key);
    };
    document.addEventListener("pointerdown", pointer, true);
    document.addEventListener("keydown", handler);
    return {
        dispose: () => {
            document.removeEventListener("pointerdown", pointer, true);
            document.removeEventListener("keydown", handler);
        },
    };
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
