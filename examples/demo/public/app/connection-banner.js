// The reconnect banner: says when the connection is lost, and when it is back whether connection state
// recovery worked — the session recovered (its rooms kept, the messages missed meanwhile replayed and
// marked in the log, each once) or a new session (rooms joined again, missed messages gone).
// The server replays missed messages right before it confirms the connection: they arrive after
// `socket.recovered` is set and before the `connect` event, which is how `replaying()` tells them apart.

export class ConnectionBanner {
  constructor(root) {
    this.root = root;
    this.waitingForConnect = false;
    this.missed = 0;
    this.hideTimer = undefined;
  }

  show(className, text) {
    clearTimeout(this.hideTimer);
    this.root.className = className;
    this.root.textContent = text;
    this.root.hidden = false;
  }

  disconnected(reason) {
    this.waitingForConnect = true;
    this.missed = 0;
    this.show(
      "offline",
      `Connection lost (${reason}). Reconnecting… messages sent meanwhile will be delivered.`,
    );
  }

  /** Whether what arrives now is replayed by the server to a recovered session. */
  inReplay(socket) {
    return this.waitingForConnect && socket.recovered;
  }

  /** Whether a message arriving now is a replayed one (counted as missed). */
  replaying(socket) {
    const replayed = this.inReplay(socket);
    if (replayed) this.missed++;
    return replayed;
  }

  connected(recovered, room) {
    if (!this.waitingForConnect) return;
    this.waitingForConnect = false;
    if (recovered) {
      const n = this.missed;
      this.show(
        "recovered",
        `Reconnected: session recovered, ${n} missed message${n === 1 ? "" : "s"} delivered (marked below).`,
      );
    } else {
      this.show(
        "fresh",
        `Reconnected with a new session (the server could not recover the old one): joining #${room} again.`,
      );
    }
    this.hideTimer = setTimeout(() => {
      this.root.hidden = true;
    }, 20_000);
  }
}
