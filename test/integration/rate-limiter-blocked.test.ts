import * as fc from 'fast-check';
import { GCRA_SCRIPT, RateLimitDecision, RateLimiter, RateLimiterConfig, RateLimitStore, RouteClass, validateRateLimitConfig } from '../../lambda/shared/rate-limit';
import { createRedisRateLimitStore, RedisRateLimitStore } from '../../lambda/shared/rate-limit/redis-store';
import { RunningRedis, startRedis } from './redis';

/**
 * Identities over their limit are answered 429 in process until they could pass again. The property: with the
 * blocked entries on, every decision equals the decision without them, and Redis sees fewer calls.
 */

function config(overrides: Partial<RateLimiterConfig> = {}): RateLimiterConfig {
  return {
    classes: {
      auth: { default: { limit: 3, windowSeconds: 1 }, onFailure: 'closed' },
      write: { default: { limit: 2, windowSeconds: 2 }, roles: { admin: { limit: 5, windowSeconds: 2 } }, onFailure: 'closed' },
      read: { default: { limit: 4, windowSeconds: 1 }, onFailure: 'open' },
    },
    ...overrides,
  };
}

/**
 * The reference model of the server: the GCRA script's arithmetic on a virtual clock (whole microseconds), which
 * reads `delayUs` later than the client's clock, as a server does once the request has crossed the network.
 */
class GcraModel implements RateLimitStore {
  public calls = 0;
  private readonly tat = new Map<string, number>();
  constructor(private readonly clockUs: () => number, private readonly delayUs: number) {}
  evalsha(_sha: string, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    this.calls++;
    const now = this.clockUs() + this.delayUs;
    const stored = this.tat.get(keys[0]);
    const tat = stored === undefined || stored < now ? now : stored;
    const d = tat + Number(args[0]) - now;
    if (d > Number(args[1])) return Promise.resolve(Number(args[1]) - d);
    this.tat.set(keys[0], now + d);
    return Promise.resolve(d);
  }
  scriptLoad(): Promise<unknown> {
    return Promise.resolve('loaded');
  }
}

describe('blocked identities answered in process (reference model)', () => {
  const request = fc.record({
    who: fc.constantFrom({ id: 'alice' }, { id: 'bob' }, { id: 'alice', roles: ['admin'] }),
    routeClass: fc.constantFrom<RouteClass>('auth', 'write', 'read'),
    cost: fc.constantFrom(1, 1, 1, 2),
  });
  // Steps: time moves on (up to 1.2 s), then a batch of requests is sent at once (answered in order).
  const step = fc.record({ advanceUs: fc.integer({ min: 0, max: 1_200_000 }), batch: fc.array(request, { minLength: 1, maxLength: 6 }) });

  test('every decision equals the decision without blocked entries; Redis is asked no more often (generated traffic)', async () => {
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 30_000 }), async (steps, delayUs) => {
      let nowUs = 1_000_000;
      const withEntries = new GcraModel(() => nowUs, delayUs);
      const without = new GcraModel(() => nowUs, delayUs);
      const cached = new RateLimiter(withEntries, config(), { now: () => nowUs / 1000 });
      const plain = new RateLimiter(without, config({ blockedEntries: 0 }), { now: () => nowUs / 1000 });
      for (const { advanceUs, batch } of steps) {
        nowUs += advanceUs;
        const a = await Promise.all(batch.map((r) => cached.check(r.who, r.routeClass, r.cost)));
        const b = await Promise.all(batch.map((r) => plain.check(r.who, r.routeClass, r.cost)));
        expect(a).toEqual(b);
      }
      expect(withEntries.calls).toBeLessThanOrEqual(without.calls);
      expect(plain.blockedCount).toBe(0);
    }), { numRuns: 300 });
  });

  test('an identity over its limit costs no Redis call until the earliest moment it could pass, then exactly one', async () => {
    // GIVEN auth: 3 per second (one request every 333,333 µs), the budget spent
    let nowUs = 5_000_000;
    const model = new GcraModel(() => nowUs, 0);
    const limiter = new RateLimiter(model, config(), { now: () => nowUs / 1000 });
    const who = { id: 'mallory' };
    for (let i = 0; i < 3; i++) expect((await limiter.check(who, 'auth')).allowed).toBe(true);
    const first = await limiter.check(who, 'auth');
    expect(first).toMatchObject({ allowed: false, statusCode: 429, retryAfterSeconds: 1 });
    // WHEN 1,000 more arrive before the moment
    const calls = model.calls;
    nowUs += 333_332;
    const flood = await Promise.all(Array.from({ length: 1000 }, () => limiter.check(who, 'auth')));
    // THEN none reaches Redis, and each is the 429 Redis would give
    expect(model.calls).toBe(calls);
    expect(flood.every((d: RateLimitDecision) => d.statusCode === 429 && d.headers['Retry-After'] === '1')).toBe(true);
    // WHEN the moment comes: the next request goes to Redis and passes
    nowUs += 1;
    expect((await limiter.check(who, 'auth')).allowed).toBe(true);
    expect(model.calls).toBe(calls + 1);
  });

  test('a flood of distinct identities keeps at most `blockedEntries` entries', async () => {
    // GIVEN room for 1,000 entries
    const nowUs = 1_000_000;
    const model = new GcraModel(() => nowUs, 0);
    const limiter = new RateLimiter(model, config({ blockedEntries: 1000 }), { now: () => nowUs / 1000 });
    // WHEN 20,000 identities each go over their limit
    for (let i = 0; i < 20_000; i++) {
      const who = { id: `bot-${i}` };
      await Promise.all([limiter.check(who, 'write'), limiter.check(who, 'write')]);
      await limiter.check(who, 'write');
    }
    // THEN the entries stay bounded, and the most recent ones are still answered in process
    expect(limiter.blockedCount).toBe(1000);
    const calls = model.calls;
    expect((await limiter.check({ id: 'bot-19999' }, 'write')).statusCode).toBe(429);
    expect(model.calls).toBe(calls);
  });

  test('blockedEntries is checked: a whole number from 0 to 1,000,000', () => {
    expect(() => validateRateLimitConfig(config({ blockedEntries: -1 }))).toThrow(/blockedEntries = -1\. Fix: use a whole number from 0 to 1000000/);
    expect(() => validateRateLimitConfig(config({ blockedEntries: 0 }))).not.toThrow();
  });
});

describe('blocked identities on a real redis-server', () => {
  let redis: RunningRedis;
  let store: RedisRateLimitStore;
  beforeAll(async () => {
    redis = await startRedis();
    store = await createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false });
  });
  afterAll(async () => {
    store?.client.disconnect();
    await redis?.stop();
  });

  test('a flood of 2,000 requests from one identity, 64 in flight: exactly `limit` pass, Redis sees the first wave only', async () => {
    // GIVEN a counting store around the real one, the script already loaded (no NOSCRIPT retries to count)
    await store.scriptLoad(GCRA_SCRIPT);
    let calls = 0;
    const counting: RateLimitStore = {
      evalsha: (sha, keys, args) => { calls++; return store.evalsha(sha, keys, args); },
      scriptLoad: (script) => store.scriptLoad(script),
    };
    const limiter = new RateLimiter(counting, config({ classes: { ...config().classes, write: { default: { limit: 10, windowSeconds: 60 }, onFailure: 'closed' } } }));
    const who = { id: `flood-${process.pid}` };
    // WHEN
    const decisions: RateLimitDecision[] = [];
    for (let wave = 0; wave < 2000 / 64; wave++) {
      decisions.push(...await Promise.all(Array.from({ length: 64 }, () => limiter.check(who, 'write'))));
    }
    // THEN exactly 10 pass; only the first wave (64 checks sent before any reply) reaches Redis
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.filter((d) => d.statusCode === 429)).toHaveLength(decisions.length - 10);
    expect(calls).toBe(64);
  });

  test('the identity passes again at the moment Redis allows it (limit 2 per second)', async () => {
    const limiter = new RateLimiter(store, config({ classes: { ...config().classes, write: { default: { limit: 2, windowSeconds: 1 }, onFailure: 'closed' } } }));
    const who = { id: `again-${process.pid}` };
    await limiter.check(who, 'write');
    await limiter.check(who, 'write');
    expect((await limiter.check(who, 'write')).statusCode).toBe(429);
    // one interval (500 ms) later a request may pass again
    await new Promise((r) => setTimeout(r, 520));
    expect((await limiter.check(who, 'write')).allowed).toBe(true);
  });
});
