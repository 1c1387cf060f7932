// The "Server" panel: one card per node with the figures it sends every second (from its own Prometheus
// metrics): connections, messages per second in and out, heap. A node silent for 5 s is taken off.

const fmt = new Intl.NumberFormat();
const mb = (n) => `${(n / 1048576).toFixed(1)} MB`;
const MIN_CONNECTIONS_FOR_HEAP = 20;
const kb = (n) => `${(n / 1024).toFixed(1)} kB`;

export class ServerFigures {
  constructor(socket, root) {
    this.root = root;
    /** node → { card, seen } */
    this.nodes = new Map();
    socket.on("figures", (f) => this.update(f));
    setInterval(() => this.expire(), 1000);
  }

  update(f) {
    let entry = this.nodes.get(f.node);
    if (entry === undefined) {
      const card = document.createElement("div");
      card.className = "node";
      card.dataset.node = f.node;
      entry = { card, seen: 0 };
      this.nodes.set(f.node, entry);
      this.root.append(card);
      const sorted = [...this.nodes.values()].sort((a, b) =>
        a.card.dataset.node.localeCompare(b.card.dataset.node),
      );
      this.root.append(...sorted.map((n) => n.card));
    }
    entry.seen = Date.now();
    const rows = [
      ["connections", fmt.format(f.connections)],
      ["messages in / s", fmt.format(f.messagesInPerSecond)],
      ["messages out / s", fmt.format(f.messagesOutPerSecond)],
      ["heap", mb(f.heapBytes)],
      // The heap the server holds per connection after its last major GC, everything included (recovery
      // store, presence, rooms); below a few dozen connections one-off costs (compiled code) dominate it.
      [
        "heap / connection",
        f.connections < MIN_CONNECTIONS_FOR_HEAP
          ? `from ${MIN_CONNECTIONS_FOR_HEAP}`
          : `≈ ${kb(f.heapPerConnectionBytes)}`,
      ],
    ];
    const title = document.createElement("h3");
    title.textContent = `node ${f.node}`;
    const dl = document.createElement("dl");
    for (const [name, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = name;
      const dd = document.createElement("dd");
      dd.textContent = value;
      dd.dataset.figure = name;
      dl.append(dt, dd);
    }
    entry.card.replaceChildren(title, dl);
  }

  expire() {
    for (const [node, entry] of this.nodes) {
      if (Date.now() - entry.seen > 5000) {
        entry.card.remove();
        this.nodes.delete(node);
      }
    }
  }
}
