/**
 * Event-map types of the client, with the same shapes as socket.io-client's so typed code moves over unchanged:
 * `Socket<ListenEvents, EmitEvents>`, acknowledgement callbacks as last arguments, `timeout()` prepending an
 * `Error` to ack callbacks, and `emitWithAck` resolving with the first non-error ack argument.
 */

/**
 * Any map of event names to listener signatures. The `any` is deliberate: only an `any` index signature lets
 * user *interfaces* (which have no implicit index signature) satisfy the constraint, as in Socket.IO.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above — required for interface assignability.
export type EventsMap = { [event: string]: any };

/** The map used when the caller gives none: every event takes any arguments. */
// biome-ignore lint/suspicious/noExplicitAny: untyped events accept anything, as in Socket.IO.
export type DefaultEventsMap = { [event: string]: (...args: any[]) => void };

export type EventNames<Map extends EventsMap> = keyof Map & (string | symbol);

export type EventParams<Map extends EventsMap, Ev extends EventNames<Map>> = Parameters<Map[Ev]>;

/** A listener typed by the reserved map first, then the user map; untyped when neither names the event. */
export type ReservedOrUserListener<
  Reserved extends EventsMap,
  User extends EventsMap,
  Ev extends EventNames<Reserved> | EventNames<User>,
> = FallbackToUntypedListener<
  Ev extends EventNames<Reserved> ? Reserved[Ev] : Ev extends EventNames<User> ? User[Ev] : never
>;

type FallbackToUntypedListener<T> = [T] extends [never] ? (...args: unknown[]) => void : T;

/** Listener called for every incoming or outgoing event (`onAny`, `onAnyOutgoing`). */
export type AnyListener = (event: string, ...args: unknown[]) => void;

/** Last element of a tuple; for untyped (array) parameters `any`, as in Socket.IO, so untyped acks stay usable. */
// biome-ignore lint/suspicious/noExplicitAny: untyped events resolve to any, as in Socket.IO.
export type Last<T extends unknown[]> = T extends [...infer _Head, infer L] ? L : any;
/** All but the last element of a tuple; an untyped parameter list stays as it is. */
export type AllButLast<T extends unknown[]> = T extends [...infer Head, infer _L] ? Head : T;

/** The value an ack promise resolves to: the first ack argument that is not the timeout `Error`. */
export type FirstNonErrorArg<T> = T extends (...args: infer Params) => unknown
  ? Params[0] extends Error
    ? Params[1]
    : Params[0]
  : // biome-ignore lint/suspicious/noExplicitAny: untyped acks resolve to any, as in Socket.IO.
    any;

type PrependTimeoutError<T extends unknown[]> = {
  [K in keyof T]: T[K] extends (...args: infer Params) => infer Result
    ? Params[0] extends Error
      ? T[K]
      : (err: Error, ...args: Params) => Result
    : T[K];
};

/** The event map of a socket after `timeout()`: every ack callback gets an `Error` first argument. */
export type DecorateAcknowledgements<E extends EventsMap> = {
  [K in keyof E]: E[K] extends (...args: infer Params) => infer Result
    ? (...args: PrependTimeoutError<Params>) => Result
    : E[K];
};
