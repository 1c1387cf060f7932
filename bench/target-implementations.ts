/**
 * Loads the implementation a target server runs, through public entry points only:
 * `socket.io` / `@plexus/server` (Socket.IO level) and `engine.io` / `@plexus/engine` (engine level).
 * Both sides are driven through the same small structural surface, which is the API they share.
 */
import { readFileSync } from "node:fs";
import type { Server as HttpServer } from "node:http";
import type { ImplName, ServerLevel } from "./control-messages.js";

type Listener = (...args: unknown[]) => void;

/** What the bench needs of a Socket.IO server socket or an engine socket. */
export interface BenchEmitter {
  on(event: string, listener: Listener): unknown;
}

/** What the bench needs of a Socket.IO server (`socket.io`'s `Server` API). */
export interface BenchSocketServer extends BenchEmitter {
  emit(event: string, ...args: unknown[]): unknown;
  close(): unknown;
}

/** What the bench needs of an engine (`engine.io`'s `Server` API). */
export interface BenchEngine extends BenchEmitter {
  close(): unknown;
}

export interface ServerOptions {
  readonly pingInterval: number;
  readonly pingTimeout: number;
}

export interface LoadedImplementation {
  /** npm package name and version, e.g. `socket.io@4.8.4`. */
  readonly detail: string;
  /** The engine path clients must use (with trailing slash). */
  readonly path: string;
  attachSocketServer?(http: HttpServer, options: ServerOptions): BenchSocketServer;
  attachEngine?(http: HttpServer, options: ServerOptions): BenchEngine;
}

const PACKAGES: { readonly [L in ServerLevel]: { readonly [I in Exclude<ImplName, "ws">]: string } } = {
  socket: { "socket.io": "socket.io", plexus: "@plexus/server" },
  engine: { "socket.io": "engine.io", plexus: "@plexus/engine" },
};

/** Scenario levels and transports each implementation serves (`ws` is the WebSocket-only floor). */
export function servesScenario(
  impl: ImplName,
  level: ServerLevel,
  transport: "websocket" | "polling",
): boolean {
  return impl !== "ws" || (level === "socket" && transport === "websocket");
}

/** Engine path of a bare engine (the `engine.io` default) and of a Socket.IO server. */
export const ENGINE_PATH = "/engine.io/";
export const SOCKET_PATH = "/socket.io/";

function packageVersion(name: string): string {
  try {
    const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
    const json = JSON.parse(readFileSync(url, "utf8")) as { version?: unknown };
    return typeof json.version === "string" ? json.version : "?";
  } catch {
    return "?";
  }
}

type Constructor<T> = new (...args: unknown[]) => T;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/** Imports the package for `impl` at `level`. The specifier is a variable on purpose: Plexus may not exist yet. */
export async function loadImplementation(impl: ImplName, level: ServerLevel): Promise<LoadedImplementation> {
  if (impl === "ws") {
    if (level !== "socket") throw new Error("--impl ws serves the Socket.IO level only");
    const { attachBareServer } = await import("./bare-ws-server.js");
    return {
      detail: `ws@${packageVersion("ws")} (bare wire floor)`,
      path: SOCKET_PATH,
      attachSocketServer: (http, options) => attachBareServer(http, SOCKET_PATH, options),
    };
  }
  const name = PACKAGES[level][impl];
  const specifier: string = name;
  const mod: unknown = await import(specifier);
  if (!isRecord(mod)) throw new Error(`${name}: not a module namespace`);
  const detail = `${name}@${packageVersion(name)}`;
  if (level === "socket") {
    const ServerCtor = (mod.Server ?? (isRecord(mod.default) ? mod.default.Server : undefined)) as
      | Constructor<BenchSocketServer>
      | undefined;
    if (typeof ServerCtor !== "function") throw new Error(`${name} exports no Server`);
    return {
      detail,
      path: SOCKET_PATH,
      attachSocketServer: (http, options) => new ServerCtor(http, { ...options }),
    };
  }
  const attach = (mod.attach ?? (isRecord(mod.default) ? mod.default.attach : undefined)) as
    | ((http: HttpServer, options: Record<string, unknown>) => BenchEngine)
    | undefined;
  const EngineCtor = mod.Server as
    | (new (
        options: Record<string, unknown>,
      ) => BenchEngine & { attach(http: HttpServer, options: Record<string, unknown>): unknown })
    | undefined;
  return {
    detail,
    path: ENGINE_PATH,
    attachEngine: (http, options) => {
      const opts = { ...options, path: ENGINE_PATH };
      if (typeof attach === "function") return attach(http, opts);
      if (typeof EngineCtor !== "function") throw new Error(`${name} exports neither attach nor Server`);
      const engine = new EngineCtor(opts);
      engine.attach(http, opts);
      return engine;
    },
  };
}
