/**
 * Simulated users for the demo, so its server panel has something to count: `BOTS` clients (default 200,
 * the Plexus Node client over WebSocket) named bot-1…, in the room `#bots`, each saying something every
 * `BOT_INTERVAL` ms (default 5000). Watch the panel of a page (connections, messages per second, heap per
 * connection) and join #bots to see them. Ctrl-C disconnects them.
 *
 *   npm start &   then   node --conditions=source --import tsx examples/demo/bots.ts [url]
 *
 * Part of the demo (examples/demo), not of the library.
 */
import { io, type Socket } from "@plexus/client";

const url = process.argv[2] ?? `http://localhost:${process.env.PORT ?? 3000}`;
const count = Number(process.env.BOTS ?? 200);
const interval = Number(process.env.BOT_INTERVAL ?? 5000);
const LINES = ["hello", "anyone here?", "ping", "still here", "nice weather", "what's up?"];

const bots: Socket[] = [];
let joined = 0;
for (let i = 1; i <= count; i++) {
  const bot = io(url, { auth: { name: `bot-${i}` }, transports: ["websocket"], forceNew: true });
  bots.push(bot);
  bot.on("connect", async () => {
    const reply = await bot.emitWithAck("join", "bots");
    if (reply.ok && ++joined === count) console.log(`${count} bots in #bots on ${url}`);
  });
  bot.on("connect_error", (err) => console.error(`bot-${i}: ${err.message}`));
  // Spread over the interval, so the messages per second stay even.
  setTimeout(
    () => {
      setInterval(() => {
        if (bot.connected) bot.emit("message", LINES[Math.floor(Math.random() * LINES.length)], () => {});
      }, interval);
    },
    (interval * i) / count,
  );
}

process.once("SIGINT", () => {
  for (const bot of bots) bot.disconnect();
  process.exit(0);
});
