import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { Client, Pool } from 'pg';
import { App, createApp, decodeCursor, encodeCursor, SQL, toHttpError } from '../../app/lambda/api/app';
import { HttpError } from '../../lambda/shared/http';
import { buildPolicy } from '../../lambda/authorizer/authorizer';
import { migrate } from '../../app/lambda/api/migrations';
import { NOTE_LIMITS } from '../../app/lambda/api/schemas';
import { RunningPostgres, startPostgres } from '../integration/postgres';

// ---------------------------------------------------------------------------
// Harness: one real PostgreSQL for this file, a pool like the Lambda's.
// ---------------------------------------------------------------------------

let pg: RunningPostgres;
let pool: Pool;
let app: App;
let database: string;
/** Every response this file receives, to check that none leaks internals. */
const responses: APIGatewayProxyResult[] = [];

interface Req {
  method?: string;
  path?: string;
  resource?: string;
  id?: string;
  body?: unknown;
  rawBody?: string | null;
  contentType?: string | null;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  multiQuery?: Record<string, string[]>;
  principal?: string | null;
  sub?: string;
  roles?: string;
  authorizer?: Record<string, unknown> | null;
  base64?: boolean;
}

function event(r: Req): APIGatewayProxyEvent {
  const headers: Record<string, string> = { ...(r.headers ?? {}) };
  const rawBody = r.rawBody !== undefined ? r.rawBody : r.body !== undefined ? JSON.stringify(r.body) : null;
  if (rawBody !== null && r.contentType !== null) headers['Content-Type'] = r.contentType ?? 'application/json';
  const authorizer = r.authorizer !== undefined ? r.authorizer : r.principal === null ? null : {
    principalId: r.principal ?? 'alice',
    ...(r.sub !== undefined ? { sub: r.sub } : {}),
    roles: r.roles ?? 'user',
  };
  const path = r.path ?? (r.id !== undefined ? `/notes/${r.id}` : '/notes');
  const resource = r.resource ?? (r.id !== undefined ? '/notes/{id}' : path);
  return {
    httpMethod: r.method ?? 'GET',
    path,
    resource,
    pathParameters: r.id !== undefined ? { id: r.id } : null,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
    queryStringParameters: r.query ?? null,
    multiValueQueryStringParameters: r.multiQuery ?? (r.query ? Object.fromEntries(Object.entries(r.query).map(([k, v]) => [k, [v]])) : null),
    body: r.base64 && rawBody !== null ? Buffer.from(rawBody).toString('base64') : rawBody,
    isBase64Encoded: r.base64 ?? false,
    stageVariables: null,
    requestContext: { authorizer, requestId: 'test' } as unknown as APIGatewayProxyEvent['requestContext'],
  };
}

async function call(r: Req, using: App = app): Promise<APIGatewayProxyResult & { json: any }> {
  const res = await using(event(r));
  responses.push(res);
  return Object.assign(res, { json: res.body === '' ? undefined : JSON.parse(res.body) });
}

async function create(title = 'a title', body = 'a body', tags?: string[], principal = 'alice'): Promise<any> {
  const res = await call({ method: 'POST', body: { title, body, ...(tags ? { tags } : {}) }, principal });
  expect(res.statusCode).toBe(201);
  return res.json;
}

/** A checksum of the whole notes table (and the list of tables), to prove a request changed nothing. */
async function checksum(): Promise<string> {
  const { rows } = await pool.query(`SELECT
    (SELECT md5(coalesce(string_agg(n::text, ',' ORDER BY id), '')) FROM notes n) AS notes,
    (SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public') AS tables`);
  return `${rows[0].notes}/${rows[0].tables}`;
}

beforeAll(async () => {
  pg = await startPostgres();
  database = await pg.createDatabase('notes_app');
  pool = new Pool({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database, max: 2, connectionTimeoutMillis: 2000 });
  const client = await pool.connect();
  try { await migrate(client); } finally { client.release(); }
  app = createApp({ pool });
});

afterAll(async () => {
  await pool?.end().catch(() => undefined);
  await pg?.stop();
});

// ---------------------------------------------------------------------------

describe('routes', () => {
  test('GET /health answers 200 without identity and without touching the database', async () => {
    const spy = jest.spyOn(Client.prototype, 'query');
    const res = await call({ path: '/health', resource: '/health', principal: null });
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual({ status: 'ok' });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  test('statements run on the pool\'s clients, which the no-query checks of this file watch', async () => {
    const spy = jest.spyOn(Client.prototype, 'query');
    expect((await call({})).statusCode).toBe(200);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
  });

  test('POST /notes creates a note owned by the caller and returns it with an ETag', async () => {
    const res = await call({ method: 'POST', body: { title: 'Groceries', body: 'milk\neggs', tags: ['home', 'todo-1'] } });
    expect(res.statusCode).toBe(201);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
      title: 'Groceries', body: 'milk\neggs', tags: ['home', 'todo-1'], version: 1,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      updatedAt: expect.any(String),
    });
    expect(res.headers?.ETag).toBe('"1"');
    const { rows } = await pool.query('SELECT owner FROM notes WHERE id = $1', [res.json.id]);
    expect(rows[0].owner).toBe('alice');
  });

  test('POST /notes accepts a base64-encoded body, tags omitted, and charset=utf-8', async () => {
    const res = await call({ method: 'POST', body: { title: 'é ✓', body: '' }, base64: true, contentType: 'application/json; charset=UTF-8' });
    expect(res.statusCode).toBe(201);
    expect(res.json).toMatchObject({ title: 'é ✓', body: '', tags: [] });
  });

  test('GET /notes/{id} returns the caller\'s note', async () => {
    const note = await create('read me');
    const res = await call({ id: note.id });
    expect(res.statusCode).toBe(200);
    expect(res.json).toEqual(note);
    expect(res.headers?.ETag).toBe('"1"');
  });

  test('GET /notes/{id} accepts an upper-case UUID', async () => {
    const note = await create('upper');
    expect((await call({ id: note.id.toUpperCase() })).statusCode).toBe(200);
  });

  test('PUT /notes/{id} updates only the given fields and bumps the version', async () => {
    const note = await create('before', 'keep me', ['x']);
    const res = await call({ method: 'PUT', id: note.id, body: { title: 'after' } });
    expect(res.statusCode).toBe(200);
    expect(res.json).toMatchObject({ id: note.id, title: 'after', body: 'keep me', tags: ['x'], version: 2, createdAt: note.createdAt });
    expect(res.headers?.ETag).toBe('"2"');
    const cleared = await call({ method: 'PUT', id: note.id, body: { tags: [], body: '' } });
    expect(cleared.json).toMatchObject({ title: 'after', body: '', tags: [], version: 3 });
  });

  test('PUT with If-Match applies only to the current version (optimistic concurrency): stale → 409', async () => {
    const note = await create('versioned');
    const ok = await call({ method: 'PUT', id: note.id, body: { body: 'v2' }, headers: { 'If-Match': '"1"' } });
    expect(ok.statusCode).toBe(200);
    const stale = await call({ method: 'PUT', id: note.id, body: { body: 'lost update' }, headers: { 'if-match': '"1"' } });
    expect(stale.statusCode).toBe(409);
    expect(stale.json.error.code).toBe('conflict');
    expect(stale.headers?.ETag).toBe('"2"');
    expect((await call({ id: note.id })).json.body).toBe('v2');
    expect((await call({ method: 'PUT', id: note.id, body: { body: 'v3' }, headers: { 'If-Match': '*' } })).statusCode).toBe(200);
  });

  test('two concurrent PUTs with the same If-Match: exactly one wins, the other gets 409 (no lost update)', async () => {
    const note = await create('race');
    const racers = await Promise.all(['left', 'right'].map((body) => call({ method: 'PUT', id: note.id, body: { body }, headers: { 'If-Match': '"1"' } })));
    expect(racers.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const winner = racers.find((r) => r.statusCode === 200)!;
    const stored = await call({ id: note.id });
    expect(stored.json).toMatchObject({ body: winner.json.body, version: 2 });
  });

  test('fails if If-Match is not a version', async () => {
    const note = await create('etag');
    const res = await call({ method: 'PUT', id: note.id, body: { body: 'x' }, headers: { 'If-Match': "1' OR '1'='1" } });
    expect(res.statusCode).toBe(400);
  });

  test('DELETE /notes/{id} deletes the caller\'s note (204), then it is gone (404)', async () => {
    const note = await create('delete me');
    const res = await call({ method: 'DELETE', id: note.id });
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect((await call({ id: note.id })).statusCode).toBe(404);
    expect((await call({ method: 'DELETE', id: note.id })).statusCode).toBe(404);
  });

  test('GET /notes lists only the caller\'s notes, newest first', async () => {
    await create('carol 1', 'x', undefined, 'carol');
    await create('carol 2', 'x', undefined, 'carol');
    await create('dave 1', 'x', undefined, 'dave');
    const res = await call({ principal: 'carol' });
    expect(res.statusCode).toBe(200);
    expect(res.json.items.map((n: any) => n.title)).toEqual(['carol 2', 'carol 1']);
    expect(res.json.nextCursor).toBeNull();
  });

  test('an unknown route is 404 and a wrong method 405 with Allow', async () => {
    expect((await call({ path: '/admin', resource: '/admin' })).statusCode).toBe(404);
    expect((await call({ path: '/notes/a/b', resource: '/{proxy+}' })).statusCode).toBe(404);
    const res = await call({ method: 'PATCH', path: '/notes', resource: '/notes' });
    expect(res.statusCode).toBe(405);
    expect(res.headers?.Allow).toBe('GET, POST');
    expect((await call({ method: 'POST', path: '/health', resource: '/health' })).statusCode).toBe(405);
  });

  test('routes by path when there is no resource template (ALB events)', async () => {
    const note = await create('by path');
    const res = await call({ id: note.id, resource: '' });
    expect(res.statusCode).toBe(200);
    expect((await call({ path: '/health', resource: '' })).statusCode).toBe(200);
  });

  test('statements are named prepared statements (prepared once per connection)', async () => {
    const single = new Pool({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database, max: 1 });
    try {
      const one = createApp({ pool: single });
      const note = await create('prepared');
      await call({ id: note.id }, one);
      await call({}, one);
      const { rows } = await single.query('SELECT name FROM pg_prepared_statements ORDER BY name');
      expect(rows.map((r) => r.name)).toEqual(expect.arrayContaining([SQL.getOwn.name, SQL.listFirst.name]));
    } finally {
      await single.end();
    }
  });
});

describe('identity (zero trust: the authorizer context only)', () => {
  test.each([
    ['no authorizer context', { principal: null }],
    ['an empty authorizer context', { authorizer: {} }],
    ['an empty principalId', { authorizer: { principalId: '', roles: 'user' } }],
    ['a non-string principalId', { authorizer: { principalId: 42, roles: 'user' } }],
    ['a principal with control characters', { authorizer: { principalId: 'alice\u0000', roles: 'user' } }],
    ['a principal longer than 256 characters', { authorizer: { principalId: 'a'.repeat(257), roles: 'user' } }],
    ['principalId and sub that disagree', { authorizer: { principalId: 'alice', sub: 'mallory', roles: 'user' } }],
  ])('fails if the request has %s (401)', async (_name, req) => {
    const before = await checksum();
    for (const r of [{ ...req }, { ...req, method: 'POST', body: { title: 't', body: 'b' } }]) {
      const res = await call(r as Req);
      expect(res.statusCode).toBe(401);
      expect(res.json).toEqual({ error: { code: 'unauthorized', message: 'Authentication required' } });
    }
    expect(await checksum()).toBe(before);
  });

  test('identity in headers or the body is ignored', async () => {
    const res = await call({ principal: null, headers: { 'X-User-Id': 'alice', Authorization: 'Bearer x' }, method: 'POST', body: { title: 't', body: 'b' } });
    expect(res.statusCode).toBe(401);
    const owner = await call({ method: 'POST', body: { title: 't', body: 'b', owner: 'bob' } });
    expect(owner.statusCode).toBe(400);
  });

  test('sub alone identifies the caller', async () => {
    const res = await call({ authorizer: { sub: 'sub-only', roles: 'user' }, method: 'POST', body: { title: 't', body: 'b' } });
    expect(res.statusCode).toBe(201);
    const { rows } = await pool.query('SELECT owner FROM notes WHERE id = $1', [res.json.id]);
    expect(rows[0].owner).toBe('sub-only');
  });

  test('the context the JWT authorizer really produces (principalId + sub + roles) is accepted as is', async () => {
    const arn = { partition: 'aws', region: 'eu-west-1', account: '123456789012', apiId: 'abc123', stage: 'prod' };
    const identity = { sub: 'c0ffee00-0000-4000-8000-000000000001', roles: ['user', 'bad,admin'], scopes: [], claims: {} };
    const result = buildPolicy(arn, identity, []);
    // API Gateway puts principalId and the context values side by side in requestContext.authorizer.
    const res = await call({ method: 'POST', body: { title: 't', body: 'b' }, authorizer: { principalId: result.principalId, ...result.context } });
    expect(res.statusCode).toBe(201);
    const { rows } = await pool.query('SELECT owner FROM notes WHERE id = $1', [res.json.id]);
    expect(rows[0].owner).toBe(identity.sub);
  });

  test.each([['no roles', ''], ['an unrelated role', 'guest,reader'], ['a role with odd characters', 'user;admin']])('fails if the caller has %s (403)', async (_n, roles) => {
    const res = await call({ roles });
    expect(res.statusCode).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
  });
});

describe('cross-user access is denied as not found (404, so ids do not leak)', () => {
  test('bob can neither read, update nor delete alice\'s note, and it stays unchanged', async () => {
    const note = await create('alice secret', 'private', ['secret']);
    const before = await checksum();
    expect((await call({ id: note.id, principal: 'bob' })).statusCode).toBe(404);
    const put = await call({ method: 'PUT', id: note.id, principal: 'bob', body: { title: 'pwned' } });
    expect(put.statusCode).toBe(404);
    const putVersioned = await call({ method: 'PUT', id: note.id, principal: 'bob', body: { title: 'pwned' }, headers: { 'If-Match': '"1"' } });
    expect(putVersioned.statusCode).toBe(404);
    expect((await call({ method: 'DELETE', id: note.id, principal: 'bob' })).statusCode).toBe(404);
    expect((await call({ principal: 'bob' })).json.items.map((n: any) => n.id)).not.toContain(note.id);
    expect(await checksum()).toBe(before);
    // The response for someone else's note equals the one for a note that does not exist.
    const missing = await call({ id: '00000000-0000-4000-8000-000000000000', principal: 'bob' });
    const foreign = await call({ id: note.id, principal: 'bob' });
    expect(foreign.body).toBe(missing.body);
  });
});

describe('admin', () => {
  test('admin may read and delete any note (moderation)', async () => {
    const note = await create('moderate me', 'x', undefined, 'erin');
    const read = await call({ id: note.id, principal: 'root', roles: 'user,admin' });
    expect(read.statusCode).toBe(200);
    expect(read.json.title).toBe('moderate me');
    expect((await call({ method: 'DELETE', id: note.id, principal: 'root', roles: 'admin' })).statusCode).toBe(204);
    expect((await call({ id: note.id, principal: 'erin' })).statusCode).toBe(404);
  });

  test('admin may not edit another user\'s note, and lists only their own', async () => {
    const note = await create('mine', 'x', undefined, 'frank');
    const before = await checksum();
    expect((await call({ method: 'PUT', id: note.id, principal: 'root2', roles: 'admin', body: { title: 'edited' } })).statusCode).toBe(404);
    expect(await checksum()).toBe(before);
    const list = await call({ principal: 'root2', roles: 'admin' });
    expect(list.json.items).toEqual([]);
  });

  test('the admin role comes only from the authorizer roles, not from a look-alike', async () => {
    const note = await create('not yours', 'x', undefined, 'gina');
    for (const roles of ['user,Admin', 'user,administrator', 'user, admins']) {
      expect((await call({ method: 'DELETE', id: note.id, principal: 'hank', roles })).statusCode).toBe(404);
    }
    expect((await call({ id: note.id, principal: 'gina' })).statusCode).toBe(200);
  });
});

describe('pagination', () => {
  test('pages through 23 notes with no duplicates and no gaps, newest first', async () => {
    const created: string[] = [];
    for (let i = 0; i < 23; i++) created.push((await create(`page ${i}`, 'x', undefined, 'pager')).id);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await call({ principal: 'pager', query: { limit: '5', ...(cursor ? { cursor } : {}) } });
      expect(res.statusCode).toBe(200);
      expect(res.json.items.length).toBeLessThanOrEqual(5);
      seen.push(...res.json.items.map((n: any) => n.id));
      cursor = res.json.nextCursor ?? undefined;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(5);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...created].reverse());
  });

  test('notes created in the same microsecond are neither skipped nor repeated (id breaks the tie)', async () => {
    await pool.query(`INSERT INTO notes (owner, title, created_at)
      SELECT 'twins', 'twin ' || g, '2026-01-01T00:00:00.123456Z'::timestamptz FROM generate_series(1, 7) g`);
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await call({ principal: 'twins', query: { limit: '2', ...(cursor ? { cursor } : {}) } });
      seen.push(...res.json.items.map((n: any) => n.id));
      cursor = res.json.nextCursor ?? undefined;
    } while (cursor);
    const { rows } = await pool.query("SELECT id FROM notes WHERE owner = 'twins' ORDER BY id DESC");
    expect(seen).toEqual(rows.map((r) => r.id));
  });

  test('the default page size is 20 and limit=100 is accepted', async () => {
    for (let i = 0; i < 21; i++) await create(`many ${i}`, 'x', undefined, 'many');
    const res = await call({ principal: 'many' });
    expect(res.json.items).toHaveLength(NOTE_LIMITS.listDefaultLimit);
    expect(res.json.nextCursor).toEqual(expect.any(String));
    expect((await call({ principal: 'many', query: { limit: '100' } })).json.items).toHaveLength(21);
    expect((await call({ principal: 'many', query: { limit: '1' } })).json.items).toHaveLength(1);
  });

  test('both list statements walk the (owner, created_at, id) index in order: no sort, no scan of other owners', async () => {
    const client = await pool.connect();
    try {
      // The table is small here; with sequential and bitmap scans off the planner shows whether the index fits the ORDER BY.
      await client.query('SET enable_seqscan = off');
      await client.query('SET enable_bitmapscan = off');
      for (const [stmt, values] of [
        [SQL.listFirst.text, ['pager', 6]],
        [SQL.listAfter.text, ['pager', '2026-01-01T00:00:00.000000Z', '00000000-0000-4000-8000-000000000000', 6]],
      ] as const) {
        const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${stmt}`, [...values]);
        const plan = JSON.stringify(rows[0]['QUERY PLAN']);
        expect(plan).toMatch(/"Index Name":"notes_owner_created_id_idx"/);
        expect(plan).not.toMatch(/"Node Type":"Sort"/);
        if (values.length === 4) expect(plan).toMatch(/"Index Cond":"\(\(owner = [^"]*\) AND \(ROW\(created_at, id\) < /);
      }
    } finally {
      await client.query('RESET ALL');
      client.release();
    }
  });

  test('a cursor is opaque base64url of a keyset position and round-trips', () => {
    const c = encodeCursor('2026-01-01T00:00:00.000001Z', '00000000-0000-4000-8000-000000000000');
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(c.length).toBeLessThanOrEqual(NOTE_LIMITS.cursorMaxLength);
    expect(decodeCursor(c)).toEqual({ createdAt: '2026-01-01T00:00:00.000001Z', id: '00000000-0000-4000-8000-000000000000' });
  });
});

describe('validation (before any query)', () => {
  const long = (n: number) => 'x'.repeat(n);
  const tooMany = Array.from({ length: 11 }, (_, i) => `t${i}`);

  test.each<[string, unknown]>([
    ['title is missing', { body: 'b' }],
    ['body is missing', { title: 't' }],
    ['title is empty', { title: '', body: 'b' }],
    ['title has 201 characters', { title: long(201), body: 'b' }],
    ['title is not a string', { title: 42, body: 'b' }],
    ['title contains a control character', { title: 'a\u0007b', body: 'b' }],
    ['title contains a line break', { title: 'a\nb', body: 'b' }],
    ['body has 10,001 characters', { title: 't', body: long(10_001) }],
    ['body contains NUL', { title: 't', body: 'a\u0000b' }],
    ['body is null', { title: 't', body: null }],
    ['tags has 11 items', { title: 't', body: 'b', tags: tooMany }],
    ['tags repeat', { title: 't', body: 'b', tags: ['a', 'a'] }],
    ['a tag has upper case', { title: 't', body: 'b', tags: ['Home'] }],
    ['a tag has 33 characters', { title: 't', body: 'b', tags: [long(33)] }],
    ['a tag is empty', { title: 't', body: 'b', tags: [''] }],
    ['a tag has a space', { title: 't', body: 'b', tags: ['a b'] }],
    ['a tag is not a string', { title: 't', body: 'b', tags: [1] }],
    ['tags is not an array', { title: 't', body: 'b', tags: 'a,b' }],
    ['there is an unknown field', { title: 't', body: 'b', extra: 1 }],
    ['it sets the owner', { title: 't', body: 'b', owner: 'bob' }],
    ['it sets the id', { title: 't', body: 'b', id: '00000000-0000-4000-8000-000000000000' }],
    ['it is __proto__ polluted', JSON.parse('{"title":"t","body":"b","__proto__":{"admin":true}}')],
    ['the body is an array', [{ title: 't', body: 'b' }]],
    ['the body is a string', 'title'],
    ['the body is null', null],
  ])('fails if POST /notes %s (400 validation_failed, no query)', async (_name, body) => {
    const spy = jest.spyOn(Client.prototype, 'query');
    const res = await call({ method: 'POST', body });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(res.statusCode).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'validation_failed', details: { field: expect.any(String), rule: expect.any(String) } });
  });

  test('the bounds themselves are accepted: 1 and 200 title characters, 10,000 body characters, 10 tags of 32 characters', async () => {
    const tags = Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(32, 'z'));
    expect((await call({ method: 'POST', body: { title: 'x', body: long(10_000), tags } })).statusCode).toBe(201);
    expect((await call({ method: 'POST', body: { title: long(200), body: '' } })).statusCode).toBe(201);
    // Lengths count characters, not bytes or UTF-16 units.
    expect((await call({ method: 'POST', body: { title: '😀'.repeat(200), body: '' } })).statusCode).toBe(201);
  });

  test.each<[string, unknown]>([
    ['is empty', {}],
    ['has an unknown field', { title: 't', version: 9 }],
    ['has a title of 201 characters', { title: long(201) }],
    ['has an empty title', { title: '' }],
    ['has a body of 10,001 characters', { body: long(10_001) }],
    ['has 11 tags', { tags: tooMany }],
    ['has a bad tag', { tags: ['DROP'] }],
  ])('fails if the PUT body %s (400, note unchanged)', async (_name, body) => {
    const note = await create('stable');
    const before = await checksum();
    const res = await call({ method: 'PUT', id: note.id, body });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.code).toBe('validation_failed');
    expect(await checksum()).toBe(before);
  });

  test.each([
    ['not a UUID', 'abc'],
    ['a UUID with a suffix', '00000000-0000-4000-8000-000000000000x'],
    ['a UUID without hyphens', '00000000000040008000000000000000'],
    ['a UUID with braces', '{00000000-0000-4000-8000-000000000000}'],
    ['empty', ''],
    ['a number', '1'],
    ['a path traversal', '..%2f..%2fetc'],
  ])('fails if the id is %s (400 on GET, PUT and DELETE)', async (_name, id) => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await call({ method, id, ...(method === 'PUT' ? { body: { title: 't' } } : {}) });
      expect(res.statusCode).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'validation_failed', details: { field: '/id' } });
    }
  });

  test.each<[string, Record<string, string>]>([
    ['limit is 0', { limit: '0' }],
    ['limit is 101', { limit: '101' }],
    ['limit is negative', { limit: '-1' }],
    ['limit has a leading zero', { limit: '01' }],
    ['limit is a decimal', { limit: '1.5' }],
    ['limit is not a number', { limit: 'ten' }],
    ['limit is empty', { limit: '' }],
    ['limit is huge', { limit: '99999999999999999999' }],
    ['cursor has characters outside base64url', { cursor: 'abc+/=' }],
    ['cursor is longer than 128 characters', { cursor: 'A'.repeat(129) }],
    ['cursor is base64url of garbage', { cursor: Buffer.from('hello world').toString('base64url') }],
    ['cursor has a bad timestamp', { cursor: Buffer.from('yesterday|00000000-0000-4000-8000-000000000000').toString('base64url') }],
    ['cursor has a bad id', { cursor: Buffer.from('2026-01-01T00:00:00.000000Z|nope').toString('base64url') }],
    ['cursor has an impossible date', { cursor: Buffer.from('2026-13-45T99:00:00.000000Z|00000000-0000-4000-8000-000000000000').toString('base64url') }],
    ['there is an unknown parameter', { owner: 'bob' }],
  ])('fails if the list query %s (400)', async (_name, query) => {
    const res = await call({ query });
    expect(res.statusCode).toBe(400);
    expect(res.json.error.code).toMatch(/^(validation_failed|bad_request)$/);
  });

  test('fails if a query parameter is repeated (parameter pollution)', async () => {
    const res = await call({ query: { limit: '5' }, multiQuery: { limit: ['5', '100'] } });
    expect(res.statusCode).toBe(400);
  });

  test.each([
    ['no Content-Type', null],
    ['text/plain', 'text/plain'],
    ['form data', 'application/x-www-form-urlencoded'],
    ['a look-alike type', 'application/jsonp'],
    ['another charset', 'application/json; charset=latin1'],
  ])('fails if a body comes with %s (415)', async (_name, contentType) => {
    const note = await create('ct');
    for (const r of [{ method: 'POST' }, { method: 'PUT', id: note.id }]) {
      const res = await call({ ...r, body: { title: 't', body: 'b' }, contentType });
      expect(res.statusCode).toBe(415);
      expect(res.json.error.code).toBe('unsupported_media_type');
    }
  });

  test('fails if the body is larger than the limit (413), before parsing', async () => {
    const big = JSON.stringify({ title: 't', body: 'x'.repeat(NOTE_LIMITS.maxBodyBytes) });
    const res = await call({ method: 'POST', rawBody: big });
    expect(res.statusCode).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
    const b64 = await call({ method: 'POST', rawBody: big, base64: true });
    expect(b64.statusCode).toBe(413);
  });

  test.each([
    ['truncated JSON', '{"title": "t", "body": '],
    ['single quotes', "{'title': 't'}"],
    ['trailing garbage', '{"title":"t","body":"b"} x'],
    ['deeply nested arrays', '['.repeat(20_000)],
  ])('fails if the body is malformed: %s (400)', async (_name, rawBody) => {
    const res = await call({ method: 'POST', rawBody });
    expect(res.statusCode).toBe(400);
    expect(res.json.error).toEqual({ code: 'bad_request', message: 'Request body is not valid JSON' });
  });

  test('fails if POST or PUT has no body (400)', async () => {
    expect((await call({ method: 'POST', rawBody: null })).statusCode).toBe(400);
    expect((await call({ method: 'POST', rawBody: '' })).statusCode).toBe(400);
  });
});

describe('SQL injection attempts leave the database unchanged', () => {
  const payloads = [
    "'; DROP TABLE notes; --",
    "' OR '1'='1",
    "1; DELETE FROM notes WHERE '1'='1",
    "x' UNION SELECT owner, title, body, tags, 1, '', '' FROM notes --",
    '$1); DELETE FROM notes; --',
    "\\'; TRUNCATE notes; --",
    "'); UPDATE notes SET owner = 'mallory'; --",
  ];

  beforeAll(async () => {
    await create('canary', 'must survive', ['canary'], 'victim');
  });

  test.each(payloads)('in title and body: stored verbatim as data, nothing else changes (%s)', async (payload) => {
    const before = await checksum();
    const res = await call({ method: 'POST', body: { title: payload, body: payload }, principal: 'attacker' });
    expect(res.statusCode).toBe(201);
    const read = await call({ id: res.json.id, principal: 'attacker' });
    expect(read.json).toMatchObject({ title: payload, body: payload });
    const others = await pool.query("SELECT md5(coalesce(string_agg(n::text, ',' ORDER BY id), '')) AS sum FROM notes n WHERE id <> $1", [res.json.id]);
    const all = before.split('/');
    // Every other row is exactly as before; the tables are the same.
    const { rows } = await pool.query("SELECT string_agg(tablename, ',' ORDER BY tablename) AS t FROM pg_tables WHERE schemaname = 'public'");
    expect(rows[0].t).toBe(all[1]);
    expect(others.rows[0].sum).toBe(all[0]);
    await pool.query('DELETE FROM notes WHERE id = $1', [res.json.id]);
    expect(await checksum()).toBe(before);
  });

  test.each(payloads)('in tags, the id, the cursor and the limit: 400 and no change (%s)', async (payload) => {
    const before = await checksum();
    const note = (await pool.query("SELECT id FROM notes WHERE owner = 'victim' LIMIT 1")).rows[0].id;
    const attempts: Req[] = [
      { method: 'POST', body: { title: 't', body: 'b', tags: [payload] }, principal: 'attacker' },
      { method: 'PUT', id: note, body: { tags: [payload] }, principal: 'victim' },
      { id: payload, principal: 'attacker' },
      { id: `${note}' OR '1'='1`, principal: 'attacker' },
      { method: 'PUT', id: payload, body: { title: 't' }, principal: 'attacker' },
      { method: 'DELETE', id: payload, principal: 'attacker' },
      { method: 'DELETE', id: `${note}'--`, principal: 'attacker' },
      { query: { cursor: payload }, principal: 'attacker' },
      { query: { cursor: Buffer.from(`2026-01-01T00:00:00.000000Z|${payload}`).toString('base64url').slice(0, 128) }, principal: 'attacker' },
      { query: { limit: payload }, principal: 'attacker' },
      { query: { limit: `1${payload}`.slice(0, 3) }, principal: 'attacker' },
    ];
    for (const a of attempts) {
      const res = await call(a);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
    expect(await checksum()).toBe(before);
  });

  test.each(payloads)('in the principal: only ever the caller\'s own (empty) data, nothing changes (%s)', async (payload) => {
    const before = await checksum();
    const note = (await pool.query("SELECT id FROM notes WHERE owner = 'victim' LIMIT 1")).rows[0].id;
    expect((await call({ principal: payload })).json.items).toEqual([]);
    expect((await call({ id: note, principal: payload })).statusCode).toBe(404);
    expect((await call({ method: 'PUT', id: note, principal: payload, body: { title: 'x' } })).statusCode).toBe(404);
    expect((await call({ method: 'DELETE', id: note, principal: payload })).statusCode).toBe(404);
    expect(await checksum()).toBe(before);
    // Stored verbatim as the owner when it creates a note.
    const res = await call({ method: 'POST', body: { title: 't', body: 'b' }, principal: payload });
    const { rows } = await pool.query('SELECT owner FROM notes WHERE id = $1', [res.json.id]);
    expect(rows[0].owner).toBe(payload);
    await pool.query('DELETE FROM notes WHERE id = $1', [res.json.id]);
  });

  test('the canary survived everything', async () => {
    const { rows } = await pool.query("SELECT title, body, tags FROM notes WHERE owner = 'victim'");
    expect(rows).toEqual([{ title: 'canary', body: 'must survive', tags: ['canary'] }]);
  });
});

describe('failures', () => {
  test('database down → 503 JSON with Retry-After and no driver text; recovers when it returns', async () => {
    const note = await create('survives outage');
    await pg.pause();
    try {
      for (const r of [{}, { id: note.id }, { method: 'POST', body: { title: 't', body: 'b' } }] as Req[]) {
        const res = await call(r);
        expect(res.statusCode).toBe(503);
        expect(res.json).toEqual({ error: { code: 'service_unavailable', message: 'Service temporarily unavailable; retry later', requestId: expect.any(String) } });
        expect(res.headers?.['Retry-After']).toBe('5');
        expect(res.headers?.['Strict-Transport-Security']).toBeDefined();
        expect(res.body).not.toMatch(/ECONN|127\.0\.0\.1|connect|postgres|terminat/i);
      }
    } finally {
      await pg.start();
    }
    let res = await call({ id: note.id });
    // A pooled connection may still be found dead once; the next request is served.
    if (res.statusCode === 503) res = await call({ id: note.id });
    expect(res.statusCode).toBe(200);
    expect(res.json.title).toBe('survives outage');
  });

  test('an unexpected error becomes a generic 500 without its message', async () => {
    const fail = async () => { throw new Error('relation "notes" does not exist at SELECT * FROM notes'); };
    const client = { query: fail, on: () => client, removeListener: () => client, release: () => undefined };
    const broken = { query: fail, connect: async () => client, ending: false, waitingCount: 0, listenerCount: () => 1, on: () => undefined } as unknown as Pool;
    const res = await call({}, createApp({ pool: broken }));
    expect(res.statusCode).toBe(500);
    expect(res.json).toEqual({ error: { code: 'internal_error', message: 'Internal server error', requestId: expect.any(String) } });
  });

  test('database error codes map to safe statuses', () => {
    const e = (code: string) => Object.assign(new Error(`driver says ${code} SELECT secret`), { code });
    expect(toHttpError(e('23505')).statusCode).toBe(409);
    expect(toHttpError(e('40001')).statusCode).toBe(409);
    expect(toHttpError(e('40P01')).statusCode).toBe(409);
    expect(toHttpError(e('57P01')).statusCode).toBe(503);
    expect(toHttpError(e('08006')).statusCode).toBe(503);
    expect(toHttpError(e('53300')).statusCode).toBe(503);
    expect(toHttpError(e('28P01')).statusCode).toBe(503);
    expect(toHttpError(e('ECONNREFUSED')).headers['Retry-After']).toBe('5');
    expect(toHttpError(new Error('timeout exceeded when trying to connect')).statusCode).toBe(503);
    expect(toHttpError(e('22P02')).statusCode).toBe(400);
    expect(toHttpError(e('42P01')).statusCode).toBe(500);
    for (const code of ['23505', '57P01', '42P01']) expect(toHttpError(e(code)).message).not.toMatch(/SELECT|driver/);
  });

  test('the rate limiter sees the caller and the route class; its headers reach the response; a 429 passes through', async () => {
    const seen: Array<[string, string]> = [];
    const limiter = {
      enforce: async (identity: { id: string }, routeClass: 'read' | 'write') => {
        seen.push([identity.id, routeClass]);
        if (identity.id === 'greedy') throw new HttpError(429, 'rate_limited', 'Too many requests; retry later', { 'Retry-After': '2', RateLimit: '"write";r=0;t=2' });
        return { RateLimit: '"read";r=9;t=1', 'RateLimit-Policy': '"read";q=10;w=1' };
      },
    };
    const limited = createApp({ pool, rateLimiter: limiter });
    const ok = await call({ principal: 'zoe' }, limited);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject({ RateLimit: '"read";r=9;t=1', 'X-Content-Type-Options': 'nosniff' });
    const denied = await call({ principal: 'greedy', method: 'POST', body: { title: 't', body: 'b' } }, limited);
    expect(denied.statusCode).toBe(429);
    expect(denied.headers).toMatchObject({ 'Retry-After': '2', RateLimit: '"write";r=0;t=2' });
    expect(seen).toEqual([['zoe', 'read'], ['greedy', 'write']]);
    // Health is not limited; an unexpected limiter failure does not take the API down.
    const broken = createApp({ pool, rateLimiter: { enforce: async () => { throw new Error('redis down'); } } });
    expect((await call({ principal: 'zoe' }, broken)).statusCode).toBe(200);
  });
});

describe('every response', () => {
  test('carries the security headers and JSON content type', () => {
    expect(responses.length).toBeGreaterThan(100);
    for (const res of responses) {
      expect(res.headers).toMatchObject({
        'Strict-Transport-Security': expect.stringMatching(/max-age=\d+/),
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-store',
        'Content-Type': 'application/json; charset=utf-8',
      });
    }
  });

  test('no error response contains a stack trace, SQL text or a driver message', () => {
    const errors = responses.filter((r) => r.statusCode >= 400);
    expect(errors.length).toBeGreaterThan(50);
    for (const res of errors) {
      expect(res.body).not.toMatch(/\bat .+:\d+:\d+|\.ts\b|\bSELECT\b|\bINSERT\b|\bUPDATE\b|\bDELETE\b|\bFROM\b|relation|syntax|ECONN|pg_|duplicate key|violates/);
      const parsed = JSON.parse(res.body);
      expect(Object.keys(parsed)).toEqual(['error']);
      expect(parsed.error).toEqual(expect.objectContaining({ code: expect.any(String), message: expect.any(String) }));
    }
  });
});

// Compile-time: the shared rate limiter (lambda/shared/rate-limit) plugs into createApp as is.
export type SharedLimiterFits = import('../../lambda/shared/rate-limit').RateLimiter extends import('../../app/lambda/api/app').RateLimiter ? true : never;
const sharedLimiterFits: SharedLimiterFits = true;
void sharedLimiterFits;
