/**
 * Identities known to be over their limit, answered 429 in process without a Redis round trip.
 *
 * A denial from the GCRA script says how long until the request would pass (`-d` µs). A denied request does not
 * change the bucket, and the bucket's TAT only moves forward while it is over the limit, so until that moment Redis
 * would deny every request of the same policy on the same key: answering those locally changes no decision. The
 * moment is counted from when the check was **sent** (before the server read its clock), so a local answer ends no
 * later than the server's own would; allowed requests always go to Redis, so they stay exact under concurrency.
 * (A bucket deleted by hand in Redis is seen only when the entry ends, at most one `Retry-After` later.)
 *
 * The entries are bounded: a flood of distinct identities evicts the oldest entries, which only costs those
 * identities a round trip again.
 */

/** One blocked bucket: the policy it was measured for and when a request of cost 1 could pass again. */
interface Entry {
  readonly policy: object;
  /** Whole microseconds of the limiter's clock. */
  readonly until: number;
}

export class BlockedIdentities {
  private readonly entries = new Map<string, Entry>();

  /** @param maxEntries at most this many entries (0: none, every check goes to Redis). */
  constructor(private readonly maxEntries: number) {}

  /** Entries held now (at most `maxEntries`). */
  public get size(): number {
    return this.entries.size;
  }

  /**
   * Microseconds until a request could pass, when the bucket is blocked for this policy (`extraUs`: what the request
   * costs beyond one interval); undefined when the request must go to Redis. All times are whole microseconds.
   */
  public waitUs(key: string, policy: object, extraUs: number, now: number): number | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    if (entry.policy !== policy) return undefined;
    const wait = entry.until + extraUs - now;
    return wait > 0 ? wait : undefined;
  }

  /** Records that a request of cost 1 on this bucket and policy cannot pass before `until`. */
  public block(key: string, policy: object, until: number): void {
    if (this.maxEntries === 0) return;
    // Re-inserting moves the key to the end: eviction takes the least recently blocked first.
    this.entries.delete(key);
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { policy, until });
  }
}
