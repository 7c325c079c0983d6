import type { APIGatewayProxyEvent } from 'aws-lambda';
import { Client, Pool } from 'pg';
import { createApp } from '../../app/lambda/api/app';
import { API_SCHEMA, API_TABLE_PRIVILEGES, MIGRATIONS, migrate } from '../../app/lambda/api/migrations';
import { RunningPostgres, startPostgres } from '../integration/postgres';

/** Everything the migrations can change, as one comparable value. */
async function catalogSnapshot(client: Client): Promise<unknown> {
  const q = async (text: string) => (await client.query(text)).rows;
  return {
    columns: await q(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`),
    indexes: await q("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname"),
    constraints: await q(`SELECT conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
      JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public' ORDER BY conname`),
    migrations: await q('SELECT app, version, name, applied_at FROM public.schema_migration_history ORDER BY app, version'),
  };
}

describe('notes schema migrations', () => {
  let pg: RunningPostgres;
  const clients: Client[] = [];
  const connect = async (database: string) => {
    const c = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database });
    await c.connect();
    clients.push(c);
    return c;
  };
  beforeAll(async () => { pg = await startPostgres(); });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await pg?.stop();
  });

  test('GIVEN an empty database WHEN migrate runs THEN notes, its pagination index and the migration record exist', async () => {
    const client = await connect(await pg.createDatabase('fresh'));
    await migrate(client);
    const cols = await client.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'notes' ORDER BY ordinal_position");
    expect(cols.rows.map((r) => r.column_name)).toEqual(['id', 'owner', 'title', 'body', 'tags', 'created_at', 'updated_at', 'version']);
    const idx = await client.query("SELECT indexdef FROM pg_indexes WHERE tablename = 'notes'");
    expect(idx.rows.map((r) => r.indexdef).join('\n')).toMatch(/\(owner, created_at DESC, id DESC\)/);
    const applied = await client.query('SELECT version FROM schema_migration_history ORDER BY version');
    expect(applied.rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
    // gen_random_uuid() default and version 1 on insert.
    const ins = await client.query("INSERT INTO notes (owner, title) VALUES ('u', 't') RETURNING id, version, tags, body");
    expect(ins.rows[0]).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), version: 1, tags: [], body: '' });
  });

  test('GIVEN a migrated database WHEN migrate runs twice more THEN nothing changes', async () => {
    const client = await connect(await pg.createDatabase('twice'));
    await migrate(client);
    const before = await catalogSnapshot(client);
    await migrate(client);
    await migrate(client);
    expect(await catalogSnapshot(client)).toEqual(before);
  });

  test('GIVEN two concurrent migrators WHEN both run THEN each migration is applied exactly once', async () => {
    const db = await pg.createDatabase('concurrent');
    const [a, b] = [await connect(db), await connect(db)];
    await Promise.all([migrate(a), migrate(b)]);
    const applied = await a.query('SELECT version, count(*)::int AS n FROM schema_migration_history GROUP BY version');
    expect(applied.rows.every((r) => r.n === 1)).toBe(true);
  });

  test('the table enforces the API bounds too (defence in depth)', async () => {
    const client = await connect(await pg.createDatabase('bounds'));
    await migrate(client);
    await expect(client.query("INSERT INTO notes (owner, title) VALUES ('u', '')")).rejects.toThrow(/check constraint/);
    await expect(client.query("INSERT INTO notes (owner, title) VALUES ('u', repeat('x', 201))")).rejects.toThrow(/check constraint/);
    await expect(client.query("INSERT INTO notes (owner, title, body) VALUES ('u', 't', repeat('x', 10001))")).rejects.toThrow(/check constraint/);
    await expect(client.query("INSERT INTO notes (owner, title, tags) VALUES ('u', 't', array_fill('a'::text, ARRAY[11]))")).rejects.toThrow(/check constraint/);
    await expect(client.query("INSERT INTO notes (owner, title) VALUES ('', 't')")).rejects.toThrow(/check constraint/);
  });

  test('a failing migration rolls back completely', async () => {
    const client = await connect(await pg.createDatabase('rollback'));
    const broken = { version: 999, name: 'broken', statements: ['CREATE TABLE public.half (x int)', 'SELECT * FROM missing_table'] };
    await expect(migrate(client, [...MIGRATIONS, broken])).rejects.toThrow(/missing_table/);
    const tables = await client.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
    expect(tables.rows).toEqual([]);
  });

  test('API_TABLE_PRIVILEGES are enough for every route, and nothing more is possible with them', async () => {
    const db = await pg.createDatabase('least_privilege');
    const admin = await connect(db);
    await migrate(admin);
    await admin.query("CREATE ROLE app_user LOGIN PASSWORD 'app-pass'");
    await admin.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    for (const [table, privileges] of Object.entries(API_TABLE_PRIVILEGES)) {
      expect(privileges.every((p) => /^(SELECT|INSERT|UPDATE|DELETE)$/.test(p))).toBe(true);
      expect(/^[a-z_]+$/.test(table)).toBe(true);
      await admin.query(`GRANT ${privileges.join(', ')} ON ${API_SCHEMA}.${table} TO app_user`);
    }
    const pool = new Pool({ host: pg.host, port: pg.port, user: 'app_user', password: 'app-pass', database: db, max: 1 });
    try {
      const app = createApp({ pool });
      const ev = (method: string, path: string, body?: unknown): APIGatewayProxyEvent => ({
        httpMethod: method, path, resource: '', pathParameters: null, headers: body ? { 'content-type': 'application/json' } : {}, multiValueHeaders: {},
        queryStringParameters: null, multiValueQueryStringParameters: null, body: body ? JSON.stringify(body) : null, isBase64Encoded: false, stageVariables: null,
        requestContext: { authorizer: { principalId: 'u1', roles: 'user' } } as unknown as APIGatewayProxyEvent['requestContext'],
      });
      const created = await app(ev('POST', '/notes', { title: 't', body: 'b' }));
      expect(created.statusCode).toBe(201);
      const id = JSON.parse(created.body).id;
      expect((await app(ev('GET', '/notes'))).statusCode).toBe(200);
      expect((await app(ev('GET', `/notes/${id}`))).statusCode).toBe(200);
      expect((await app(ev('PUT', `/notes/${id}`, { title: 'u' }))).statusCode).toBe(200);
      expect((await app(ev('DELETE', `/notes/${id}`))).statusCode).toBe(204);
      for (const forbidden of ['DROP TABLE notes', 'TRUNCATE notes', 'ALTER TABLE notes ADD COLUMN x int', 'SELECT * FROM schema_migration_history', 'CREATE TABLE evil (x int)']) {
        await expect(pool.query(forbidden)).rejects.toThrow(/permission denied|must be owner/);
      }
    } finally {
      await pool.end();
    }
  });

  test('the API user needs only DML on notes, in the public schema', () => {
    expect(API_SCHEMA).toBe('public');
    expect(API_TABLE_PRIVILEGES).toEqual({ notes: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] });
  });
});
