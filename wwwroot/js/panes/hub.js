// The panes' connection to the room on the SignalR hub (the client is the npm package's browser build, loaded by
// App.razor as window.signalR): joins the room, hands on its batches and restarts, and reports the connection's state.

// handlers: { onWelcome(welcome), onBatch(batch), onState("connecting" | "connected" | "reconnecting" | "disconnected") }.
export function connectHub(hubUrl, roomId, handlers) {
    const signalR = globalThis.signalR;
    if (!signalR) {
        console.error("panes: window.signalR is missing (lib/signalr/signalr.min.js must load before the page)");
        handlers.onState("disconnected");
        return { stop: () => { } };
    }
    let stopped = false;
    const connection = new signalR.HubConnectionBuilder().withUrl(hubUrl).withAutomaticReconnect().build();
    const join = async () => {
        const welcome = await connection.invoke("Join", roomId);
        handlers.onState("connected");
        handlers.onWelcome(welcome);
    };
    const connect = async (attempt) => {
        if (stopped) {
            return;
        }
        try {
            await connection.start();
            await join();
        } catch (error) {
            if (stopped) {
                return;
            }
            // withAutomaticReconnect only covers a connection that was once up; the first start is retried here.
            console.warn("panes: connecting to the hub failed, retrying", error);
            setTimeout(() => connect(attempt + 1), Math.min(10000, 1000 * (attempt + 1)));
        }
    };
    connection.on("Batch", handlers.onBatch);
    connection.on("Restarted", handlers.onWelcome);
    connection.onreconnecting(() => handlers.onState("reconnecting"));
    connection.onreconnected(() => join());
    connection.onclose(() => { if (!stopped) { handlers.onState("disconnected"); } });
    connect(0);
    return {
        stop: () => {
            stopped = true;
            connection.stop().catch(() => { });
        },
    };
}
