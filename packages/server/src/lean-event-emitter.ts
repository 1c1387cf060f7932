/**
 * An `EventEmitter` base for objects that exist once per connection (issue 6; DESIGN.md principle 1).
 *
 * Node's constructor gives every emitter five own fields and a `{ __proto__: null }` listener table,
 * which V8 keeps in dictionary mode: about 170 bytes per emitter once two listeners are added. Here the
 * constructor does nothing; the subclass declares `_events` (a {@link ListenerTable}, a fast-mode object
 * whose prototype chain holds no `Object.prototype`, so an event named `toString` stays free) and
 * `_eventsCount`, the only fields `EventEmitter.prototype`'s methods need on the instance; the others
 * (`_maxListeners`, the capture flag) fall back to the prototype's defaults. `instanceof EventEmitter`
 * and every `EventEmitter` method keep working. Not supported: `captureRejections` (Socket.IO's sockets
 * do not take it either).
 */
import { EventEmitter } from "node:events";

function ListenerTableFn(): void {}
ListenerTableFn.prototype = Object.create(null) as object;

function LeanEventEmitterFn(): void {}
LeanEventEmitterFn.prototype = EventEmitter.prototype;

/** A listener table: `new ListenerTable()` is a fast-mode object with no inherited keys. */
export const ListenerTable = ListenerTableFn as unknown as new () => object;

/** `EventEmitter` without its per-instance initialisation (see the file comment). */
export const LeanEventEmitter = LeanEventEmitterFn as unknown as typeof EventEmitter;
