/**
 * Reaching the database as the master user: the master secret's credentials, and a connection retried while an
 * auto-paused Aurora cluster resumes but not when retrying cannot help (authentication, TLS verification).
 */
import type { BootstrapConfig } from './config';
import { BootstrapError, errorName, pgMessage } from './errors';

/** A connected PostgreSQL session (a `pg.Client` fits). */
export interface SqlClient {
  connect(): Promise<unknown>;
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

/** How to reach the database; the factory adds verified TLS. */
export interface ConnectionOptions {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
}

/** Structured log without values that could be secret. */
export type BootstrapLog = (message: string, fields?: Record<string, unknown>) => void;

/** The master user's credentials. */
export interface MasterCredentials {
  readonly username: string;
  readonly password: string;
}

/** What {@link connectWithRetry} needs besides the configuration. */
export interface ConnectDeps {
  readonly createClient: (options: ConnectionOptions) => SqlClient;
  readonly connectAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Reads the master secret's JSON text; neither the text nor the password ever appears in an error. */
export function parseCredentials(text: string): MasterCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BootstrapError('read master secret', 'the master secret is not JSON.');
  }
  const p = parsed as { username?: unknown; password?: unknown };
  if (typeof p?.username !== 'string' || typeof p?.password !== 'string' || p.username.length === 0 || p.password.length === 0) {
    throw new BootstrapError('read master secret', 'the master secret has no username/password fields.');
  }
  return { username: p.username, password: p.password };
}

/** Connects, retrying with exponential backoff (2 s, 4 s, 8 s, at most 15 s) unless the failure is permanent. */
export async function connectWithRetry(
  config: BootstrapConfig, credentials: MasterCredentials, deps: ConnectDeps, redact: (m: string) => string, log: BootstrapLog,
): Promise<SqlClient> {
  const attempts = deps.connectAttempts ?? 4;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const client = deps.createClient({ host: config.host, port: config.port, database: config.database, user: credentials.username, password: credentials.password });
    try {
      await client.connect();
      return client;
    } catch (err) {
      last = err;
      await client.end().catch(() => undefined);
      if (isPermanent(err) || attempt === attempts) break;
      log('connection failed, retrying', { attempt, error: errorName(err) });
      await sleep(Math.min(2000 * 2 ** (attempt - 1), 15000));
    }
  }
  throw new BootstrapError('connect', `${redact(pgMessage(last))} (host ${config.host}:${config.port}, database ${config.database}, TLS verified against the Amazon RDS CAs).`);
}

/** Errors that retrying cannot fix: authentication, authorization, TLS verification. */
function isPermanent(err: unknown): boolean {
  const code = (err as { code?: string } | undefined)?.code ?? '';
  return code.startsWith('28') || code === '3D000' || /certificate|self[- ]signed|altname|hostname|does not support SSL/i.test(pgMessage(err));
}
