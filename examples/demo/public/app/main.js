// The demo page (examples/demo/public): asks the user's name, connects with the bundle the server serves
// (/socket.io/socket.io.js, the global `io`), and wires the parts: rooms, the chat log, members (presence),
// typing, files, the connection banner and the server figures. Plain browser JavaScript, no build step.
import { ChatLog } from "./chat-log.js";
import { ConnectionBanner } from "./connection-banner.js";
import { ServerFigures } from "./figures.js";
import { MemberList } from "./members.js";
import { askName } from "./name.js";
import { TypingIndicator } from "./typing.js";
import { shareFile } from "./uploads.js";

const $ = (id) => document.getElementById(id);
const ROOMS = ["lobby", "random", "help"];

const me = await askName();
$("me").textContent = `You are ${me}`;
document.title = `${me} · Plexus chat`;

const socket = io({ auth: { name: me } });
const log = new ChatLog($("log"), me);
const banner = new ConnectionBanner($("banner"));
new MemberList(socket, $("members"), $("member-count"), me, (name) => setTarget(name));
const typing = new TypingIndicator(socket, $("text"), $("typing"), me, () => banner.inReplay(socket));
new ServerFigures(socket, $("figures"));

let room = new URLSearchParams(location.search).get("room") ?? "lobby";
let joinedRoom = null;
/** The user a direct message goes to, or null for the room. */
let dmTarget = null;

function renderRooms() {
  const names = [...new Set([...ROOMS, room])];
  $("rooms").replaceChildren(
    ...names.map((name) => {
      const li = document.createElement("li");
      li.textContent = `# ${name}`;
      li.dataset.room = name;
      if (name === joinedRoom) li.className = "current";
      li.onclick = () => join(name);
      return li;
    }),
  );
}

function setTarget(name) {
  dmTarget = name === me ? null : name;
  $("target").textContent = dmTarget === null ? `# ${room}` : `@ ${dmTarget} ✕`;
  $("target").className = dmTarget === null ? "" : "dm";
  $("text").placeholder = dmTarget === null ? `Message #${room}` : `Direct message to ${dmTarget}`;
  $("text").focus();
}
$("target").onclick = () => setTarget(null);

/** Joins `next` and shows what the server answered (the server's word, not the page's wish). */
async function join(next) {
  const reply = await socket.emitWithAck("join", next);
  if (!reply.ok) return log.error(`Could not join #${next}: ${reply.error}`);
  if (reply.room !== joinedRoom) {
    log.clear();
    typing.clear();
    log.system(`You joined #${reply.room}`);
  }
  room = joinedRoom = reply.room;
  const params = new URLSearchParams(location.search);
  params.set("room", room);
  history.replaceState(null, "", `?${params}`);
  renderRooms();
  setTarget(dmTarget);
}

$("new-room").onsubmit = (e) => {
  e.preventDefault();
  if ($("room-name").value) join($("room-name").value);
  $("room-name").value = "";
};

socket.on("connect", () => {
  $("status").textContent = socket.recovered ? "connected (recovered)" : "connected";
  $("status").className = "pill connected";
  $("transport").textContent = socket.io.engine.transport.name;
  socket.io.engine.once("upgrade", (t) => ($("transport").textContent = t.name));
  banner.connected(socket.recovered, joinedRoom);
  // A recovered session is still in its room; a new one (first visit, or the server could not recover
  // the old session) joins it again, so the page never claims a room the server no longer has it in.
  if (!socket.recovered) join(room);
});
socket.on("disconnect", (reason) => {
  $("status").textContent = `disconnected (${reason})`;
  $("status").className = "pill disconnected";
  banner.disconnected(navigator.onLine ? reason : "the browser is offline");
});
socket.io.on("reconnect_attempt", (n) => {
  $("status").textContent = `reconnecting (attempt ${n})…`;
  $("status").className = "pill reconnecting";
});
// The server's refusals carry a code (ERR_INVALID_NAME); failed attempts while offline are the banner's business.
socket.on("connect_error", (err) => {
  if (err.message.startsWith("ERR_")) log.error(`Connection refused: ${err.message}`);
});
// The client closes its connection when the browser goes offline, except on localhost (as socket.io-client);
// the demo runs on localhost, so it does so itself: "offline" in devtools shows recovery at once.
addEventListener("offline", () => {
  if (socket.connected) socket.io.engine.close();
});

socket.on("message", (m) => {
  if (m.room === room) log.message(m, { missed: banner.replaying(socket) });
});
socket.on("dm", (m) => log.direct(m, { missed: banner.replaying(socket) }));
socket.on("file", (f) => {
  if (f.room === room) log.file(f, { missed: banner.replaying(socket) });
});

$("composer").onsubmit = (e) => {
  e.preventDefault();
  const text = $("text").value.trim();
  if (!text) return;
  $("text").value = "";
  typing.stop();
  const line = log.pending(text, dmTarget);
  const done = (reply) => (reply.ok ? line.delivered(reply) : line.failed(reply.error));
  // No timeout: while offline the message waits in the client's buffer and is acknowledged once sent.
  if (dmTarget === null) socket.emit("message", text, done);
  else socket.emit("dm", dmTarget, text, done);
};

$("file").onchange = async () => {
  const file = $("file").files[0];
  $("file").value = "";
  if (file) await shareFile(socket, file, $("uploads"), (shared) => log.file({ ...shared, from: me }, {}));
};

renderRooms();
setTarget(null);
