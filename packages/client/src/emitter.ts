/**
 * A small event emitter shared by the engine socket, the Manager and the Socket. Listeners are stored in
 * arrays per event and copied before dispatch, so a listener may remove itself (or others) while running.
 */
import type { EventNames, EventParams, EventsMap, ReservedOrUserListener } from "./typed-events.js";

type Listener = (...args: never[]) => unknown;

export class Emitter<Listen extends EventsMap, Reserved extends EventsMap = {}> {
  private handlers: Record<string | symbol, Listener[]> = {};

  /** Adds a listener. */
  on<Ev extends EventNames<Reserved> | EventNames<Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    const list = this.handlers[ev];
    if (list === undefined) this.handlers[ev] = [listener];
    else list.push(listener);
    return this;
  }

  /** Adds a listener removed after its first call. */
  once<Ev extends EventNames<Reserved> | EventNames<Listen>>(
    ev: Ev,
    listener: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    const wrapper = (...args: never[]) => {
      this.off(ev, wrapper as never);
      (listener as Listener)(...args);
    };
    (wrapper as { fn?: unknown }).fn = listener;
    return this.on(ev, wrapper as never);
  }

  /** Removes one listener, every listener of an event, or every listener. */
  off<Ev extends EventNames<Reserved> | EventNames<Listen>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    if (ev === undefined) this.handlers = {};
    else if (listener === undefined) delete this.handlers[ev];
    else {
      const list = this.handlers[ev];
      if (list !== undefined) {
        const i = list.findIndex((l) => l === listener || (l as { fn?: unknown }).fn === listener);
        if (i !== -1) list.splice(i, 1);
        if (list.length === 0) delete this.handlers[ev];
      }
    }
    return this;
  }

  removeListener<Ev extends EventNames<Reserved> | EventNames<Listen>>(
    ev?: Ev,
    listener?: ReservedOrUserListener<Reserved, Listen, Ev>,
  ): this {
    return this.off(ev, listener);
  }

  removeAllListeners<Ev extends EventNames<Reserved> | EventNames<Listen>>(ev?: Ev): this {
    return this.off(ev);
  }

  /** The listeners of an event (a copy). */
  listeners<Ev extends EventNames<Reserved> | EventNames<Listen>>(
    ev: Ev,
  ): ReservedOrUserListener<Reserved, Listen, Ev>[] {
    return (this.handlers[ev]?.slice() ?? []) as ReservedOrUserListener<Reserved, Listen, Ev>[];
  }

  hasListeners(ev: EventNames<Reserved> | EventNames<Listen>): boolean {
    return this.handlers[ev] !== undefined;
  }

  /** Calls the listeners of a reserved event (typed). */
  emitReserved<Ev extends EventNames<Reserved>>(ev: Ev, ...args: EventParams<Reserved, Ev>): this {
    return this.dispatch(ev, args);
  }

  /** Calls the listeners of any event with untyped arguments (used for incoming events). */
  protected dispatch(ev: string | symbol, args: readonly unknown[]): this {
    const list = this.handlers[ev];
    if (list !== undefined) {
      for (const listener of list.slice())
        (listener as (...a: unknown[]) => unknown).apply(this, args as unknown[]);
    }
    return this;
  }
}
