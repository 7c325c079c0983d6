/**
 * The production store: an ioredis client tuned for a limiter that must never
 * stall the API (per-command timeout, no offline queue once connected, fast
 * reconnect), TLS with certificate and host-name verification, and ElastiCache
 * IAM authentication with a token refreshed before it expires.
 */
import { Redis, RedisOptions } from 'ioredis';
import type { RateLimitStore } from './limiter';
import { elastiCacheIamTokenProvider, ElastiCacheIamTokenOptions } from './iam-token';
import { RateLimiter, RateLimiterOptions } from './limiter';
import { rateLimitConfigFromEnv } from './config';
import { RevocationList, RevocationStore } from '../revocation';

/** Options of {@link createRedisRateLimitStore}. */
export interface RedisRateLimitStoreOptions {
  readonly host: string;
  /** @default 6379 */
  readonly port?: number;
  /**
   * TLS with certificate verification against the host name. Only a local test server turns it off.
   * @default true
   */
  readonly tls?: boolean;
  /**
   * ElastiCache IAM authentication (the user id is also the AUTH user name).
   * @default - no AUTH (local test servers only)
   */
  readonly iamAuth?: ElastiCacheIamTokenOptions;
  /**
   * Per-command timeout in milliseconds: a backstop that frees a hung command. The tight budget is the
   * limiter's own per-check deadline (`timeoutMs`, 50 ms), which also covers the script reload.
   * @default 1000
   */
  readonly commandTimeoutMs?: number;
  /**
   * Connection timeout in milliseconds.
   * @default 1000
   */
  readonly connectTimeoutMs?: number;
  /** Extra ioredis options (tests). Cannot turn TLS verification off. */
  readonly redisOptions?: Omit<RedisOptions, 'tls' | 'password' | 'username'>;
}

/** An ioredis-backed {@link RateLimitStore}; `client` is exposed for shutdown (`quit()`) and health checks. */
export interface RedisRateLimitStore extends RateLimitStore {
  readonly client: Redis;
}

/** Tokens live 15 minutes; sign a new one for future (re)connections after 10. */
const TOKEN_REFRESH_MS = 10 * 60 * 1000;

/**
 * Creates the client and connects at once (at cold start, outside the request
 * path; resolves when ready or after the connect timeout). Commands wait in the offline queue only until the first
 * connection is ready; after that, while disconnected, they fail immediately so the
 * limiter applies its failure mode without waiting.
 */
export async function createRedisRateLimitStore(options: RedisRateLimitStoreOptions): Promise<RedisRateLimitStore> {
  const tokenProvider = options.iamAuth ? elastiCacheIamTokenProvider(options.iamAuth) : undefined;
  const password = tokenProvider ? await tokenProvider() : undefined;
  let tokenAt = Date.now();
  const client = new Redis({
    host: options.host,
    port: options.port ?? 6379,
    ...(options.tls ?? true ? { tls: { servername: options.host, rejectUnauthorized: true, minVersion: 'TLSv1.2' } } : {}),
    ...(options.iamAuth ? { username: options.iamAuth.userId, password } : {}),
    commandTimeout: options.commandTimeoutMs ?? 1000,
    connectTimeout: options.connectTimeoutMs ?? 1000,
    maxRetriesPerRequest: 0,
    // The limiter's user may not run INFO (least privilege); `ready` follows AUTH directly.
    enableReadyCheck: false,
    enableOfflineQueue: true,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    ...options.redisOptions,
  });
  client.once('ready', () => {
    (client.options as RedisOptions).enableOfflineQueue = false;
  });
  client.on('error', () => {
    // Errors surface through the commands (and the limiter's failure mode); without a listener Node would crash.
  });
  // Connect now (cold start), bounded by the connect timeout; if the server is not there, the client keeps
  // reconnecting in the background and checks apply their failure mode meanwhile.
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, (options.connectTimeoutMs ?? 1000) + 50);
    client.once('ready', done);
    client.once('end', done);
    function done(): void {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('end', done);
      resolve();
    }
  });
  const refreshToken = (): void => {
    if (!tokenProvider || Date.now() - tokenAt < TOKEN_REFRESH_MS) return;
    tokenAt = Date.now();
    // Used by the next (re)connection; the live connection stays authenticated (ElastiCache ends it after 12 h, and it reconnects).
    tokenProvider().then((t) => { (client.options as RedisOptions).password = t; }, () => { tokenAt = 0; });
  };
  return {
    client,
    evalsha(sha, keys, args) {
      refreshToken();
      return client.evalsha(sha, keys.length, ...keys, ...args);
    },
    scriptLoad(script) {
      return client.script('LOAD', script);
    },
  };
}

/** The revocation list's two commands on the limiter's connection (same TLS, IAM auth and failure behaviour). */
export function revocationStoreOf(client: Redis): RevocationStore {
  return {
    get: (key) => client.get(key),
    setex: (key, value, ttlSeconds) => client.set(key, value, 'EX', ttlSeconds),
  };
}

/** The shared cache of a handler: one connection for the rate limiter and the revocation list (keys under one prefix). */
export interface SharedCache {
  readonly rateLimiter: RateLimiter;
  readonly revocations: RevocationList;
}

/**
 * The rate limiter and the revocation list of a Lambda handler, on one connection, from the environment that
 * `IdentityRateLimiter.clientEnvironment()` sets (see {@link rateLimiterFromEnv}). Call once per container.
 */
export async function sharedCacheFromEnv(env: Record<string, string | undefined>, options: RateLimiterOptions = {}): Promise<SharedCache> {
  const need = (name: string): string => {
    const v = env[name];
    if (!v) throw new Error(`${name} is not set. Fix: add IdentityRateLimiter.clientEnvironment() to the function's environment.`);
    return v;
  };
  const host = need('RATE_LIMIT_REDIS_HOST');
  const store = await createRedisRateLimitStore({
    host,
    port: Number(env.RATE_LIMIT_REDIS_PORT ?? 6379),
    tls: true,
    iamAuth: { cacheName: need('RATE_LIMIT_CACHE_NAME'), userId: need('RATE_LIMIT_USER_ID'), region: need('AWS_REGION'), serverless: true },
  });
  const config = rateLimitConfigFromEnv(env);
  const keyPrefix = env.RATE_LIMIT_KEY_PREFIX ?? config.keyPrefix;
  return {
    rateLimiter: new RateLimiter(store, { ...config, keyPrefix }, options),
    revocations: new RevocationList(revocationStoreOf(store.client), { keyPrefix, metrics: options.metrics, logger: options.logger }),
  };
}

/**
 * The limiter of a Lambda handler, from the environment that
 * `IdentityRateLimiter.clientEnvironment()` sets (RATE_LIMIT_REDIS_HOST, RATE_LIMIT_REDIS_PORT,
 * RATE_LIMIT_CACHE_NAME, RATE_LIMIT_USER_ID, RATE_LIMIT_KEY_PREFIX; AWS_REGION from the runtime;
 * optional RATE_LIMIT_CONFIG JSON). TLS with verification and IAM authentication are always on.
 * Call once per container (module scope) and reuse the promise.
 */
export async function rateLimiterFromEnv(env: Record<string, string | undefined>, options: RateLimiterOptions = {}): Promise<RateLimiter> {
  return (await sharedCacheFromEnv(env, options)).rateLimiter;
}
