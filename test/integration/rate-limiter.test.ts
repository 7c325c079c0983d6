import { createServer, Server, Socket } from 'net';
import { Redis } from 'ioredis';
import { errorResponse, HttpError } from '../../lambda/shared/http';
import {
  Deadline, DeadlineQueue, DEFAULT_RATE_LIMIT_CONFIG, GCRA_SCRIPT_SHA1, RateLimiter, RateLimiterConfig, RateLimitStore, RateLimitTimeoutError, routeClassOf,
} from '../../lambda/shared/rate-limit';
import { createRedisRateLimitStore, RedisRateLimitStore } from '../../lambda/shared/rate-limit/redis-store';
import { freePort } from './net';
import { RunningRedis, startRedis } from './redis';

/** A config with small numbers, so tests exhaust budgets quickly. */
function config(overrides: Partial<RateLimiterConfig> = {}): RateLimiterConfig {
  return {
    classes: {
      auth: { default: { limit: 5, windowSeconds: 60 }, onFailure: 'closed' },
      write: { default: { limit: 10, windowSeconds: 60 }, roles: { admin: { limit: 40, windowSeconds: 60 } }, onFailure: 'closed' },
      read: { default: { limit: 20, windowSeconds: 60 }, onFailure: 'open' },
    },
    ...overrides,
  };
}

class CountingMetrics {
  public readonly counts: Record<string, number> = {};
  addMetric(name: string, _unit: 'Count', value: number): void {
    this.counts[name] = (this.counts[name] ?? 0) + value;
  }
}

let redis: RunningRedis;
let store: RedisRateLimitStore;
let admin: Redis;
let n = 0;
/** A fresh identity per test, so tests never share budgets. */
const someone = (roles: string[] = []) => ({ id: `user-${process.pid}-${++n}`, roles });

beforeAll(async () => {
  redis = await startRedis();
  store = await createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false });
  admin = new Redis({ host: redis.host, port: redis.port, lazyConnect: true });
  await admin.connect();
});

afterAll(async () => {
  store?.client.disconnect();
  admin?.disconnect();
  await redis?.stop();
});

describe('RateLimiter on a real redis-server', () => {
  test('exactly `limit` of N concurrent requests pass in a window', async () => {
    // GIVEN a write budget of 10 per minute
    const limiter = new RateLimiter(store, config());
    const who = someone();
    // WHEN 50 requests arrive at once
    const decisions = await Promise.all(Array.from({ length: 50 }, () => limiter.check(who, 'write')));
    // THEN exactly 10 pass and 40 get 429
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
    expect(decisions.filter((d) => d.statusCode === 429)).toHaveLength(40);
    expect(decisions.filter((d) => d.allowed).map((d) => d.remaining).sort((a, b) => a! - b!)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('exactly `limit` pass across several containers (separate connections) at once', async () => {
    // GIVEN three limiters with their own connections, like three Lambda containers
    const stores = await Promise.all([1, 2, 3].map(() => createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false })));
    try {
      const limiters = stores.map((s) => new RateLimiter(s, config()));
      const who = someone();
      // WHEN 60 requests are spread over them
      const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => limiters[i % 3].check(who, 'read')));
      // THEN exactly the read budget (20) passes
      expect(decisions.filter((d) => d.allowed)).toHaveLength(20);
    } finally {
      stores.forEach((s) => s.client.disconnect());
    }
  });

  test('the budget rolls over: after the window, the full limit passes again', async () => {
    // GIVEN 3 requests per second, exhausted
    const limiter = new RateLimiter(store, config({ classes: { ...config().classes, write: { default: { limit: 3, windowSeconds: 1 }, onFailure: 'closed' } } }));
    const who = someone();
    const first = await Promise.all([1, 2, 3, 4].map(() => limiter.check(who, 'write')));
    expect(first.map((d) => d.allowed)).toEqual(expect.arrayContaining([true, true, true, false]));
    expect(first.filter((d) => d.allowed)).toHaveLength(3);
    // WHEN the window has passed
    await new Promise((r) => setTimeout(r, 1100));
    // THEN 3 pass again and the 4th is refused
    const second = await Promise.all([1, 2, 3, 4].map(() => limiter.check(who, 'write')));
    expect(second.filter((d) => d.allowed)).toHaveLength(3);
  });

  test('GCRA refills one request per interval (window / limit), not the whole window at once', async () => {
    // GIVEN 2 requests per 60 s, exhausted
    const limiter = new RateLimiter(store, config({ classes: { ...config().classes, write: { default: { limit: 2, windowSeconds: 60 }, onFailure: 'closed' } } }));
    const who = someone();
    await limiter.check(who, 'write');
    await limiter.check(who, 'write');
    // WHEN a third arrives
    const denied = await limiter.check(who, 'write');
    // THEN it is told to come back after one interval (30 s), not after 60 s
    expect(denied.statusCode).toBe(429);
    expect(denied.retryAfterSeconds).toBeGreaterThanOrEqual(29);
    expect(denied.retryAfterSeconds).toBeLessThanOrEqual(30);
    expect(denied.headers['Retry-After']).toBe(String(denied.retryAfterSeconds));
  });

  test('separate identities and separate route classes do not share budgets', async () => {
    const limiter = new RateLimiter(store, config());
    const alice = someone();
    const bob = someone();
    // GIVEN alice exhausted her auth budget (5)
    for (let i = 0; i < 5; i++) expect((await limiter.check(alice, 'auth')).allowed).toBe(true);
    expect((await limiter.check(alice, 'auth')).allowed).toBe(false);
    // THEN bob still has his, and alice still has her write and read budgets
    expect((await limiter.check(bob, 'auth')).allowed).toBe(true);
    expect((await limiter.check(alice, 'write')).remaining).toBe(9);
    expect((await limiter.check(alice, 'read')).remaining).toBe(19);
  });

  test('a role policy applies (the most generous of the caller\'s roles) and names itself in the headers', async () => {
    const limiter = new RateLimiter(store, config());
    const boss = someone(['user', 'admin']);
    const d = await limiter.check(boss, 'write');
    expect(d.policyName).toBe('write.admin');
    expect(d.headers['RateLimit-Policy']).toBe('"write.admin";q=40;w=60');
    expect(d.headers.RateLimit).toBe('"write.admin";r=39;t=2');
  });

  test('headers follow the IETF httpapi draft: RateLimit-Policy and RateLimit, Retry-After on 429', async () => {
    const limiter = new RateLimiter(store, config());
    const who = someone();
    const ok = await limiter.check(who, 'auth');
    // 5 per 60 s: one used, the budget is full again after one interval (12 s)
    expect(ok.headers).toEqual({ 'RateLimit-Policy': '"auth";q=5;w=60', RateLimit: '"auth";r=4;t=12' });
    for (let i = 0; i < 4; i++) await limiter.check(who, 'auth');
    const denied = await limiter.check(who, 'auth');
    expect(denied.headers['RateLimit-Policy']).toBe('"auth";q=5;w=60');
    expect(denied.headers.RateLimit).toMatch(/^"auth";r=0;t=(11|12)$/);
    expect(denied.headers['Retry-After']).toMatch(/^(11|12)$/);
  });

  test('enforce() throws a 429 HttpError that errorResponse maps with Retry-After and the RateLimit headers', async () => {
    const limiter = new RateLimiter(store, config());
    const who = someone();
    for (let i = 0; i < 5; i++) await limiter.enforce(who, 'auth');
    const err = await limiter.enforce(who, 'auth').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    const res = errorResponse(err);
    expect(res.statusCode).toBe(429);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'rate_limited', message: 'Too many requests; retry later' } });
    expect(res.headers['Retry-After']).toMatch(/^\d+$/);
    expect(res.headers.RateLimit).toMatch(/^"auth";r=0;t=\d+$/);
    expect(res.headers['Strict-Transport-Security']).toBeDefined();
  });

  test('the script is reloaded after SCRIPT FLUSH, and only then (one EVALSHA per request otherwise)', async () => {
    // GIVEN a store that counts calls
    const calls = { evalsha: 0, scriptLoad: 0 };
    const counting: RateLimitStore = {
      evalsha: (...a) => { calls.evalsha++; return store.evalsha(...a); },
      scriptLoad: (s) => { calls.scriptLoad++; return store.scriptLoad(s); },
    };
    const limiter = new RateLimiter(counting, config());
    const who = someone();
    await limiter.check(who, 'read');
    const afterWarm = { ...calls };
    await limiter.check(who, 'read');
    // THEN a steady-state check is exactly one EVALSHA
    expect(calls.evalsha - afterWarm.evalsha).toBe(1);
    expect(calls.scriptLoad - afterWarm.scriptLoad).toBe(0);
    // WHEN the server forgets every script
    await admin.script('FLUSH');
    expect(await admin.script('EXISTS', GCRA_SCRIPT_SHA1)).toEqual([0]);
    const d = await limiter.check(who, 'read');
    // THEN the check still counts (budget state kept), after one reload and one retry
    expect(d.allowed).toBe(true);
    expect(d.remaining).toBe(17);
    expect(calls.scriptLoad - afterWarm.scriptLoad).toBe(1);
    expect(await admin.script('EXISTS', GCRA_SCRIPT_SHA1)).toEqual([1]);
  });

  test('bucket keys expire once the budget is full again (no unbounded key growth)', async () => {
    const limiter = new RateLimiter(store, config());
    const who = someone();
    await limiter.check(who, 'auth');
    const ttl = await admin.pttl(limiter.keyFor(who, 'auth'));
    expect(ttl).toBeGreaterThan(11_000);
    expect(ttl).toBeLessThanOrEqual(12_000);
  });

  test('a cost above 1 takes that many requests of the budget, and is refused whole when the budget is short', async () => {
    const limiter = new RateLimiter(store, config());
    const who = someone();
    expect(await limiter.check(who, 'write', 3)).toMatchObject({ allowed: true, remaining: 7 });
    expect(await limiter.check(who, 'write', 8)).toMatchObject({ allowed: false, statusCode: 429 });
    expect(await limiter.check(who, 'write', 7)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await limiter.check(who, 'write')).toMatchObject({ allowed: false, statusCode: 429 });
  });

  test('the stored TAT is an exact whole number of server microseconds, and a TAT written by an earlier script version reads the same', async () => {
    // GIVEN a bucket written as the earlier script wrote it (string.format('%d')): 3 of auth's 5 per minute used (interval 12 s)
    const limiter = new RateLimiter(store, config());
    const who = someone();
    const key = limiter.keyFor(who, 'auth');
    const [sec, usec] = (await admin.time()).map(Number);
    const tat = sec * 1_000_000 + usec + 36_000_000;
    await admin.set(key, tat.toFixed(0), 'PX', 36_000);
    // WHEN one more request comes
    const d = await limiter.check(who, 'auth');
    // THEN the earlier state counts (1 left), and the new TAT is stored to the microsecond: 16 digits, one interval later
    expect(d).toMatchObject({ allowed: true, remaining: 1 });
    const stored = await admin.get(key);
    expect(stored).toMatch(/^\d{16}$/);
    expect(Number(stored)).toBe(tat + 12_000_000);
    // AND the key expires when that TAT passes (48 s), not later
    const ttl = await admin.pttl(key);
    expect(ttl).toBeGreaterThan(47_000);
    expect(ttl).toBeLessThanOrEqual(48_000);
  });

  test('long or unusual identities are hashed into the key', async () => {
    const limiter = new RateLimiter(store, config());
    expect(limiter.keyFor({ id: 'abc-123' }, 'read')).toBe('rl:v1:read:abc-123');
    const key = limiter.keyFor({ id: 'x'.repeat(500) + ' \r\n*' }, 'read');
    expect(key).toMatch(/^rl:v1:read:h:[A-Za-z0-9_-]{43}$/);
    expect(() => limiter.keyFor({ id: '' }, 'read')).toThrow(/non-empty/);
  });
});

describe('RateLimiter when Redis is unreachable or slow', () => {
  async function outageLimiter(port: number, metrics: CountingMetrics): Promise<{ limiter: RateLimiter; close: () => void }> {
    const s = await createRedisRateLimitStore({ host: '127.0.0.1', port, tls: false, connectTimeoutMs: 200 });
    const limiter = new RateLimiter(s, config({ firstCallTimeoutMs: 50 }), { metrics });
    return { limiter, close: () => s.client.disconnect() };
  }

  async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
    const t0 = performance.now();
    const r = await f();
    return [r, performance.now() - t0];
  }

  test('nothing listening: reads fail open, writes and auth fail closed (503 + Retry-After), within the timeout, with metrics', async () => {
    const metrics = new CountingMetrics();
    const { limiter, close } = await outageLimiter(await freePort(), metrics);
    try {
      const [read, tRead] = await timed(() => limiter.check(someone(), 'read'));
      const [write, tWrite] = await timed(() => limiter.check(someone(), 'write'));
      const [auth, tAuth] = await timed(() => limiter.check(someone(), 'auth'));
      expect(read).toMatchObject({ allowed: true, failure: { mode: 'open' } });
      expect(read.headers).toEqual({ 'RateLimit-Policy': '"read";q=20;w=60' });
      expect(write).toMatchObject({ allowed: false, statusCode: 503, retryAfterSeconds: 1, failure: { mode: 'closed' } });
      expect(write.headers['Retry-After']).toBe('1');
      expect(auth).toMatchObject({ allowed: false, statusCode: 503 });
      for (const t of [tRead, tWrite, tAuth]) expect(t).toBeLessThan(200);
      expect(metrics.counts).toEqual({ RateLimiterUnavailable: 3, RateLimiterFailOpen: 1, RateLimiterFailClosed: 2 });
      const res = errorResponse(await limiter.enforce(someone(), 'write').catch((e: unknown) => e));
      expect(res.statusCode).toBe(503);
      expect(res.headers['Retry-After']).toBe('1');
    } finally {
      close();
    }
  });

  test('a server that accepts but never answers: the 50 ms deadline decides (elapsed < 200 ms)', async () => {
    // GIVEN a TCP server that swallows everything (a stalled Redis)
    const sockets: Socket[] = [];
    const black: Server = createServer((s) => { sockets.push(s); s.on('data', () => undefined); });
    const port = await freePort();
    await new Promise<void>((r) => black.listen(port, '127.0.0.1', r));
    const metrics = new CountingMetrics();
    const { limiter, close } = await outageLimiter(port, metrics);
    try {
      const [write, t] = await timed(() => limiter.check(someone(), 'write'));
      expect(write).toMatchObject({ allowed: false, statusCode: 503, failure: { mode: 'closed', reason: 'timeout' } });
      expect(t).toBeGreaterThanOrEqual(45);
      expect(t).toBeLessThan(200);
      const [read, t2] = await timed(() => limiter.check(someone(), 'read'));
      expect(read).toMatchObject({ allowed: true, failure: { mode: 'open', reason: 'timeout' } });
      expect(t2).toBeLessThan(200);
    } finally {
      close();
      sockets.forEach((s) => s.destroy());
      await new Promise((r) => black.close(r));
    }
  });

  test('the server dies while in use: checks apply the failure mode at once, and recover when it is back', async () => {
    // GIVEN a limiter warmed up on its own server
    const own = await startRedis();
    const metrics = new CountingMetrics();
    const s = await createRedisRateLimitStore({ host: own.host, port: own.port, tls: false });
    const limiter = new RateLimiter(s, config(), { metrics });
    try {
      const who = someone();
      expect((await limiter.check(who, 'write')).allowed).toBe(true);
      // WHEN the server stops
      await own.stop();
      await new Promise((r) => setTimeout(r, 50));
      const [write, t] = await timed(() => limiter.check(who, 'write'));
      const [read] = await timed(() => limiter.check(who, 'read'));
      // THEN writes are refused (503) and reads pass, each within the budget
      expect(write.statusCode).toBe(503);
      expect(read.allowed).toBe(true);
      expect(t).toBeLessThan(200);
      expect(metrics.counts.RateLimiterUnavailable).toBe(2);
      // WHEN a server is back on the same port, THEN the limiter recovers on its own
      const back = await startRedis({ port: own.port });
      try {
        await new Promise((r) => setTimeout(r, 500));
        let d = await limiter.check(who, 'write');
        for (let i = 0; i < 20 && d.failure; i++) {
          await new Promise((r) => setTimeout(r, 100));
          d = await limiter.check(who, 'write');
        }
        expect(d.allowed).toBe(true);
        expect(d.failure).toBeUndefined();
      } finally {
        await back.stop();
      }
    } finally {
      s.client.disconnect();
    }
  });
});

describe('deadlines (one timer for all pending checks)', () => {
  test('only the checks Redis does not answer in time fail; answered ones are never cut', async () => {
    // GIVEN a store that answers every identity except "slow-*" (never answers); its reply is the script's for an allowed
    // request whose TAT is 6 s ahead: 9 left of write's 10 per minute, 18 of read's 20
    const store: RateLimitStore = {
      evalsha: (_sha, keys) => (keys[0].includes(':slow-') ? new Promise(() => undefined) : Promise.resolve(6_000_000)),
      scriptLoad: async () => 'ok',
    };
    const limiter = new RateLimiter(store, config({ timeoutMs: 50, firstCallTimeoutMs: 50 }));
    // WHEN fast and slow checks interleave, in two waves
    const t0 = performance.now();
    const wave = () => Promise.all(Array.from({ length: 20 }, (_, i) => limiter.check({ id: i % 2 ? `slow-${i}` : `fast-${i}` }, i % 4 < 2 ? 'read' : 'write')));
    const first = await wave();
    const second = await wave();
    const elapsed = performance.now() - t0;
    // THEN each slow check fails after its own 50 ms (read: open, write: closed) and each fast one passes
    for (const d of [...first, ...second]) {
      if (d.failure) expect(d.failure.reason).toBe('timeout');
    }
    expect([...first, ...second].filter((d) => d.failure)).toHaveLength(20);
    expect([...first, ...second].filter((d) => !d.failure && d.allowed && d.remaining === (d.routeClass === 'write' ? 9 : 18))).toHaveLength(20);
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(300);
  });
});

describe('replies the script cannot give', () => {
  test.each([
    ['zero', 0],
    ['a fraction', 1.5],
    ['more than the burst capacity', 60_000_001],
    ['a string', '60'],
    ['the earlier four-value array', [1, 9, 0, 6_000_000]],
    ['nothing', null],
  ])('%s: the class failure mode decides (write closed, read open), never a wrong budget', async (_name, reply) => {
    const metrics = new CountingMetrics();
    const limiter = new RateLimiter({ evalsha: async () => reply, scriptLoad: async () => 'ok' }, config(), { metrics });
    expect(await limiter.check({ id: 'a' }, 'write')).toMatchObject({ allowed: false, statusCode: 503, failure: { mode: 'closed', reason: 'error' } });
    expect(await limiter.check({ id: 'a' }, 'read')).toMatchObject({ allowed: true, failure: { mode: 'open', reason: 'error' } });
    expect(metrics.counts.RateLimiterUnavailable).toBe(2);
  });

  test('a store that throws at once, and a failure path that throws (a broken metrics sink), reject no check silently', async () => {
    const throwing: RateLimitStore = { evalsha: () => { throw new Error('socket gone'); }, scriptLoad: async () => 'ok' };
    expect(await new RateLimiter(throwing, config()).check({ id: 'a' }, 'write')).toMatchObject({ statusCode: 503, failure: { reason: 'error' } });
    const broken = { addMetric: () => { throw new Error('metrics sink down'); } };
    await expect(new RateLimiter(throwing, config(), { metrics: broken }).check({ id: 'a' }, 'write')).rejects.toThrow('metrics sink down');
  });
});

describe('DeadlineQueue', () => {
  test('settled entries leave the front as new ones come, so the queue stays as long as the checks in flight', () => {
    // White-box: a queue that kept every settled entry until its deadline held a second of checks (and their closures) at
    // full load; the throughput bench lost 40 % to the garbage collector.
    const queue = new DeadlineQueue(60_000);
    const inFlight: Deadline[] = [];
    for (let i = 0; i < 100_000; i++) {
      const entry: Deadline = { done: false, at: 0, expire: () => undefined };
      queue.add(entry);
      inFlight.push(entry);
      if (inFlight.length > 64) inFlight.shift()!.done = true;
    }
    const internal = queue as unknown as { queue: Deadline[]; head: number };
    expect(internal.queue.length - internal.head).toBeLessThanOrEqual(65);
    expect(internal.queue.length).toBeLessThanOrEqual(64 + 1026);
    for (const e of inFlight) e.done = true;
  });

  test('an entry not settled in time expires once, with a RateLimitTimeoutError', async () => {
    const queue = new DeadlineQueue(20);
    const errors: unknown[] = [];
    const late: Deadline = { done: false, at: 0, expire: (err) => errors.push(err) };
    const settled: Deadline = { done: false, at: 0, expire: (err) => errors.push(err) };
    queue.add(late);
    queue.add(settled);
    settled.done = true;
    await new Promise((r) => setTimeout(r, 60));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RateLimitTimeoutError);
    expect(late.done).toBe(true);
  });
});

describe('routeClassOf', () => {
  test('auth routes, reads and writes', () => {
    expect(routeClassOf('POST', '/auth/token')).toBe('auth');
    expect(routeClassOf('POST', '/auth/refresh')).toBe('auth');
    expect(routeClassOf('GET', '/notes')).toBe('read');
    expect(routeClassOf('get', '/notes/1')).toBe('read');
    expect(routeClassOf('POST', '/notes')).toBe('write');
    expect(routeClassOf('DELETE', '/notes/1')).toBe('write');
    expect(routeClassOf('POST', '/authors')).toBe('write');
  });
});

describe('defaults', () => {
  test('reads fail open; auth and writes fail closed', () => {
    expect(DEFAULT_RATE_LIMIT_CONFIG.classes.read.onFailure).toBe('open');
    expect(DEFAULT_RATE_LIMIT_CONFIG.classes.write.onFailure).toBe('closed');
    expect(DEFAULT_RATE_LIMIT_CONFIG.classes.auth.onFailure).toBe('closed');
  });
});
