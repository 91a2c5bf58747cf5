/**
 * The webhook's memory: a bounded map whose entries expire (TTL) and whose least recently used entry goes first when
 * it is full, and single-flight de-duplication, so that N pods of one Deployment arriving together cost one
 * verification, not N (the repeated-verification complaint against admission controllers, issue #6).
 */
export class TtlLruCache<K, V> {
  private readonly entries = new Map<K, { value: V; expires: number }>();
  hits = 0;
  misses = 0;
  evictions = 0;

  constructor(
    readonly maxEntries: number,
    private readonly clock: () => number = Date.now,
  ) {
    if (!(maxEntries >= 1)) throw new RangeError(`a cache holds at least one entry, not ${maxEntries}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The live value, counting a hit, or undefined (expired entries are dropped), counting a miss. */
  get(key: K): V | undefined {
    const e = this.entries.get(key);
    if (e && e.expires > this.clock()) {
      // Re-insert: Map keeps insertion order, so the first key is always the least recently used.
      this.entries.delete(key);
      this.entries.set(key, e);
      this.hits++;
      return e.value;
    }
    if (e) this.entries.delete(key);
    this.misses++;
    return undefined;
  }

  /** Like get, without counting or reordering. */
  peek(key: K): V | undefined {
    const e = this.entries.get(key);
    return e && e.expires > this.clock() ? e.value : undefined;
  }

  set(key: K, value: V, ttlMs: number): void {
    if (!(ttlMs > 0)) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.clock() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as K;
      this.entries.delete(oldest);
      this.evictions++;
    }
  }

  delete(key: K): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Concurrent calls for the same key share one running promise; `coalesced` counts the callers that joined one. */
export class SingleFlight<K, V> {
  private readonly running = new Map<K, Promise<V>>();
  coalesced = 0;

  get inFlight(): number {
    return this.running.size;
  }

  run(key: K, work: () => Promise<V>): Promise<V> {
    const existing = this.running.get(key);
    if (existing) {
      this.coalesced++;
      return existing;
    }
    const p = (async () => {
      try {
        return await work();
      } finally {
        this.running.delete(key);
      }
    })();
    this.running.set(key, p);
    return p;
  }
}
