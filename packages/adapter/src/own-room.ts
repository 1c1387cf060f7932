/**
 * The set `{ id }`, immutable and shared: a socket's own room (`rooms.get(id)`) and its room list while
 * it is in no other room (`sids.get(id)`) are the same one-field object instead of two hash sets
 * (issue 6: most sockets never join anything else). The adapter swaps in a real `Set` on the first
 * change.
 */
export class OwnRoom implements ReadonlySet<string> {
  readonly id: string;

  constructor(id: string) {
    this.id = id;
  }

  get size(): number {
    return 1;
  }

  has(value: string): boolean {
    return value === this.id;
  }

  forEach(fn: (value: string, key: string, set: ReadonlySet<string>) => void, thisArg?: unknown): void {
    fn.call(thisArg, this.id, this.id, this);
  }

  *values(): SetIterator<string> {
    yield this.id;
  }

  keys(): SetIterator<string> {
    return this.values();
  }

  *entries(): SetIterator<[string, string]> {
    yield [this.id, this.id];
  }

  [Symbol.iterator](): SetIterator<string> {
    return this.values();
  }
}
