/**
 * Types of the typed-event API: `Server<ListenEvents, EmitEvents, ServerSideEvents, SocketData>`.
 * An events map names each event with the signature of its listener; an event whose last parameter is a
 * function expects an acknowledgement. `test/types.test-d.ts` pins these types down.
 */

// biome-ignore lint/suspicious/noExplicitAny: listener maps must accept any listener signature.
type AnyFunction = (...args: any[]) => any;

/** A map of event names to listener signatures. */
export interface EventsMap {
  // biome-ignore lint/suspicious/noExplicitAny: user maps are open.
  [event: string]: any;
}

/** The map used when none is given: every event, any arguments. */
export interface DefaultEventsMap {
  // biome-ignore lint/suspicious/noExplicitAny: untyped default, as Socket.IO.
  [event: string]: (...args: any[]) => void;
}

export type EventNames<M extends EventsMap> = keyof M & (string | symbol);
export type EventParams<M extends EventsMap, E extends EventNames<M>> = M[E] extends AnyFunction
  ? Parameters<M[E]>
  : never;

type IsAny<T> = 0 extends 1 & T ? true : false;
/** True for parameter lists that are not a fixed tuple (`any[]`, `string[]`, `[a, ...b[]]`). */
type IsOpenList<T extends readonly unknown[]> = number extends T["length"] ? true : false;

/** The last element of a tuple (`never` for `[]`). */
export type Last<T extends readonly unknown[]> = T extends readonly [...unknown[], infer L] ? L : never;
/** A tuple without its last element. */
export type AllButLast<T extends readonly unknown[]> = T extends readonly [...infer H, unknown] ? H : T;

/** Whether the listener of event `E` takes an acknowledgement callback (open lists may). */
type HasAck<M extends EventsMap, E extends EventNames<M>> =
  IsAny<M[E]> extends true
    ? true
    : M[E] extends AnyFunction
      ? IsOpenList<Parameters<M[E]>> extends true
        ? true
        : [Last<Parameters<M[E]>>] extends [never]
          ? false
          : Last<Parameters<M[E]>> extends AnyFunction
            ? true
            : false
      : false;

/** Events whose listener ends with an acknowledgement callback. */
export type EventNamesWithAck<M extends EventsMap> = {
  [E in EventNames<M>]: HasAck<M, E> extends true ? E : never;
}[EventNames<M>];

/** Events without an acknowledgement (what a broadcast can send without a timeout). */
export type EventNamesWithoutAck<M extends EventsMap> = {
  [E in EventNames<M>]: M[E] extends AnyFunction
    ? IsOpenList<Parameters<M[E]>> extends true
      ? E
      : [Last<Parameters<M[E]>>] extends [never]
        ? E
        : Last<Parameters<M[E]>> extends AnyFunction
          ? never
          : E
    : E;
}[EventNames<M>];

/** Arguments of an event sent with `emitWithAck`: all but the acknowledgement. */
export type ArgsWithoutAck<M extends EventsMap, E extends EventNames<M>> =
  IsOpenList<EventParams<M, E>> extends true ? unknown[] : AllButLast<EventParams<M, E>>;

/** The first argument of an acknowledgement callback that is not the timeout error. */
export type FirstNonErrorArg<F> =
  IsAny<F> extends true
    ? // biome-ignore lint/suspicious/noExplicitAny: untyped acks resolve to any, as Socket.IO.
      any
    : F extends (...args: infer P) => unknown
      ? P extends readonly [infer A, ...infer Rest]
        ? [A] extends [Error]
          ? Rest extends readonly [infer B, ...unknown[]]
            ? B
            : undefined
          : A
        : P extends readonly []
          ? undefined
          : // biome-ignore lint/suspicious/noExplicitAny: open parameter lists resolve to any.
            any
      : // biome-ignore lint/suspicious/noExplicitAny: a non-function last argument of an open list.
        any;

/** What `emitWithAck` resolves with. */
export type AckResult<M extends EventsMap, E extends EventNames<M>> =
  IsOpenList<EventParams<M, E>> extends true
    ? // biome-ignore lint/suspicious/noExplicitAny: untyped events.
      any
    : FirstNonErrorArg<Last<EventParams<M, E>>>;

/** With `timeout()`, an acknowledgement callback receives the timeout error first. */
type PrependTimeoutError<P extends readonly unknown[]> = {
  [K in keyof P]: P[K] extends (...args: infer A) => infer R
    ? A extends readonly [Error, ...unknown[]]
      ? P[K]
      : (err: Error, ...args: A) => R
    : P[K];
};

/** Each acknowledgement argument becomes the array of every recipient's value (broadcast acks). */
type MultiplyArgs<A extends readonly unknown[]> = { [K in keyof A]: A[K][] };

type ExpectMultipleResponses<P extends readonly unknown[]> = {
  [K in keyof P]: P[K] extends (...args: infer A) => infer R
    ? A extends readonly [Error, ...infer Rest]
      ? (err: Error, ...responses: MultiplyArgs<Rest>) => R
      : (err: Error, ...responses: MultiplyArgs<A>) => R
    : P[K];
};

/** Events map as seen after `socket.timeout(ms)`. */
export type DecorateAcknowledgements<M extends EventsMap> = {
  [E in keyof M]: M[E] extends (...args: infer P) => infer R
    ? IsOpenList<P> extends true
      ? M[E]
      : (...args: PrependTimeoutError<P>) => R
    : M[E];
};

/** Events map as seen by broadcast operators: acknowledgements collect every recipient's response. */
export type DecorateAcknowledgementsWithMultipleResponses<M extends EventsMap> = {
  [E in keyof M]: M[E] extends (...args: infer P) => infer R
    ? IsOpenList<P> extends true
      ? M[E]
      : (...args: ExpectMultipleResponses<P>) => R
    : M[E];
};

/** Listener type of event `E`, falling back to an untyped listener for unknown names. */
export type ListenerOf<M extends EventsMap, E> = E extends keyof M
  ? M[E] extends AnyFunction
    ? M[E]
    : never
  : // biome-ignore lint/suspicious/noExplicitAny: reserved or unknown event names.
    (...args: any[]) => void;

/** Listener called for every event (`onAny`, `onAnyOutgoing`). */
// biome-ignore lint/suspicious/noExplicitAny: any event, any arguments.
export type AnyListener = (event: string, ...args: any[]) => void;
