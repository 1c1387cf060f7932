// The conversation: room messages, direct messages, shared files, and the page's own messages, which show
// "sending…" until the server's acknowledgement turns them into "✓ delivered". Text is always set as text
// (never as HTML), so nothing a user sends can run in another user's page.

const time = (at) =>
  new Date(at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function formatBytes(n) {
  return n < 1024
    ? `${n} B`
    : n < 1048576
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${(n / 1048576).toFixed(1)} MiB`;
}

export class ChatLog {
  constructor(root, me) {
    this.root = root;
    this.me = me;
  }

  clear() {
    this.root.replaceChildren();
  }

  append(line) {
    const atBottom = this.root.scrollHeight - this.root.scrollTop - this.root.clientHeight < 40;
    this.root.append(line);
    if (atBottom) this.root.scrollTop = this.root.scrollHeight;
    return line;
  }

  line(className, who, text, meta, { missed } = {}) {
    const line = el("div", `line ${className}${missed ? " missed" : ""}`);
    line.append(el("span", "who", who), el("span", "text", text), el("span", "meta", meta));
    return line;
  }

  message(m, options) {
    const line = this.line(
      m.from === this.me ? "mine" : "",
      m.from,
      m.text,
      `${time(m.at)} · node ${m.node}`,
      options,
    );
    line.dataset.id = m.id;
    this.append(line);
  }

  direct(m, options) {
    const who = m.from === this.me ? `you → ${m.to}` : `${m.from} → you`;
    const line = this.line("dm", who, m.text, `${time(m.at)} · node ${m.node}`, options);
    line.dataset.id = m.id;
    this.append(line);
  }

  /** A message of this page, acknowledged later: returns its `delivered(reply)` and `failed(code)`. */
  pending(text, to) {
    const line = this.line(to === null ? "mine" : "dm", to === null ? this.me : `you → ${to}`, text, "");
    const ack = el("span", "ack pending", " · sending…");
    line.append(ack);
    this.append(line);
    return {
      delivered: (reply) => {
        line.dataset.id = reply.id;
        line.querySelector(".meta").textContent = `${time(reply.at)} · node ${reply.node}`;
        ack.className = "ack ok";
        ack.textContent = " ✓ delivered";
      },
      failed: (code) => {
        line.classList.add("error");
        ack.className = "ack";
        ack.textContent = ` ✗ not delivered (${code})`;
      },
    };
  }

  /** A shared file: an image inline, anything else as a download link. `data` is an ArrayBuffer or a Blob. */
  file(f, options) {
    const blob = f.data instanceof Blob ? f.data : new Blob([f.data], { type: f.type });
    const url = URL.createObjectURL(blob);
    const line = this.line(
      f.from === this.me ? "mine file" : "file",
      f.from,
      "",
      f.node === undefined ? time(f.at) : `${time(f.at)} · node ${f.node}`,
      options,
    );
    const link = el("a", "download", `${f.name} (${formatBytes(f.size)})`);
    link.href = url;
    link.download = f.name;
    line.querySelector(".text").append(link);
    if (f.type.startsWith("image/")) {
      const img = el("img");
      img.src = url;
      img.alt = f.name;
      line.append(img);
    }
    this.append(line);
  }

  system(text) {
    this.append(el("div", "line system", text));
  }

  error(text) {
    this.append(el("div", "line error", text));
  }
}
