import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { API_SCHEMA, API_TABLE_PRIVILEGES, migrate, MIGRATIONS } from '../../app/lambda/api/migrations';
import { BootstrapDeps, BootstrapError, bootstrapDatabase, ConnectionOptions, handleEvent, parseConfig, parseSchemaSpec, SqlClient } from '../../lambda/db-bootstrap/core';
import { SecretCache } from '../../lambda/shared/secrets';
import { RunningPostgres, startPostgres } from '../integration/postgres';
import { failure } from '../helpers/failure';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-0123-AbCdEf';
const MASTER = 'dbadmin';
const MASTER_PASSWORD = 'Mst3r-Pa55w0rd-never-logged-7f3a9c';

const sm = mockClient(SecretsManagerClient);

describe('database bootstrap on a real PostgreSQL', () => {
  let pg: RunningPostgres;
  let database: string;
  const superuser = async (db = database): Promise<Client> => {
    const c = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database: db });
    await c.connect();
    return c;
  };

  beforeAll(async () => {
    pg = await startPostgres();
    database = await pg.createDatabase('app');
    // Simulate what Aurora provides: the rds_iam role, and a master user that is not a superuser (like rds_superuser's members).
    const c = await superuser();
    await c.query('CREATE ROLE rds_iam NOLOGIN');
    await c.query(`CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD '${MASTER_PASSWORD}'`);
    await c.query(`GRANT rds_iam TO ${MASTER} WITH ADMIN OPTION`);
    await c.query(`ALTER DATABASE app OWNER TO ${MASTER}`);
    // Older engines let everyone create in public; the bootstrap must take that away.
    await c.query('GRANT CREATE ON SCHEMA public TO PUBLIC');
    // Another schema whose table the app role must not read even though it may see the schema.
    await c.query('CREATE SCHEMA other');
    await c.query('GRANT USAGE ON SCHEMA other TO PUBLIC');
    await c.query("CREATE TABLE other.payroll (id int, salary int); INSERT INTO other.payroll VALUES (1, 100)");
    await c.end();
  }, 120_000);

  afterAll(async () => { await pg?.stop(); });
  beforeEach(() => {
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ username: MASTER, password: MASTER_PASSWORD, engine: 'postgres' }) });
  });

  const logs: string[] = [];
  const statements: string[] = [];
  const deps = (overrides: Partial<BootstrapDeps> = {}): BootstrapDeps => ({
    readSecret: (arn) => new SecretCache({ client: new SecretsManagerClient({ region: 'eu-west-1' }), ttlMs: 0 }).getString(arn),
    createClient: (o: ConnectionOptions) => {
      const client = new Client({ ...o, host: pg.host, port: pg.port });
      const recorder = client as unknown as SqlClient;
      const query = client.query.bind(client) as (t: string, v?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;
      recorder.query = (async (text: string, values?: unknown[]) => { statements.push(text); return query(text, values); }) as SqlClient['query'];
      return recorder;
    },
    migrate: (c, run) => migrate(c as never, MIGRATIONS, run),
    schema: API_SCHEMA,
    tablePrivileges: API_TABLE_PRIVILEGES,
    log: (m, f) => logs.push(JSON.stringify({ m, ...f })),
    sleep: async () => undefined,
    ...overrides,
  });
  const config = () => ({ host: 'db.cluster-x.eu-west-1.rds.amazonaws.com', port: pg.port, database, masterSecretArn: SECRET_ARN, appUser: 'app_user' });

  /** Everything the bootstrap controls, as plain data. */
  async function state(): Promise<unknown> {
    const c = await superuser();
    try {
      const q = async (sql: string) => (await c.query(sql)).rows;
      return {
        role: await q("SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin, rolpassword IS NULL AS nopass FROM pg_authid WHERE rolname = 'app_user'"),
        members: await q("SELECT g.rolname AS role FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = 'app_user' ORDER BY 1"),
        dbAcl: await q("SELECT datacl::text FROM pg_database WHERE datname = 'app'"),
        schemaAcl: await q("SELECT nspname, nspacl::text FROM pg_namespace WHERE nspname IN ('public', 'other') ORDER BY 1"),
        tableAcl: await q("SELECT n.nspname, c.relname, c.relacl::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'other') AND c.relkind = 'r' ORDER BY 1, 2"),
        migrations: await q('SELECT app, version, name FROM public.schema_migration_history ORDER BY 1, 2'),
      };
    } finally {
      await c.end();
    }
  }

  test('creates app_user with rds_iam and exactly the API table privileges, and reads the secret through Secrets Manager', async () => {
    // WHEN
    const res = await handleEvent({ RequestType: 'Create', ResourceProperties: {
      DbHost: 'db.cluster-x.eu-west-1.rds.amazonaws.com', DbPort: String(pg.port), DbName: database, MasterSecretArn: SECRET_ARN, AppUser: 'app_user',
    } }, deps());
    // THEN
    expect(res).toEqual({ PhysicalResourceId: 'db-bootstrap:app:app_user', Data: { AppUser: 'app_user' } });
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    const c = await superuser();
    try {
      const role = (await c.query("SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolpassword IS NULL AS nopass FROM pg_authid WHERE rolname = 'app_user'")).rows[0];
      expect(role).toEqual({ rolcanlogin: true, rolsuper: false, rolcreatedb: false, rolcreaterole: false, nopass: true });
      expect((await c.query("SELECT pg_has_role('app_user', 'rds_iam', 'MEMBER') AS m")).rows[0].m).toBe(true);
      const privs = (await c.query(`SELECT privilege_type FROM information_schema.role_table_grants
        WHERE grantee = 'app_user' AND table_schema = 'public' AND table_name = 'notes' ORDER BY 1`)).rows.map((r) => r.privilege_type);
      expect(privs).toEqual([...API_TABLE_PRIVILEGES.notes].sort());
      const other = (await c.query("SELECT count(*)::int AS n FROM information_schema.role_table_grants WHERE grantee = 'app_user' AND table_name <> 'notes'")).rows[0].n;
      expect(other).toBe(0);
      expect((await c.query("SELECT has_schema_privilege('public', 'public', 'CREATE') AS can")).rows[0].can).toBe(false);
      expect((await c.query("SELECT has_database_privilege('public', 'app', 'TEMP') AS can")).rows[0].can).toBe(false);
      expect((await c.query("SELECT has_database_privilege('app_user', 'app', 'CONNECT') AS can")).rows[0].can).toBe(true);
    } finally {
      await c.end();
    }
  }, 60_000);

  test('running twice changes nothing: same state, and no GRANT, REVOKE or role change is issued', async () => {
    await bootstrapDatabase(config(), deps());
    const before = await state();
    statements.length = 0;
    // WHEN
    await bootstrapDatabase(config(), deps());
    // THEN
    expect(await state()).toEqual(before);
    expect(statements.filter((s) => /^\s*(GRANT|REVOKE|CREATE ROLE|ALTER ROLE|CREATE INDEX|INSERT)/i.test(s))).toEqual([]);
  }, 60_000);

  test('the app role can use its table but cannot DROP it, CREATE in public, or read another schema', async () => {
    await bootstrapDatabase(config(), deps());
    const c = await superuser();
    try {
      await c.query('SET ROLE app_user');
      await c.query("INSERT INTO public.notes (owner, title) VALUES ('u1', 't')");
      expect((await c.query("SELECT count(*)::int AS n FROM public.notes WHERE owner = 'u1'")).rows[0].n).toBe(1);
      await expect(c.query('DROP TABLE public.notes')).rejects.toThrow(/must be owner/);
      await expect(c.query('TRUNCATE public.notes')).rejects.toThrow(/permission denied/);
      await expect(c.query('ALTER TABLE public.notes ADD COLUMN x int')).rejects.toThrow(/must be owner/);
      await expect(c.query('CREATE TABLE public.evil (id int)')).rejects.toThrow(/permission denied for schema public/);
      await expect(c.query('SELECT * FROM other.payroll')).rejects.toThrow(/permission denied for table payroll/);
      await expect(c.query('SELECT * FROM public.schema_migration_history')).rejects.toThrow(/permission denied/);
      await expect(c.query('CREATE ROLE sneaky')).rejects.toThrow(/permission denied/);
    } finally {
      await c.end();
    }
  }, 60_000);

  test('revokes privileges granted outside the contract (drift) and restores missing ones', async () => {
    await bootstrapDatabase(config(), deps());
    const c = await superuser();
    await c.query('GRANT TRUNCATE, REFERENCES ON public.notes TO app_user');
    await c.query('REVOKE DELETE ON public.notes FROM app_user');
    await c.query('GRANT SELECT ON public.schema_migration_history TO app_user');
    await c.end();
    // WHEN
    await bootstrapDatabase(config(), deps());
    // THEN
    const check = await superuser();
    try {
      const rows = (await check.query(`SELECT table_name, privilege_type FROM information_schema.role_table_grants
        WHERE grantee = 'app_user' ORDER BY 1, 2`)).rows.map((r) => `${r.table_name}:${r.privilege_type}`);
      expect(rows).toEqual(['notes:DELETE', 'notes:INSERT', 'notes:SELECT', 'notes:UPDATE']);
    } finally {
      await check.end();
    }
  }, 60_000);

  test('refuses to continue when an existing app_user is privileged', async () => {
    const c = await superuser();
    await c.query('CREATE ROLE app_admin LOGIN SUPERUSER');
    await c.end();
    await expect(bootstrapDatabase({ ...config(), appUser: 'app_admin' }, deps())).rejects.toThrow(/role app_admin exists with SUPERUSER/);
  }, 60_000);

  describe('refuses an app_user with more than the API needs (memberships, schema and database grants)', () => {
    /** Runs `setup` as the superuser, expects the bootstrap to refuse with `message` and change nothing, then runs `undo`. */
    async function expectRefused(setup: string[], message: RegExp, undo: string[]): Promise<void> {
      await bootstrapDatabase(config(), deps());
      const c = await superuser();
      try {
        for (const sql of setup) await c.query(sql);
        const before = await state();
        statements.length = 0;
        const err = await failure(bootstrapDatabase(config(), deps()));
        expect(err).toBeInstanceOf(BootstrapError);
        expect((err as BootstrapError).step).toBe('check application role privileges');
        expect(err.message).toMatch(message);
        expect(err.message).toMatch(/Fix: revoke those roles and privileges from app_user .* then redeploy\.$/);
        expect(statements.filter((s) => /^\s*(GRANT|REVOKE|ALTER|CREATE)/i.test(s))).toEqual([]);
        expect(await state()).toEqual(before);
      } finally {
        for (const sql of undo) await c.query(sql);
        await c.end();
      }
      // Once a person has removed the extra privileges, the bootstrap runs again.
      await bootstrapDatabase(config(), deps());
    }

    test.each(['pg_read_all_data', 'pg_write_all_data', 'pg_monitor'])('fails if app_user is a member of %s', async (role) => {
      await expectRefused([`GRANT ${role} TO app_user`], new RegExp(`role app_user has more privileges than the API needs: it is a member of ${role}[;,]`), [`REVOKE ${role} FROM app_user`]);
    }, 60_000);

    test('fails if app_user is a member of rds_superuser', async () => {
      await expectRefused(['CREATE ROLE rds_superuser NOLOGIN', 'GRANT rds_superuser TO app_user'], /it is a member of rds_superuser;/, ['DROP ROLE rds_superuser']);
    }, 60_000);

    test('fails if app_user reaches a privileged role through intermediate roles, naming the path', async () => {
      await expectRefused(
        ['CREATE ROLE team NOLOGIN', 'CREATE ROLE ops NOLOGIN', 'GRANT pg_write_all_data TO ops', 'GRANT ops TO team', 'GRANT team TO app_user'],
        /it is a member of team, ops \(via team > ops\), pg_write_all_data \(via team > ops > pg_write_all_data\);/,
        ['DROP ROLE team', 'DROP ROLE ops']);
    }, 60_000);

    test('fails if rds_iam itself was made a member of another role (app_user inherits it)', async () => {
      await expectRefused(['GRANT pg_read_all_data TO rds_iam'], /it is a member of pg_read_all_data \(via rds_iam > pg_read_all_data\)/, ['REVOKE pg_read_all_data FROM rds_iam']);
    }, 60_000);

    test.each([
      ['CREATE on the API schema', 'GRANT CREATE ON SCHEMA public TO app_user', 'REVOKE CREATE ON SCHEMA public FROM app_user', /CREATE on schema public/],
      ['USAGE on another schema', 'GRANT USAGE ON SCHEMA other TO app_user', 'REVOKE USAGE ON SCHEMA other FROM app_user', /USAGE on schema other/],
      ['a grant on a table of another schema', 'GRANT SELECT ON other.payroll TO app_user', 'REVOKE SELECT ON other.payroll FROM app_user', /SELECT on table other\.payroll/],
      ['CREATE and TEMPORARY on the database', 'GRANT CREATE, TEMPORARY ON DATABASE app TO app_user', 'REVOKE CREATE, TEMPORARY ON DATABASE app FROM app_user', /CREATE on database app, TEMPORARY on database app/],
      ['default privileges on future tables', 'ALTER DEFAULT PRIVILEGES IN SCHEMA other GRANT SELECT ON TABLES TO app_user', 'ALTER DEFAULT PRIVILEGES IN SCHEMA other REVOKE SELECT ON TABLES FROM app_user', /SELECT on default privileges other/],
      ['ownership of a schema', 'CREATE SCHEMA owned AUTHORIZATION app_user', 'DROP SCHEMA owned', /OWNER on schema owned/],
    ])('fails if app_user holds %s', async (_, grant, revoke, message) => {
      await expectRefused([grant], message, [revoke]);
    }, 60_000);
  });

  test('the secret never appears in logs or error messages', async () => {
    logs.length = 0;
    await bootstrapDatabase(config(), deps());
    // A failure whose driver message contains the password.
    const failing = deps({ migrate: async () => { throw new Error(`syntax error near "${MASTER_PASSWORD}"`); } });
    const err = await failure(bootstrapDatabase(config(), failing));
    expect(err).toBeInstanceOf(BootstrapError);
    expect(err.message).toMatch(/^Database bootstrap failed \(migrate\): syntax error near "\[REDACTED\]"$/);
    // A wrong password.
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ username: MASTER, password: `${MASTER_PASSWORD}-old` }) });
    const auth = await failure(bootstrapDatabase(config(), deps()));
    expect(auth.message).toMatch(/Database bootstrap failed \(connect\): password authentication failed for user "dbadmin" \[SQLSTATE 28P01\]/);
    for (const text of [...logs, err.message, auth.message, String(err.stack), String(auth.stack)]) {
      expect(text).not.toContain(MASTER_PASSWORD);
    }
    expect(logs.length).toBeGreaterThan(0);
  }, 60_000);

  test('fails closed with a clear message when Secrets Manager is throttling', async () => {
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(bootstrapDatabase(config(), deps())).rejects.toThrow(
      /^Database bootstrap failed \(read master secret\): SecretUnavailableError: could not read the master secret from Secrets Manager/);
  });

  test('Delete does nothing: no secret read, no connection', async () => {
    const createClient = jest.fn();
    const res = await handleEvent({ RequestType: 'Delete', PhysicalResourceId: 'db-bootstrap:app:app_user', ResourceProperties: {} }, deps({ createClient }));
    expect(res).toEqual({ PhysicalResourceId: 'db-bootstrap:app:app_user' });
    expect(createClient).not.toHaveBeenCalled();
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  test('the Lambda adapter requires TLS: a server without TLS is refused with a clear, single-line message', async () => {
    const { handler } = require('../../lambda/db-bootstrap/handler') as typeof import('../../lambda/db-bootstrap/handler');
    const err = await failure(handler({ RequestType: 'Create', ResourceProperties: {
      DbHost: '127.0.0.1', DbPort: String(pg.port), DbName: database, MasterSecretArn: SECRET_ARN, AppUser: 'app_user',
    } }));
    expect(err.message).toMatch(/^Database bootstrap failed \(connect\): The server does not support SSL connections/);
    expect(err.message).not.toMatch(/\n|\bat /);
    expect(err.message).not.toContain(MASTER_PASSWORD);
  }, 60_000);
});

describe('parseSchemaSpec: the migrations and table privileges come from the custom resource, not the bundle', () => {
  test('without them, no migration and no table privilege', () => {
    expect(parseSchemaSpec({})).toEqual({ migrations: [], tablePrivileges: {} });
  });

  test('reads the JSON properties the construct writes', () => {
    const migrations = [{ version: 1, name: 'a', statements: ['SELECT 1'] }, { version: 3, name: 'b', statements: ['SELECT 2'] }];
    const spec = parseSchemaSpec({ Migrations: JSON.stringify(migrations), TablePrivileges: JSON.stringify({ orders: ['SELECT'] }) });
    expect(spec.migrations).toEqual(migrations);
    expect({ ...spec.tablePrivileges }).toEqual({ orders: ['SELECT'] });
  });

  test.each([
    [{ Migrations: '{' }, /Migrations is not valid JSON/],
    [{ Migrations: '{}' }, /Migrations is not a list/],
    [{ Migrations: JSON.stringify([{ version: 2, name: 'a', statements: ['x'] }, { version: 1, name: 'b', statements: ['y'] }]) }, /Migrations\[1\] needs an integer version above the previous one/],
    [{ Migrations: JSON.stringify([{ version: 1, name: 'a', statements: [''] }]) }, /Migrations\[0\] needs/],
    [{ TablePrivileges: '[]' }, /TablePrivileges is not an object/],
    [{ TablePrivileges: JSON.stringify({ orders: 'SELECT' }) }, /TablePrivileges\.orders is not a list/],
    [{ Migrations: 5 }, /Migrations is not JSON text/],
  ])('fails if the properties are malformed (%#), before touching the database', (props, message) => {
    expect(() => parseSchemaSpec(props as Record<string, unknown>)).toThrow(message);
  });
});

describe('parseConfig', () => {
  const good = { DbHost: 'h.example.com', DbPort: '5432', DbName: 'app', MasterSecretArn: SECRET_ARN, AppUser: 'app_user' };
  test('accepts references only', () => {
    expect(parseConfig(good)).toEqual({ host: 'h.example.com', port: 5432, database: 'app', masterSecretArn: SECRET_ARN, appUser: 'app_user' });
  });
  test.each([
    [{ AppUser: 'app_user; DROP ROLE x' }, /AppUser is not a safe identifier/],
    [{ DbName: 'App"' }, /DbName is not a safe identifier/],
    [{ DbPort: '99999' }, /DbPort is not a TCP port/],
    [{ MasterSecretArn: 'my-password' }, /MasterSecretArn is not a Secrets Manager secret ARN/],
    [{ DbHost: 'h; rm' }, /DbHost is not a host name/],
    [{ DbHost: undefined }, /property DbHost is missing/],
  ])('fails if the properties are unsafe (%j)', (patch, message) => {
    expect(() => parseConfig({ ...good, ...patch })).toThrow(message);
  });
  test('fails if the table privileges ask for more than DML', async () => {
    await expect(bootstrapDatabase(parseConfig(good), {
      readSecret: async () => '{}', createClient: jest.fn(), migrate: jest.fn(), schema: 'public', tablePrivileges: { notes: ['SELECT', 'TRUNCATE'] },
    })).rejects.toThrow(/privilege "TRUNCATE" on notes is not allowed/);
  });
});
