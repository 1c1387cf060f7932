// The member list of the current room, kept by the client's presence helper (`io.Presence` in the
// browser bundle): the server sends the whole list once (`presence_state`) and then joins and leaves
// (`presence_diff`). Presence is keyed by user name, so a user with two tabs is one member ("2 tabs").
// Joining another room brings that room's `presence_state`, which replaces the list. Clicking a member
// starts a direct message.

export class MemberList {
  constructor(socket, root, count, me, onPick) {
    this.root = root;
    this.count = count;
    this.me = me;
    this.onPick = onPick;
    this.presence = new io.Presence(socket);
    this.presence.onSync(() => this.render());
  }

  render() {
    const members = this.presence
      .list((name, metas) => [name, metas])
      .sort(([a], [b]) => a.localeCompare(b, undefined, { numeric: true }));
    this.count.textContent = `(${members.length})`;
    this.root.replaceChildren(
      ...members.map(([name, metas]) => {
        const li = document.createElement("li");
        li.dataset.name = name;
        li.textContent = name === this.me ? `${name} (you)` : name;
        if (metas.length > 1) {
          const tabs = document.createElement("span");
          tabs.className = "tabs";
          tabs.textContent = ` · ${metas.length} tabs`;
          li.append(tabs);
        }
        li.title = `connected to node ${[...new Set(metas.map((m) => m.node))].join(", ")}`;
        li.onclick = () => this.onPick(name);
        return li;
      }),
    );
  }
}
