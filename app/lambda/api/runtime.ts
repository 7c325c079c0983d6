/**
 * Per-container wiring shared by the two entry points of the notes API
 * (handler.ts for API Gateway, alb.ts for the load balancer): one small
 * IAM-authenticated, TLS-verified pool and one app, built on first use, and
 * the Powertools logger and metrics around each request.
 *
 * Environment: DB_HOST, DB_PORT, DB_NAME, DB_USER (app_user), AWS_REGION (set by
 * the runtime); optionally the shared cache's RATE_LIMIT_* variables (rate limiter and revocation list). Only codes and statuses are logged: never a token, a body or a header.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { RdsAuthTokenSigner } from '../../../lambda/shared/aws-presign';
import { createIamPool, dbConfigFromEnv, rdsCaBundle } from '../../../lambda/shared/db';
import { logger, metrics } from '../../../lambda/shared/observability';
import { App, createApp } from './app';

let app: Promise<App> | undefined;

async function build(): Promise<App> {
  const config = dbConfigFromEnv(process.env);
  const signer = new RdsAuthTokenSigner({ hostname: config.host, port: config.port, username: config.user, region: config.region });
  const { pool } = createIamPool(config, signer, {
    ca: rdsCaBundle(config.region), // the function's Region's RDS roots only
    onIdleError: (err) => logger.warn('idle database connection lost', { code: err.code ?? err.name }),
  });
  // Per-caller throttling and the logout revocation check when the stack wires the shared cache (IdentityRateLimiter.clientEnvironment()).
  // The Redis client (ioredis) is loaded only then: a function without the cache never pays for it.
  const cache = process.env.RATE_LIMIT_REDIS_HOST ? await loadRedisStore().sharedCacheFromEnv(process.env, { logger: { warn: (m: string, ...x: object[]) => logger.warn(m, ...(x as Record<string, unknown>[])) }, metrics }) : undefined;
  return createApp({ pool, logger, ...(cache ? { rateLimiter: cache.rateLimiter, revocations: cache.revocations } : {}) });
}

/** The limiter's Redis adapter, required on first use (bundlers keep it in the bundle, evaluated only when called). */
function loadRedisStore(): typeof import('../../../lambda/shared/rate-limit/redis-store') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../../../lambda/shared/rate-limit/redis-store') as typeof import('../../../lambda/shared/rate-limit/redis-store');
}

/** The container's app (pool, optional rate limiter), created on the first request; a failed build is retried on the next. */
export function getApp(): Promise<App> {
  app ??= build().catch((err: unknown) => {
    app = undefined;
    throw err;
  });
  return app;
}

/** Runs one request with the Lambda context in the logs, a cold-start metric and status metrics. */
export async function observe<R extends { statusCode: number }>(context: Context | undefined, route: string, run: () => Promise<R>): Promise<R> {
  if (context) logger.addContext(context);
  metrics.captureColdStartMetric();
  const started = Date.now();
  try {
    const result = await run();
    metrics.addMetric(`Status${Math.floor(result.statusCode / 100)}xx`, MetricUnit.Count, 1);
    metrics.addMetric('Latency', MetricUnit.Milliseconds, Date.now() - started);
    logger.info('request', { route, status: result.statusCode, latencyMs: Date.now() - started });
    return result;
  } finally {
    metrics.publishStoredMetrics();
  }
}
