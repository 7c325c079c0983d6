import type { APIGatewayProxyEvent } from 'aws-lambda';
import { RateLimiter, RateLimiterConfig } from '../../lambda/shared/rate-limit';
import { createRedisRateLimitStore, RedisRateLimitStore } from '../../lambda/shared/rate-limit/redis-store';
import { createHandler } from '../../app/lambda/session/handler';
import { RunningRedis, startRedis } from './redis';

/** Auth routes are limited per client in the shared Redis limiter, wired in the session handler, before the session core runs. */
describe('session endpoints with the shared rate limiter (real redis-server)', () => {
  let redis: RunningRedis;
  let store: RedisRateLimitStore;
  const config: RateLimiterConfig = {
    classes: {
      auth: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'closed' },
      write: { default: { limit: 10, windowSeconds: 60 }, onFailure: 'closed' },
      read: { default: { limit: 10, windowSeconds: 60 }, onFailure: 'open' },
    },
  };
  const env = {
    TOKEN_ENDPOINT: 'https://login.example.com/oauth2/token',
    REVOCATION_ENDPOINT: 'https://login.example.com/oauth2/revoke',
    CLIENT_ID: 'client',
    REDIRECT_URI: 'https://app.example.com/callback',
    ALLOWED_ORIGINS: 'https://app.example.com',
  };
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const event = (sourceIp: string): APIGatewayProxyEvent => ({
    httpMethod: 'POST', path: '/auth/token', resource: '/auth/token', body: '{}', isBase64Encoded: false,
    headers: { 'content-type': 'application/json' }, multiValueHeaders: {},
    requestContext: { identity: { sourceIp } },
  }) as unknown as APIGatewayProxyEvent;

  beforeAll(async () => {
    redis = await startRedis();
    store = await createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false });
  });
  afterAll(async () => {
    await store?.client.quit().catch(() => undefined);
    await redis?.stop();
  });

  test('the 4th request from one client in a window gets 429 with Retry-After; another client is unaffected', async () => {
    // GIVEN a handler with the limiter (auth: 3 per minute)
    const handler = createHandler(env, { logger: quiet, rateLimiter: new RateLimiter(store, config) });
    // WHEN one client sends 4 requests (rejected by the CSRF check, but counted first)
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await handler(event('203.0.113.7')));
    // THEN the first 3 reach the core (403 without Origin) and carry RateLimit headers; the 4th is limited
    expect(answers.slice(0, 3).map((a) => a.statusCode)).toEqual([403, 403, 403]);
    expect(answers[0].headers?.['RateLimit-Policy']).toMatch(/q=3;w=60/);
    expect(answers[3].statusCode).toBe(429);
    expect(answers[3].headers?.['Retry-After']).toMatch(/^\d+$/);
    expect(JSON.parse(answers[3].body).error.code).toBe('rate_limited');
    expect((await handler(event('198.51.100.9'))).statusCode).toBe(403);
  });

  test('when Redis is down, auth routes fail closed with 503', async () => {
    const down = await startRedis();
    const downStore = await createRedisRateLimitStore({ host: down.host, port: down.port, tls: false });
    await down.stop();
    const handler = createHandler(env, { logger: quiet, rateLimiter: new RateLimiter(downStore, config) });
    const answer = await handler(event('192.0.2.1'));
    expect(answer.statusCode).toBe(503);
    expect(answer.headers?.['Retry-After']).toBeDefined();
    await downStore.client.quit().catch(() => undefined);
    downStore.client.disconnect();
  });
});
