/** Test helpers: deferred promises and event waiting, so tests never sleep to synchronise. */
import { deferred } from "../../../test-support/deferred.js";

export { type Deferred, deferred, deferredByKey } from "../../../test-support/deferred.js";

interface Listenable {
  once(event: string, listener: (...args: never[]) => void): unknown;
}

/** Resolves with the arguments of the next `event` of `target`. */
export function next<T extends unknown[] = unknown[]>(target: Listenable, event: string): Promise<T> {
  return new Promise((resolve) => {
    target.once(event, ((...args: T) => resolve(args)) as unknown as (...args: never[]) => void);
  });
}

/** Resolves once `count` values were collected through the returned `push`. */
export function collector<T>(count: number): {
  push(value: T): void;
  readonly done: Promise<T[]>;
  readonly values: T[];
} {
  const values: T[] = [];
  const d = deferred<T[]>();
  return {
    values,
    done: d.promise,
    push(value: T) {
      values.push(value);
      if (values.length === count) d.resolve(values);
    },
  };
}
