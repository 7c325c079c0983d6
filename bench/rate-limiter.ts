/**
 * Rate limiter: added latency per request against the floor (one bare PING
 * round trip on the same connection to the same redis-server) and throughput
 * against rate-limiter-flexible's RateLimiterRedis on the same connection,
 * interleaved round by round in one run. Goals: <= 1.25x PING; >= 1.05x the peer.
 * Diagnostic rows split the cost: the server's time per call (INFO commandstats), the client's CPU per request,
 * and the limiter's own JavaScript per check over an instant store.
 *
 * Runs inside `npm run bench` (section "rate-limiter") or alone:
 * `npx tsx bench/rate-limiter.ts`. Needs `redis-server` (Debian package): installed when missing and root with apt,
 * otherwise the section reports one skipped row naming the fix.
 */
import * as os from 'node:os';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { RateLimiter, RateLimiterConfig, RateLimitStore } from '../lambda/shared/rate-limit';
import { createRedisRateLimitStore, RedisRateLimitStore, revocationStoreOf } from '../lambda/shared/rate-limit/redis-store';
import { RevocationList } from '../lambda/shared/revocation';
import { startRedis } from '../test/integration/redis';
import { ensureRedisServer } from '../test/integration/services';
import { BenchRow, BenchSection, median } from './types';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const SEQ_OPS = 400;
const CONCURRENCY = 64;
const CONC_OPS = 4000;
const IDENTITIES = 1000;

interface Contender {
  readonly name: string;
  readonly op: (i: number) => Promise<unknown>;
}


/** One request at a time: ns per request (latency). */
async function sequential(c: Contender, offset: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < SEQ_OPS; i++) await c.op(offset + i);
  return Number(process.hrtime.bigint() - start) / SEQ_OPS;
}

/** CONCURRENCY requests in flight: ops per second (throughput). */
async function concurrent(c: Contender, offset: number): Promise<number> {
  let next = 0;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < CONC_OPS) await c.op(offset + next++);
  }));
  return CONC_OPS / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Runs the contenders interleaved (rotating order each round); returns per-round results for each. */
async function interleave(contenders: Contender[], measure: (c: Contender, offset: number) => Promise<number>): Promise<number[][]> {
  const out: number[][] = contenders.map(() => []);
  for (const c of contenders) await measure(c, 0); // warm-up: JIT, script cache
  for (let r = 0; r < ROUNDS; r++) {
    for (let k = 0; k < contenders.length; k++) {
      const i = (k + r) % contenders.length;
      out[i].push(await measure(contenders[i], (r + 1) * 100_000));
    }
  }
  return out;
}

/** The limiter's own CPU per check: a store that answers at once with a fixed reply (µs per check, median of 5 runs). */
async function limiterOwnCpu(config: RateLimiterConfig): Promise<number> {
  const reply = 60; // the script's reply for the first request of an identity: its TAT one interval ahead
  const limiter = new RateLimiter({ evalsha: async () => reply, scriptLoad: async () => 'ok' }, config);
  const ids = Array.from({ length: IDENTITIES }, (_, i) => `user-${i}`);
  const runs: number[] = [];
  for (let r = 0; r < 6; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 50_000; i++) await limiter.check({ id: ids[i % IDENTITIES] }, 'write');
    if (r > 0) runs.push(Number(process.hrtime.bigint() - start) / 50_000 / 1000);
  }
  return median(runs);
}

const FLOOD = 10_000;

/**
 * A flood of {@link FLOOD} requests from one identity ({@link CONCURRENCY} in flight) on a limit of 10 per minute:
 * Valkey calls spent on requests the script denied (the identity already over its limit), per such request.
 */
async function flood(store: RedisRateLimitStore, blockedEntries: number, run: number): Promise<{ share: number; calls: number; overLimit: number }> {
  let calls = 0;
  let deniedCalls = 0;
  const counting: RateLimitStore = {
    evalsha: async (sha, keys, args) => {
      calls++;
      const reply = await store.evalsha(sha, keys, args);
      if (typeof reply === 'number' && reply < 0) deniedCalls++;
      return reply;
    },
    scriptLoad: (script) => store.scriptLoad(script),
  };
  const policy = { default: { limit: 10, windowSeconds: 60 } };
  const limiter = new RateLimiter(counting, {
    classes: { auth: { ...policy, onFailure: 'closed' }, write: { ...policy, onFailure: 'closed' }, read: { ...policy, onFailure: 'open' } },
    timeoutMs: 1000, blockedEntries,
  });
  const who = { id: `flood-${process.pid}-${blockedEntries}-${run}` };
  let next = 0;
  let overLimit = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < FLOOD) if ((await limiter.check(who, 'write')).statusCode === 429) overLimit++;
  }));
  return { share: deniedCalls / overLimit, calls, overLimit };
}

async function run(): Promise<BenchRow[]> {
  // The same provisioning as `npm test` (installs Debian's package when root with apt); a missing server is a skipped row.
  const service = ensureRedisServer({ log: (line) => console.error(line) });
  if (!service.available) return [{ name: 'skipped: no redis-server', note: service.fix }];
  // The server gets its own core when there are two (the bench process is pinned to core 0).
  const redis = await startRedis({ cpu: os.cpus().length > 1 ? 1 : undefined });
  const store = await createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false });
  try {
    const generous = { default: { limit: 1_000_000, windowSeconds: 60 } };
    const config: RateLimiterConfig = { classes: {
      auth: { ...generous, onFailure: 'closed' }, write: { ...generous, onFailure: 'closed' }, read: { ...generous, onFailure: 'open' },
    }, timeoutMs: 1000 };
    const limiter = new RateLimiter(store, config);
    const peer = new RateLimiterRedis({ storeClient: store.client, points: 1_000_000, duration: 60, keyPrefix: 'rlflx' });
    const ids = Array.from({ length: IDENTITIES }, (_, i) => `user-${i}`);
    const ping: Contender = { name: 'PING round trip (floor)', op: () => store.client.ping() };
    const ours: Contender = {
      name: 'RateLimiter.check (GCRA, 1 EVALSHA)',
      op: async (i) => {
        const d = await limiter.check({ id: ids[i % IDENTITIES] }, 'write');
        if (d.failure) throw new Error('limiter failed during the bench');
      },
    };
    const theirs: Contender = { name: 'rate-limiter-flexible RateLimiterRedis.consume', op: (i) => peer.consume(ids[i % IDENTITIES]) };
    // The logout revocation check: one GET of the family's key (not revoked, the common case), and what the app runs per
    // request: the limiter's EVALSHA and that GET side by side on the one connection.
    const revocations = new RevocationList(revocationStoreOf(store.client), { timeoutMs: 1000 });
    await revocations.revoke('oj:revoked-family', 600);
    const families = Array.from({ length: IDENTITIES }, (_, i) => `oj:3f1c2d4e-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const revocation: Contender = { name: 'RevocationList.check (1 GET)', op: (i) => revocations.check(families[i % IDENTITIES], 'write') };
    const both: Contender = {
      name: 'RateLimiter.check + RevocationList.check side by side',
      op: async (i) => {
        const [d] = await Promise.all([limiter.check({ id: ids[i % IDENTITIES] }, 'write'), revocations.check(families[i % IDENTITIES], 'write')]);
        if (d.failure) throw new Error('limiter failed during the bench');
      },
    };

    const lat = await interleave([ping, ours, theirs, revocation, both], sequential);
    const thr = await interleave([ping, ours, theirs], concurrent);

    // Where the gap comes from: the server's time per call (INFO commandstats, reset before each contender: the script's own
    // work, independent of the client's scheduling) and the client's CPU per request (process.cpuUsage, 64 in flight).
    const diag = [ping, ours, theirs].map(() => ({ server: [] as number[], cpu: [] as number[] }));
    for (let r = 0; r < Math.max(3, Math.ceil(ROUNDS / 3)); r++) {
      for (let k = 0; k < 3; k++) {
        const i = (k + r) % 3;
        await store.client.config('RESETSTAT');
        const cpu0 = process.cpuUsage();
        await concurrent([ping, ours, theirs][i], (r + 1) * 1_000_000);
        const cpu = process.cpuUsage(cpu0);
        diag[i].cpu.push((cpu.user + cpu.system) / CONC_OPS);
        const stats = String(await store.client.info('commandstats'));
        diag[i].server.push(Number(/cmdstat_(?:ping|evalsha):calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(stats)?.[1] ?? NaN));
      }
    }
    const ownCpu = await limiterOwnCpu(config);
    const floods = [];
    for (let r = 0; r < 3; r++) floods.push({ on: await flood(store, 10_000, r), off: await flood(store, 0, r) });
    const on = median(floods.map((f) => f.on.share));
    const off = median(floods.map((f) => f.off.share));
    const floodNote = (f: { calls: number; overLimit: number }) => `${f.calls} Valkey calls for ${FLOOD} requests, ${f.overLimit} over the limit (10 per minute, ${CONCURRENCY} in flight)`;
    const ratio = (a: number[], b: number[]) => median(a.map((v, i) => v / b[i]));
    const us = (ns: number[]) => median(ns) / 1000;
    return [
      { name: `latency: ${ping.name}`, usPerOp: us(lat[0]), opsPerSec: 1e9 / median(lat[0]), ratio: 1, ratioOf: 'x PING' },
      { name: `latency: ${ours.name}`, usPerOp: us(lat[1]), opsPerSec: 1e9 / median(lat[1]), ratio: ratio(lat[1], lat[0]), ratioOf: 'x PING', note: 'goal <= 1.25x PING' },
      { name: `latency: ${theirs.name}`, usPerOp: us(lat[2]), opsPerSec: 1e9 / median(lat[2]), ratio: ratio(lat[2], lat[0]), ratioOf: 'x PING' },
      { name: `latency: ${revocation.name}`, usPerOp: us(lat[3]), opsPerSec: 1e9 / median(lat[3]), ratio: ratio(lat[3], lat[0]), ratioOf: 'x PING', note: 'logout revocation check alone' },
      { name: `latency: ${both.name}`, usPerOp: us(lat[4]), opsPerSec: 1e9 / median(lat[4]), ratio: ratio(lat[4], lat[1]), ratioOf: 'x limiter alone', note: 'per request in the app: the check\'s added latency' },
      { name: `throughput (${CONCURRENCY} in flight): PING`, opsPerSec: median(thr[0]), usPerOp: 1e6 / median(thr[0]) },
      { name: `throughput (${CONCURRENCY} in flight): ${ours.name}`, opsPerSec: median(thr[1]), usPerOp: 1e6 / median(thr[1]), ratio: ratio(thr[1], thr[2]), ratioOf: 'x peer', note: 'goal >= 1.05x peer' },
      { name: `throughput (${CONCURRENCY} in flight): ${theirs.name}`, opsPerSec: median(thr[2]), usPerOp: 1e6 / median(thr[2]), ratio: 1, ratioOf: 'x peer' },
      ...[ping, ours, theirs].map((c, i) => ({
        name: `diagnostic: ${c.name}: server µs per call, client CPU µs per request`, usPerOp: median(diag[i].server),
        note: `server ${median(diag[i].server).toFixed(2)} µs per ${i === 0 ? 'PING' : 'EVALSHA'} (INFO commandstats); client CPU ${median(diag[i].cpu).toFixed(2)} µs per request (${CONCURRENCY} in flight, ioredis included)`,
      })),
      {
        name: `flood of ${FLOOD} from one identity: Valkey calls per request already over the limit`, ratio: on, ratioOf: 'calls per request',
        note: `${(on * 100).toFixed(2)} %; goal <= 1 % (${on <= 0.01 ? 'met' : 'MISSED'}); ${floodNote(floods[0].on)}`,
      },
      { name: `flood of ${FLOOD}, blocked entries off (blockedEntries: 0)`, ratio: off, ratioOf: 'calls per request', note: floodNote(floods[0].off) },
      { name: 'diagnostic: RateLimiter.check over an instant store', usPerOp: ownCpu, note: 'the limiter\'s own JavaScript per check (key, policy, deadline, reply, headers), one at a time, no Redis client' },
    ];
  } finally {
    store.client.disconnect();
    await redis.stop();
  }
}

/** Section for bench/run.ts. */
export const rateLimiterSection: BenchSection = { name: 'rate-limiter', run };

if (require.main === module) {
  run().then((rows) => {
    for (const r of rows) {
      console.log(`${r.name.padEnd(78)} ${(r.usPerOp ?? 0).toFixed(1).padStart(8)} µs/op ${Math.round(r.opsPerSec ?? 0).toString().padStart(8)} ops/s ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)} ${r.ratioOf}`} ${r.note ?? ''}`);
    }
  }, (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
