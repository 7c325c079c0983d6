/**
 * The bootstrap's migrations on a real PostgreSQL: one history per application (two apps sharing a database each get
 * their migrations applied, each under its own lock), the upgrade from the shared `public.schema_migrations` table,
 * and the privilege check run again inside the migrations' transaction.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { Client } from 'pg';
import { BootstrapDeps, BootstrapError, bootstrapDatabase, ConnectionOptions, parseConfig, SqlClient } from '../../lambda/db-bootstrap/core';
import { Migration, MIGRATION_LOCK_CLASS, runMigrations } from '../../lambda/shared/migrate';
import { SecretCache } from '../../lambda/shared/secrets';
import { RunningPostgres, startPostgres } from '../integration/postgres';
import { failure } from '../helpers/failure';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-0456-AbCdEf';
const MASTER = 'dbadmin';
const MASTER_PASSWORD = 'Mst3r-Pa55w0rd-migrations-2b8e1d';
const sm = mockClient(SecretsManagerClient);

/** Two applications that share one database, each with its own role, tables and version-1 migration. */
const ORDERS: Migration[] = [{ version: 1, name: 'create orders', statements: ['CREATE TABLE public.orders (id int PRIMARY KEY)'] }];
const BILLING: Migration[] = [{ version: 1, name: 'create invoices', statements: ['CREATE TABLE public.invoices (id int PRIMARY KEY)'] }];

describe('bootstrap migrations on a real PostgreSQL', () => {
  let pg: RunningPostgres;
  const superuser = async (database: string): Promise<Client> => {
    const c = new Client({ host: pg.host, port: pg.port, user: pg.user, password: pg.password, database });
    await c.connect();
    return c;
  };
  const sql = async (database: string, ...statements: string[]): Promise<Record<string, unknown>[]> => {
    const c = await superuser(database);
    try {
      let rows: Record<string, unknown>[] = [];
      for (const s of statements) rows = (await c.query(s)).rows;
      return rows;
    } finally {
      await c.end();
    }
  };

  /** Databases of the finished tests are dropped: roles are cluster-wide, and CONNECT on another database is an extra privilege. */
  const created: string[] = [];
  afterEach(async () => { for (const db of created.splice(0)) await sql('postgres', `DROP DATABASE ${db} WITH (FORCE)`); });

  /** A database as Aurora provides it: rds_iam, a master user that is not a superuser. */
  async function database(name: string): Promise<string> {
    const db = await pg.createDatabase(name);
    created.push(db);
    await sql(db, `ALTER DATABASE ${db} OWNER TO ${MASTER}`, `GRANT ALL ON SCHEMA public TO ${MASTER}`);
    return db;
  }

  beforeAll(async () => {
    pg = await startPostgres();
    await sql('postgres', 'CREATE ROLE rds_iam NOLOGIN', `CREATE ROLE ${MASTER} LOGIN CREATEROLE PASSWORD '${MASTER_PASSWORD}'`,
      `GRANT rds_iam TO ${MASTER} WITH ADMIN OPTION`, `GRANT pg_read_all_data TO ${MASTER} WITH ADMIN OPTION`);
  }, 120_000);
  afterAll(async () => { await pg?.stop(); });
  beforeEach(() => {
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ SecretString: JSON.stringify({ username: MASTER, password: MASTER_PASSWORD }) });
  });

  /** One application's bootstrap, as its handler wires it (lambda/db-bootstrap/handler.ts). */
  const bootstrap = (db: string, appUser: string, migrations: readonly Migration[], tables: string[], extra: { migrationHistory?: string } = {}) => {
    const deps: BootstrapDeps = {
      readSecret: (arn) => new SecretCache({ client: new SecretsManagerClient({ region: 'eu-west-1' }), ttlMs: 0 }).getString(arn),
      createClient: (o: ConnectionOptions) => new Client({ ...o, host: pg.host, port: pg.port }) as unknown as SqlClient,
      migrate: (client, run) => runMigrations(client as never, migrations, run),
      schema: 'public',
      tablePrivileges: Object.fromEntries(tables.map((t) => [t, ['SELECT']])),
      sleep: async () => undefined,
    };
    return bootstrapDatabase({ host: 'db.cluster-x.eu-west-1.rds.amazonaws.com', port: pg.port, database: db, masterSecretArn: SECRET_ARN, appUser, ...extra }, deps);
  };
  const history = (db: string) => sql(db, 'SELECT app, version, name FROM public.schema_migration_history ORDER BY 1, 2');
  const tableExists = async (db: string, table: string) => (await sql(db, `SELECT to_regclass('public.${table}') IS NOT NULL AS e`))[0].e;

  describe('one history per application', () => {
    test('fails if the second application\'s version-1 migration is skipped as already applied (two apps, one database)', async () => {
      const db = await database('two_apps');
      await bootstrap(db, 'orders_app', ORDERS, ['orders']);
      await bootstrap(db, 'billing_app', BILLING, ['invoices']);
      expect(await tableExists(db, 'orders')).toBe(true);
      expect(await tableExists(db, 'invoices')).toBe(true);
      expect(await history(db)).toEqual([
        { app: 'billing_app', version: 1, name: 'create invoices' },
        { app: 'orders_app', version: 1, name: 'create orders' },
      ]);
      // ... and each app's next deploy, with its version 2, applies exactly that
      await bootstrap(db, 'billing_app', [...BILLING, { version: 2, name: 'invoice totals', statements: ['ALTER TABLE public.invoices ADD COLUMN total int'] }], ['invoices']);
      await bootstrap(db, 'orders_app', ORDERS, ['orders']);
      expect((await history(db)).map((r) => `${r.app}:${r.version}`)).toEqual(['billing_app:1', 'billing_app:2', 'orders_app:1']);
    }, 60_000);

    test('MigrationHistory names the history instead of the role (two apps that share one role)', async () => {
      const db = await database('named_history');
      await bootstrap(db, 'shared_role', ORDERS, ['orders'], { migrationHistory: 'orders' });
      await bootstrap(db, 'shared_role', BILLING, ['invoices'], { migrationHistory: 'billing' });
      expect((await history(db)).map((r) => `${r.app}:${r.version}`)).toEqual(['billing:1', 'orders:1']);
      expect(parseConfig({ DbHost: 'h', DbPort: '5432', DbName: 'app', AppUser: 'app_user', MasterSecretArn: SECRET_ARN, MigrationHistory: 'orders' }).migrationHistory).toBe('orders');
      expect(() => parseConfig({ DbHost: 'h', DbPort: '5432', DbName: 'app', AppUser: 'app_user', MasterSecretArn: SECRET_ARN, MigrationHistory: "x'; DROP" }))
        .toThrow(/MigrationHistory is not 1-63 lower-case letters/);
    }, 60_000);

    test('the lock is per application: one app migrates while another app\'s migration holds its lock', async () => {
      const db = await database('locks');
      await bootstrap(db, 'orders_app', ORDERS, ['orders']);
      // GIVEN a session that holds orders_app's lock (as a long migration of that app would)
      const holder = await superuser(db);
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, 'orders_app']);
      try {
        // WHEN orders_app deploys again and billing_app deploys
        let ordersDone = false;
        const orders = bootstrap(db, 'orders_app', [...ORDERS, { version: 2, name: 'o2', statements: ['ALTER TABLE public.orders ADD COLUMN n int'] }], ['orders'])
          .then(() => { ordersDone = true; });
        // THEN billing_app is not held up, while orders_app waits for its own lock
        await bootstrap(db, 'billing_app', BILLING, ['invoices']);
        expect(await tableExists(db, 'invoices')).toBe(true);
        expect(ordersDone).toBe(false);
        await holder.query('COMMIT');
        await orders;
        expect((await history(db)).map((r) => `${r.app}:${r.version}`)).toEqual(['billing_app:1', 'orders_app:1', 'orders_app:2']);
      } finally {
        await holder.end();
      }
    }, 60_000);
  });

  describe('upgrade from the shared public.schema_migrations', () => {
    /** A database as the previous version left it: one shared history, and orders_app's table. */
    async function legacy(name: string, rows: [number, string][]): Promise<string> {
      const db = await database(name);
      await sql(db, 'CREATE TABLE public.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
        ...rows.map(([v, n]) => `INSERT INTO public.schema_migrations (version, name, applied_at) VALUES (${v}, '${n}', '2026-01-02T03:04:05Z')`),
        'CREATE TABLE public.orders (id int PRIMARY KEY)', `ALTER TABLE public.orders OWNER TO ${MASTER}`, `ALTER TABLE public.schema_migrations OWNER TO ${MASTER}`);
      return db;
    }

    test('an application claims the old rows that match its migrations (version and name), and the empty old table is dropped', async () => {
      const db = await legacy('upgrade_one', [[1, 'create orders']]);
      // WHEN orders_app deploys with the new bootstrap THEN its version 1 is not run again (CREATE TABLE would fail)
      await bootstrap(db, 'orders_app', ORDERS, ['orders']);
      expect(await sql(db, 'SELECT app, version, name, applied_at FROM public.schema_migration_history')).toEqual([
        { app: 'orders_app', version: 1, name: 'create orders', applied_at: new Date('2026-01-02T03:04:05Z') },
      ]);
      expect(await tableExists(db, 'schema_migrations')).toBe(false);
    }, 60_000);

    test('the app whose version 1 the shared history skipped gets it applied; the other app\'s row waits for that app', async () => {
      const db = await legacy('upgrade_two', [[1, 'create orders']]);
      // WHEN billing_app deploys first THEN it does not take orders_app's row: its own version 1 runs
      await bootstrap(db, 'billing_app', BILLING, ['invoices']);
      expect(await tableExists(db, 'invoices')).toBe(true);
      expect(await sql(db, 'SELECT version, name FROM public.schema_migrations')).toEqual([{ version: 1, name: 'create orders' }]);
      // WHEN orders_app deploys THEN it claims its row and the old table goes
      await bootstrap(db, 'orders_app', ORDERS, ['orders']);
      expect((await history(db)).map((r) => `${r.app}:${r.version}`)).toEqual(['billing_app:1', 'orders_app:1']);
      expect(await tableExists(db, 'schema_migrations')).toBe(false);
    }, 60_000);
  });

  describe('privileges checked again after the migrations', () => {
    test('fails if a migration that grants app_user pg_read_all_data is kept (nothing of it remains, the error names the fix)', async () => {
      const db = await database('regrant');
      const migrations: Migration[] = [{ version: 1, name: 'widgets and a grant', statements: ['CREATE TABLE public.widgets (id int)', 'GRANT pg_read_all_data TO app_user'] }];
      // WHEN
      const err = await failure(bootstrap(db, 'app_user', migrations, []));
      // THEN the bootstrap failed at the check, naming the fix
      expect(err).toBeInstanceOf(BootstrapError);
      expect((err as BootstrapError).step).toBe('check application role privileges after migrations');
      expect(err.message).toMatch(/the migrations give role app_user more privileges than the API needs: it is a member of pg_read_all_data/);
      expect(err.message).toMatch(/Nothing of this run's migrations was kept .* Fix: remove the statements that give those privileges \(GRANT, .*\) from the migrations/);
      // AND nothing of the migration remains: no table, no history row, no membership
      expect(await tableExists(db, 'widgets')).toBe(false);
      expect(await sql(db, "SELECT count(*)::int AS n FROM public.schema_migration_history WHERE app = 'app_user'").catch(() => [{ n: 0 }])).toEqual([{ n: 0 }]);
      expect(await sql(db, "SELECT pg_has_role('app_user', 'pg_read_all_data', 'MEMBER') AS m")).toEqual([{ m: false }]);
      // WHEN the migration is fixed THEN it applies
      await bootstrap(db, 'app_user', [{ ...migrations[0], statements: ['CREATE TABLE public.widgets (id int)'] }], ['widgets']);
      expect(await tableExists(db, 'widgets')).toBe(true);
    }, 60_000);
  });
});
