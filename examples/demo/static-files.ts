/**
 * The demo's static files: everything under `public/` read once at start and served from memory (so no
 * request path ever reaches the file system), with its content type. `/` is `index.html`; `/favicon.ico`
 * is the SVG icon (browsers ask for it even when the page names another one).
 * Part of the demo (examples/demo), not of the library.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

interface StaticFile {
  readonly body: Buffer;
  readonly type: string;
}

function readTree(root: string, dir: string, files: Map<string, StaticFile>): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) readTree(root, path, files);
    else {
      const type = TYPES[extname(name)];
      if (type !== undefined)
        files.set(`/${relative(root, path).split(sep).join("/")}`, { body: readFileSync(path), type });
    }
  }
}

/** A request listener serving the files under `root`; anything else gets 404. */
export function staticFiles(root: string): (req: IncomingMessage, res: ServerResponse) => void {
  const files = new Map<string, StaticFile>();
  readTree(root, root, files);
  const aliases: Record<string, string> = { "/": "/index.html", "/favicon.ico": "/favicon.svg" };
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const file = files.get(aliases[path] ?? path);
    if (file === undefined || (req.method !== "GET" && req.method !== "HEAD")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": file.type, "cache-control": "no-cache" });
    res.end(req.method === "HEAD" ? undefined : file.body);
  };
}
