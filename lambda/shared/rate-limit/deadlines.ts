/**
 * Deadlines of the shared cache's checks (the rate limiter's and the revocation list's): one FIFO queue and one timer
 * per budget instead of a timer per request.
 */

/** Thrown inside a check when its deadline passes (mapped to the failure mode, never to the caller). */
export class RateLimitTimeoutError extends Error {
  constructor(ms: number) {
    super(`rate limit check exceeded ${ms} ms`);
    this.name = 'RateLimitTimeoutError';
  }
}

/** What a {@link DeadlineQueue} tracks: `expire` runs once the budget has passed, unless `done` was set first. */
export interface Deadline {
  done: boolean;
  /** When the budget passes (`performance.now()` milliseconds); set by the queue. */
  at: number;
  expire(err: RateLimitTimeoutError): void;
}

/**
 * Deadlines for checks that all share one budget: their deadlines arrive in
 * insertion order, so one FIFO and one timer (armed for the oldest pending check)
 * replace a timer per request on the hot path. Replies on one connection arrive in
 * order too, so settled entries leave the front as new ones are added: the queue
 * stays about as long as the number of checks in flight.
 */
export class DeadlineQueue {
  private queue: Deadline[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly ms: number) {}

  /** Starts the entry's deadline: its `expire` runs when the budget has passed, unless it is `done` by then. */
  public add(entry: Deadline): void {
    this.dropSettled();
    entry.at = performance.now() + this.ms;
    this.queue.push(entry);
    if (this.timer === undefined) this.arm();
  }

  /** The promise, or a {@link RateLimitTimeoutError} rejection when it does not settle within the budget. */
  public run<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Deadline = { done: false, at: 0, expire: reject };
      this.add(entry);
      promise.then(
        (v) => { entry.done = true; resolve(v); },
        (e: unknown) => { entry.done = true; reject(e); },
      );
    });
  }

  /** Drops the settled entries at the front; empties the array when nothing is pending, and compacts it now and then. */
  private dropSettled(): void {
    while (this.head < this.queue.length && this.queue[this.head].done) this.head++;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private arm(): void {
    this.dropSettled();
    if (this.queue.length === 0) {
      this.timer = undefined;
      return;
    }
    this.timer = setTimeout(() => this.expire(), Math.max(0, this.queue[this.head].at - performance.now()));
    this.timer.unref();
  }

  private expire(): void {
    const now = performance.now();
    while (this.head < this.queue.length) {
      const e = this.queue[this.head];
      if (!e.done && e.at > now) break;
      if (!e.done) {
        // The callback sees `done` still false (it settles the check), then the entry is closed either way.
        e.expire(new RateLimitTimeoutError(this.ms));
        e.done = true;
      }
      this.head++;
    }
    this.timer = undefined;
    this.arm();
  }
}
