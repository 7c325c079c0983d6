import { Pool, type PoolConfig } from 'pg';
import { LeasedClients } from '../../lambda/shared/db';
import { RunningPostgres, startPostgres } from '../integration/postgres';

// One real PostgreSQL for this file; each test builds its own small pool, like a Lambda container's.
let pg: RunningPostgres;
let database: string;
const pools: Pool[] = [];

beforeAll(async () => {
  pg = await startPostgres();
  database = await pg.createDatabase('leased_clients');
});

afterAll(async () => {
  // Idle leases go back first: a pool's end() waits for every checked-out client, which a lease keeps up to its holdMs.
  leases.forEach((q) => q.releaseIdle());
  await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
  await pg?.stop();
});

function pool(options: PoolConfig = {}): Pool {
  const p = new Pool({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database, max: 2, ...options });
  p.on('error', () => undefined);
  pools.push(p);
  return p;
}

const leases: LeasedClients[] = [];
function leased(p: Pool, options: ConstructorParameters<typeof LeasedClients>[1]): LeasedClients {
  const q = new LeasedClients(p, options);
  leases.push(q);
  return q;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The server process behind the connection a statement ran on. */
async function backend(q: LeasedClients): Promise<number> {
  const { rows } = await q.query<{ pid: number }>({ name: 'leased_backend_pid', text: 'SELECT pg_backend_pid() AS pid' });
  return rows[0].pid;
}

describe('LeasedClients', () => {
  test('keeps its client between statements, one at a time, and never holds more clients than the pool has', async () => {
    // GIVEN a pool of two and leased clients in front of it
    const p = pool();
    const q = leased(p, { holdMs: 10_000 });
    // WHEN statements run one after the other; THEN they run on one connection, out of the pool
    const first = await backend(q);
    for (let i = 0; i < 5; i++) expect(await backend(q)).toBe(first);
    expect(p.idleCount).toBe(0);
    // WHEN eight run at once; THEN the pool's max still bounds the connections
    const pids = await Promise.all(Array.from({ length: 8 }, () => backend(q)));
    expect(new Set(pids).size).toBeLessThanOrEqual(2);
    expect(p.totalCount).toBeLessThanOrEqual(2);
    q.releaseIdle();
    expect(p.idleCount).toBe(p.totalCount);
  });

  test('fails if a connection in steady use outlives the pool\'s maxLifetimeSeconds by more than holdMs', async () => {
    // GIVEN a pool whose connections live one second, and a hold of 200 ms
    const q = leased(pool({ maxLifetimeSeconds: 1 }), { holdMs: 200 });
    const first = await backend(q);
    // WHEN statements keep coming back to back (the client is never idle, so only the hold's age can hand it back)
    const deadline = Date.now() + 1000 + 200 + 800;
    let replaced = false;
    while (!replaced && Date.now() < deadline) replaced = (await backend(q)) !== first;
    // THEN the expired connection was replaced (the pool only closes it when it gets it back)
    expect(replaced).toBe(true);
  });

  test('a failing statement hands its client back with the error: the pool closes it, the next statement gets another', async () => {
    const p = pool();
    const q = leased(p, { holdMs: 10_000 });
    const first = await backend(q);
    await expect(q.query({ text: 'SELECT * FROM no_such_table' })).rejects.toMatchObject({ code: '42P01' });
    expect(await backend(q)).not.toBe(first);
    expect(p.totalCount).toBe(1);
  });

  test('a held connection that breaks is reported and handed back; the next statement runs on a new one', async () => {
    // GIVEN a held idle client
    const p = pool();
    const errors: string[] = [];
    const q = leased(p, { holdMs: 10_000, onIdleError: (err) => errors.push(err.code ?? err.name) });
    const first = await backend(q);
    // WHEN the server ends its backend
    const admin = pool({ max: 1 });
    await admin.query('SELECT pg_terminate_backend($1)', [first]);
    for (let i = 0; i < 100 && errors.length === 0; i++) await sleep(20);
    // THEN the break was reported (no unhandled 'error'), and the next statement is served on a new connection
    expect(errors).toHaveLength(1);
    expect(await backend(q)).not.toBe(first);
  });

  test('a caller waiting on the pool gets the client as soon as the running statement ends, not after the hold', async () => {
    // GIVEN a pool of one, held for a minute
    const p = pool({ max: 1 });
    const q = leased(p, { holdMs: 60_000 });
    await backend(q);
    q.releaseIdle();
    // WHEN another caller asks the pool while a statement runs
    const running = q.query({ text: 'SELECT pg_sleep(0.2)' });
    await sleep(50);
    const started = Date.now();
    const other = await p.connect();
    other.release();
    await running;
    // THEN it got the client when that statement ended
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  test('pool.end() completes while a client is held, and no held client runs a statement after it', async () => {
    const p = pool();
    const q = leased(p, { holdMs: 300 });
    await backend(q);
    const started = Date.now();
    await p.end();
    expect(Date.now() - started).toBeLessThan(3_000);
    await expect(backend(q)).rejects.toThrow(/after calling end/);
  });

  test('refuses a hold that is not positive', () => {
    expect(() => new LeasedClients(pool(), { holdMs: 0 })).toThrow(/holdMs/);
  });
});
