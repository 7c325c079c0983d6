/**
 * Reads Secrets Manager secrets by ARN with an in-memory TTL cache, so handlers
 * receive only a secret's ARN in their environment and fetch the value at run time.
 *
 * - Cache hit: no API call until the entry is `ttlMs` old (one fetch per container per TTL).
 * - Concurrent misses for one ARN share one request.
 * - Fails closed: when Secrets Manager fails (throttling, outage, access denied) and the
 *   entry has expired, the call throws {@link SecretUnavailableError}; an expired value is never served.
 * - Never logs or puts a secret value into an error message.
 *
 * Chosen over the Lambda Parameters and Secrets extension: no layer (nothing extra to patch or
 * bundle), no localhost HTTP hop or session-token header, the same code runs in tests with
 * aws-sdk-client-mock, and the cold-start cost is one GetSecretValue call either way.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/;

/** The secret could not be read (bad ARN, Secrets Manager error, or a binary/empty secret). Carries no secret value. */
export class SecretUnavailableError extends Error {
  /** Short machine-readable reason: `invalid-arn`, `fetch-failed`, `not-a-string`, `not-json`. */
  public readonly reason: string;
  constructor(reason: string, message: string) {
    super(message);
    this.name = 'SecretUnavailableError';
    this.reason = reason;
  }
}

/** The part of the SDK client the cache uses (a `SecretsManagerClient` fits). */
export interface SecretsManagerLike {
  send(command: GetSecretValueCommand): Promise<{ SecretString?: string }>;
}

/** Options of {@link SecretCache}. */
export interface SecretCacheOptions {
  /** The Secrets Manager client (module scope in handlers; a mocked client in tests). */
  readonly client: SecretsManagerLike;
  /**
   * How long a value is served from memory, in milliseconds. 0 disables caching.
   * @default 300000 (5 minutes: a rotated secret is picked up within 5 minutes)
   */
  readonly ttlMs?: number;
  /** Clock, for tests. @default Date.now */
  readonly now?: () => number;
}

interface Entry {
  readonly value: string;
  readonly fetchedAt: number;
}

/** A per-container cache of secret strings, keyed by ARN. */
export class SecretCache {
  private readonly client: SecretsManagerLike;
  private readonly ttlMs: number;
  private readonly now: () => number;
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();

  constructor(options: SecretCacheOptions) {
    this.client = options.client;
    this.ttlMs = options.ttlMs ?? 300_000;
    this.now = options.now ?? Date.now;
    if (!Number.isFinite(this.ttlMs) || this.ttlMs < 0) throw new RangeError(`ttlMs must be a non-negative number, got ${this.ttlMs}`);
  }

  /** The secret's string value. */
  public async getString(arn: string): Promise<string> {
    if (!SECRET_ARN.test(arn)) {
      throw new SecretUnavailableError('invalid-arn', 'Secret reference is not a Secrets Manager secret ARN; pass the ARN (never the value) in the *_SECRET_ARN variable.');
    }
    const entry = this.entries.get(arn);
    if (entry && this.now() - entry.fetchedAt < this.ttlMs) return entry.value;
    this.entries.delete(arn);
    const pending = this.inFlight.get(arn);
    if (pending) return pending;
    const request = this.fetch(arn).finally(() => this.inFlight.delete(arn));
    this.inFlight.set(arn, request);
    return request;
  }

  /** The secret's value parsed as a JSON object (for example `{ username, password }`). */
  public async getJson<T extends object = Record<string, unknown>>(arn: string): Promise<T> {
    const text = await this.getString(arn);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SecretUnavailableError('not-json', `Secret ${secretName(arn)} is not a JSON object.`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new SecretUnavailableError('not-json', `Secret ${secretName(arn)} is not a JSON object.`);
    }
    return parsed as T;
  }

  /** Forgets one cached value (or all), for example after the database rejected a rotated password. */
  public invalidate(arn?: string): void {
    if (arn === undefined) this.entries.clear();
    else this.entries.delete(arn);
  }

  private async fetch(arn: string): Promise<string> {
    let value: string | undefined;
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: arn }));
      value = out.SecretString;
    } catch (err) {
      const name = err instanceof Error ? err.name : 'UnknownError';
      throw new SecretUnavailableError('fetch-failed', `Secrets Manager did not return secret ${secretName(arn)} (${name}); failing closed.`);
    }
    if (typeof value !== 'string' || value.length === 0) {
      throw new SecretUnavailableError('not-a-string', `Secret ${secretName(arn)} has no string value.`);
    }
    if (this.ttlMs > 0) this.entries.set(arn, { value, fetchedAt: this.now() });
    return value;
  }
}

/** The name part of a secret ARN (safe to log: names are not secret). */
export function secretName(arn: string): string {
  return arn.split(':secret:')[1] ?? '(unknown)';
}

let defaultCache: SecretCache | undefined;

/** A module-scope cache with a default client, for Lambda handlers. */
export function defaultSecretCache(): SecretCache {
  defaultCache ??= new SecretCache({ client: new SecretsManagerClient({}) });
  return defaultCache;
}
