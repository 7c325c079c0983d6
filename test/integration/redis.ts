import { ChildProcess, spawn } from 'child_process';
import { existsSync } from 'fs';
import { connect } from 'net';
import { freePort } from './net';
import { ensureRedisServer, findRedisServer } from './services';

/** A running, real redis-server (Debian package `redis-server`) on 127.0.0.1, no persistence. */
export interface RunningRedis {
  readonly host: string;
  readonly port: number;
  /** Stops the server (idempotent). */
  stop(): Promise<void>;
}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no` and
 * waits until it answers PING. Throws with the install hint when the binary is missing.
 */
export async function startRedis(options: { readonly port?: number; readonly extraArgs?: string[]; readonly cpu?: number } = {}): Promise<RunningRedis> {
  const bin = findRedisServer();
  if (bin === undefined) {
    const status = ensureRedisServer({ install: false });
    throw new Error(status.available ? 'redis-server disappeared while the run was starting.' : status.fix);
  }
  const port = options.port ?? (await freePort());
  // Benchmarks pin the server to its own core (the client process is pinned to another).
  const taskset = options.cpu !== undefined ? ['/usr/bin/taskset', '/bin/taskset'].find((p) => existsSync(p)) : undefined;
  const [cmd, pre] = taskset ? [taskset, ['-c', String(options.cpu), bin]] : [bin, []];
  const child: ChildProcess = spawn(cmd, [...pre,
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--loglevel', 'warning',
    ...(options.extraArgs ?? []),
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (exited) throw new Error(`redis-server exited before answering PING on port ${port}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not answer PING on port ${port} within 10 s`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    host: '127.0.0.1',
    port,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exit, new Promise((r) => { timer = setTimeout(r, 5000); })]);
      clearTimeout(timer);
      if (!exited) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}

/** Sends an inline PING and resolves true on `+PONG`. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => done(d.toString().startsWith('+PONG')));
  });
}
