/**
 * The `adapter` server option and `io.adapter(v)`: how a namespace gets its adapter. Socket.IO accepts
 * an adapter class (`new Adapter(nsp)`) or, as every official package's `createAdapter(...)` returns, a
 * function `(nsp) => adapter`; Plexus accepts both, for Plexus adapters and `socket.io-adapter` ones alike.
 * A result that is not an adapter is refused at once with a clear error rather than failing on the first
 * emit.
 */
import type { Adapter, AdapterConstructor, AdapterNamespace } from "@plexus/adapter";
import { ServerError, ServerErrorCodes } from "./server-error.js";

/** The methods the server calls: every adapter (Plexus, or `socket.io-adapter` ≥ 2.5) has them. */
const REQUIRED_METHODS = [
  "init",
  "close",
  "serverCount",
  "addAll",
  "del",
  "delAll",
  "broadcast",
  "broadcastWithAck",
  "sockets",
  "socketRooms",
  "fetchSockets",
  "addSockets",
  "delSockets",
  "disconnectSockets",
  "serverSideEmit",
  "persistSession",
  "restoreSession",
] as const;

/**
 * An adapter as the server sees it when it is built: a Plexus {@link Adapter}, or one written for
 * `socket.io` (a `socket.io-adapter` subclass, typed against Node's untyped `EventEmitter`).
 */
export type AdapterLike = Record<(typeof REQUIRED_METHODS)[number], (...args: never[]) => unknown>;

/** A function returning the adapter of a namespace, as `createAdapter(pubClient, subClient)` of the official packages. */
export type AdapterFunction = (nsp: never) => AdapterLike;

/** What the `adapter` option accepts: an adapter class, or a function that returns an adapter. */
export type AdapterFactory = (new (nsp: never) => AdapterLike) | AdapterFunction;

/**
 * Builds the adapter of `nsp`. A class, or a plain `function` (which may return an object), is called with
 * `new` as Socket.IO does; an arrow function has no prototype and cannot be, so it is called.
 */
export function buildAdapter(factory: AdapterFactory, nsp: AdapterNamespace): Adapter {
  if (typeof factory !== "function") {
    throw invalidAdapter(`got ${describe(factory)}`);
  }
  const adapter: unknown =
    typeof factory.prototype === "object" && factory.prototype !== null
      ? new (factory as unknown as AdapterConstructor)(nsp)
      : (factory as unknown as (nsp: AdapterNamespace) => unknown)(nsp);
  if (typeof adapter === "function") {
    // `adapter: createAdapter` instead of `adapter: createAdapter(pubClient, subClient)`.
    throw invalidAdapter("it returned a function: pass the result of createAdapter(...), not createAdapter");
  }
  if (typeof adapter !== "object" || adapter === null)
    throw invalidAdapter(`it returned ${describe(adapter)}`);
  if (typeof (adapter as PromiseLike<unknown>).then === "function") {
    throw invalidAdapter("it returned a Promise: the adapter must be returned synchronously");
  }
  const missing = REQUIRED_METHODS.filter(
    (name) => typeof (adapter as Record<string, unknown>)[name] !== "function",
  );
  if (missing.length > 0) throw invalidAdapter(`the result has no ${missing.join(", ")}`);
  return adapter as Adapter;
}

/**
 * An adapter call the server does not wait for (`init`, `close`, `persistSession`) may return a promise:
 * its failure is reported as a process warning (code `PLEXUS_ADAPTER_ERROR`), never as an unhandled
 * rejection that would end the process.
 */
export function reportRejection(result: unknown, what: string): void {
  if (result === null || typeof result !== "object") return;
  const then = (result as PromiseLike<unknown>).then;
  if (typeof then !== "function") return;
  then.call(result, undefined, (err: unknown) => {
    const reason = err instanceof Error ? err.message : String(err);
    process.emitWarning(`adapter ${what} failed: ${reason}`, { code: "PLEXUS_ADAPTER_ERROR" });
  });
}

function invalidAdapter(detail: string): ServerError {
  return new ServerError(
    ServerErrorCodes.INVALID_ARGUMENT,
    `the adapter option must be an adapter class or a function returning an adapter: ${detail}`,
  );
}

function describe(value: unknown): string {
  return value === null ? "null" : typeof value;
}
