/**
 * `npm run bench -- redis-script`: the server time of the rate limiter's GCRA script against the peer's script
 * (rate-limiter-flexible's `incrTtlLuaScript`, read from its installed source) and against the least any
 * server-clock GCRA must do: `TIME`, `GET` of the TAT and a `SET` of the new TAT with its expiry, with no Lua
 * arithmetic at all. Figures are `usec_per_call` of `INFO commandstats` (server time only, so the client's speed does
 * not count), over 64 existing keys like the rate-limiter section, interleaved rounds, medians.
 */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import Redis from 'ioredis';
import { GCRA_SCRIPT } from '../lambda/shared/rate-limit/script';
import { startRedis } from '../test/integration/redis';
import { ensureRedisServer } from '../test/integration/services';
import { BenchRow, BenchSection, median } from './types';

const ROUNDS = Number(process.env.BENCH_SCRIPT_ROUNDS ?? 7);
const CALLS = 20_000;
const KEYS = 64;

/** rate-limiter-flexible's script, as the installed package defines it (its source joins lines with backslashes). */
function peerScript(): string {
  const source = readFileSync(require.resolve('rate-limiter-flexible/lib/RateLimiterRedis.js'), 'utf8');
  const m = /const incrTtlLuaScript = `([\s\S]*?)`;/.exec(source);
  if (m === null) throw new Error('incrTtlLuaScript not found in rate-limiter-flexible: the bench needs updating');
  return m[1].replace(/\\\n/g, '\n');
}

interface Script { readonly name: string; readonly lua: string; readonly args: (string | number)[]; readonly note: string }

const SCRIPTS: Script[] = [
  { name: 'GCRA script (the limiter)', lua: GCRA_SCRIPT, args: ['60', '60000000'], note: 'TIME, GET, SET PX, plus Lua parsing, arithmetic and formatting' },
  { name: 'rate-limiter-flexible script (the peer)', lua: '', args: [1, 60], note: 'SET NX EX, INCRBY, PTTL on an integer kept in place' },
  {
    name: 'floor: TIME + GET + SET PX only',
    lua: "redis.call('TIME')\nredis.call('GET', KEYS[1])\nredis.call('SET', KEYS[1], '1733000000000000', 'PX', 60000)\nreturn 1\n",
    args: [],
    note: 'the commands a server-clock GCRA cannot do without, with constants: no Lua arithmetic',
  },
  {
    name: 'reference: GET + SET PX (no server clock)',
    lua: "redis.call('GET', KEYS[1])\nredis.call('SET', KEYS[1], '1733000000000000', 'PX', 60000)\nreturn 1\n",
    args: [],
    note: 'what dropping TIME would save; not an option: the Lambdas\' clocks would then decide the limit',
  },
];

async function serverMicros(client: Redis, sha: string, args: (string | number)[], prefix: string): Promise<number> {
  await client.config('RESETSTAT');
  for (let done = 0; done < CALLS; done += 1000) {
    const pipeline = client.pipeline();
    for (let i = 0; i < 1000; i++) pipeline.evalsha(sha, 1, `${prefix}:${(done + i) % KEYS}`, ...args);
    await pipeline.exec();
  }
  const stats = await client.info('commandstats');
  const m = /cmdstat_evalsha:calls=\d+,usec=\d+,usec_per_call=([\d.]+)/.exec(stats);
  if (m === null) throw new Error('no evalsha statistics');
  return Number(m[1]);
}


async function run(): Promise<BenchRow[]> {
  const service = ensureRedisServer({ log: (line) => console.error(line) });
  if (!service.available) return [{ name: 'skipped: no redis-server', note: service.fix }];
  const redis = await startRedis({ cpu: os.cpus().length > 1 ? 1 : undefined });
  const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const scripts = SCRIPTS.map((s) => (s.lua === '' ? { ...s, lua: peerScript() } : s));
    const shas = await Promise.all(scripts.map((s) => client.script('LOAD', s.lua) as Promise<string>));
    // Warm every key of every script once, so all rounds update existing keys (the steady state of a limiter).
    for (let k = 0; k < scripts.length; k++) await serverMicros(client, shas[k], scripts[k].args, `s${k}`);
    const samples: number[][] = scripts.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (let j = 0; j < scripts.length; j++) {
        const k = (j + r) % scripts.length;
        samples[k].push(await serverMicros(client, shas[k], scripts[k].args, `s${k}`));
      }
    }
    const peer = median(samples[1]);
    return scripts.map((s, k) => ({
      name: `server µs per call: ${s.name}`,
      usPerOp: median(samples[k]),
      ratio: median(samples[k]) / peer,
      ratioOf: 'x peer script',
      note: s.note,
    }));
  } finally {
    client.disconnect();
    await redis.stop();
  }
}

export const redisScriptSection: BenchSection = { name: 'redis-script', run };
