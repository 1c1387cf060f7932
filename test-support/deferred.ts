/**
 * A promise with its `resolve`/`reject` exposed, so tests await events instead of sleeping. Shared by the
 * test helpers of every package (test code only: never imported from `src/`).
 */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Deferreds by key, made on first use: whichever of "wait for it" and "it happened" comes first. */
export function deferredByKey<T = void>(): (key: string) => Deferred<T> {
  const entries = new Map<string, Deferred<T>>();
  return (key) => {
    let d = entries.get(key);
    if (d === undefined) {
      d = deferred<T>();
      entries.set(key, d);
    }
    return d;
  };
}
