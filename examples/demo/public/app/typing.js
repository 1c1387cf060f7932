// Typing indicators: this page says "typing" when the user types and "stopped" after 2 s without a key
// (or on send); it shows who else in the room is typing, each hint expiring after 5 s should the
// "stopped" never come (the user's tab closed). Hints the server replays after a reconnection are old news
// and are ignored (`isReplay`).

export class TypingIndicator {
  constructor(socket, input, root, me, isReplay) {
    this.socket = socket;
    this.root = root;
    this.me = me;
    this.typing = false;
    this.idle = undefined;
    /** name → expiry timer of the users typing now. */
    this.others = new Map();
    input.addEventListener("input", () => this.keystroke());
    input.addEventListener("blur", () => this.stop());
    socket.on("typing", ({ name, typing }) => {
      if (!isReplay()) this.show(name, typing);
    });
    socket.on("disconnect", () => this.clear());
  }

  keystroke() {
    if (!this.typing) {
      this.typing = true;
      this.socket.emit("typing", true);
    }
    clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), 2000);
  }

  stop() {
    clearTimeout(this.idle);
    if (!this.typing) return;
    this.typing = false;
    this.socket.emit("typing", false);
  }

  show(name, typing) {
    if (name === this.me) return; // another tab of this user
    clearTimeout(this.others.get(name));
    if (typing)
      this.others.set(
        name,
        setTimeout(() => this.show(name, false), 5000),
      );
    else this.others.delete(name);
    this.render();
  }

  clear() {
    for (const timer of this.others.values()) clearTimeout(timer);
    this.others.clear();
    this.render();
  }

  render() {
    const names = [...this.others.keys()];
    this.root.textContent =
      names.length === 0
        ? ""
        : names.length === 1
          ? `${names[0]} is typing…`
          : `${names.slice(0, -1).join(", ")} and ${names.at(-1)} are typing…`;
  }
}
