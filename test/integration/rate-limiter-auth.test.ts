import { spawnSync } from 'child_process';
import { createHash, createHmac } from 'crypto';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { createServer as createTlsServer } from 'tls';
import { Redis } from 'ioredis';
import { rateLimitAccessString } from '../../lib/constructs/identity-rate-limiter';
import { elastiCacheIamTokenProvider, RateLimiter } from '../../lambda/shared/rate-limit';
import { createRedisRateLimitStore, rateLimiterFromEnv } from '../../lambda/shared/rate-limit/redis-store';
import { freePort } from './net';
import { RunningRedis, startRedis } from './redis';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzEXAMPLE/token+=' };
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const IAM = { cacheName: 'notes-rl', userId: 'notes-rl-app', region: 'eu-west-1', credentials: async () => CREDS, now: () => NOW };

describe('ElastiCache IAM auth token', () => {
  test('is a SigV4-presigned connect request for the user on the serverless cache, valid 15 minutes, that verifies', async () => {
    // WHEN
    const token = await elastiCacheIamTokenProvider(IAM)();
    // THEN it names the cache (no scheme), the action, the user and the serverless resource type
    expect(token.startsWith('notes-rl/?')).toBe(true);
    const q = new URLSearchParams(token.slice('notes-rl/?'.length));
    expect(q.get('Action')).toBe('connect');
    expect(q.get('User')).toBe('notes-rl-app');
    expect(q.get('ResourceType')).toBe('ServerlessCache');
    expect(q.get('X-Amz-Expires')).toBe('900');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Credential')).toBe('AKIDEXAMPLE/20261128/eu-west-1/elasticache/aws4_request');
    expect(q.get('X-Amz-Date')).toBe('20261128T120000Z');
    expect(q.get('X-Amz-Security-Token')).toBe(CREDS.sessionToken);
    expect(q.get('X-Amz-SignedHeaders')).toBe('host');
    // AND the signature is the SigV4 signature recomputed independently here with node:crypto
    const enc = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonicalQuery = [...q.entries()].filter(([k]) => k !== 'X-Amz-Signature')
      .map(([k, v]) => [enc(k), enc(v)]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
    const canonicalRequest = ['GET', '/', canonicalQuery, 'host:notes-rl', '', 'host', createHash('sha256').update('').digest('hex')].join('\n');
    const scope = '20261128/eu-west-1/elasticache/aws4_request';
    const stringToSign = ['AWS4-HMAC-SHA256', '20261128T120000Z', scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    let key: Buffer = createHmac('sha256', `AWS4${CREDS.secretAccessKey}`).update('20261128').digest();
    for (const part of ['eu-west-1', 'elasticache', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    expect(q.get('X-Amz-Signature')).toBe(createHmac('sha256', key).update(stringToSign).digest('hex'));
  });

  test('omits ResourceType for a node-based replication group', async () => {
    const token = await elastiCacheIamTokenProvider({ ...IAM, serverless: false })();
    expect(new URLSearchParams(token.split('?')[1]).get('ResourceType')).toBeNull();
  });

  test('fails if the cache name or user id is not lowercase (ElastiCache IAM auth requires it)', () => {
    expect(() => elastiCacheIamTokenProvider({ ...IAM, cacheName: 'Notes' })).toThrow(/cacheName "Notes" must be lowercase/);
    expect(() => elastiCacheIamTokenProvider({ ...IAM, userId: 'App' })).toThrow(/userId "App" must be lowercase/);
  });
});

describe('the construct\'s ACL on a real redis-server, with the IAM token as the AUTH password', () => {
  let redis: RunningRedis;
  let admin: Redis;

  beforeAll(async () => {
    // GIVEN a server where, as on the cache, the default user is off and the limiter's user has the
    // construct's access string and (standing in for IAM) the token as its password
    redis = await startRedis();
    const token = await elastiCacheIamTokenProvider(IAM)();
    const boot = new Redis({ host: redis.host, port: redis.port });
    await boot.call('ACL', 'SETUSER', 'admin', 'on', '>admin-password-for-tests', '~*', '&*', '+@all');
    await boot.call('ACL', 'SETUSER', IAM.userId, 'reset', ...rateLimitAccessString('rl:v1').split(' '), `>${token}`);
    await boot.call('ACL', 'SETUSER', 'default', 'off');
    boot.disconnect();
    admin = new Redis({ host: redis.host, port: redis.port, username: 'admin', password: 'admin-password-for-tests' });
  });

  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  test('the limiter works with exactly these permissions (EVALSHA, SCRIPT LOAD, the script\'s GET/SET/TIME)', async () => {
    const store = await createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false, iamAuth: IAM });
    try {
      await admin.script('FLUSH');
      const limiter = new RateLimiter(store, { classes: {
        auth: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'closed' },
        write: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'closed' },
        read: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'open' },
      } });
      const decisions = await Promise.all([1, 2, 3, 4, 5].map(() => limiter.check({ id: 'alice' }, 'write')));
      expect(decisions.map((d) => d.failure)).toEqual([undefined, undefined, undefined, undefined, undefined]);
      expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
    } finally {
      store.client.disconnect();
    }
  });

  test('the limiter user cannot read other keys, list keys, flush, run arbitrary Lua or read server info', async () => {
    const token = await elastiCacheIamTokenProvider(IAM)();
    const user = new Redis({ host: redis.host, port: redis.port, username: IAM.userId, password: token, enableReadyCheck: false, maxRetriesPerRequest: 0 });
    try {
      await admin.set('session:bob', 'secret');
      await expect(user.get('session:bob')).rejects.toThrow(/NOPERM/);
      await expect(user.keys('*')).rejects.toThrow(/NOPERM/);
      await expect(user.flushall()).rejects.toThrow(/NOPERM/);
      await expect(user.eval('return 1', 0)).rejects.toThrow(/NOPERM/);
      await expect(user.info()).rejects.toThrow(/NOPERM/);
      await expect(user.call('CONFIG', 'GET', '*')).rejects.toThrow(/NOPERM/);
      await expect(user.del('rl:v1:write:alice')).rejects.toThrow(/NOPERM/);
      expect(await user.get('rl:v1:write:nobody')).toBeNull();
    } finally {
      user.disconnect();
    }
  });

  test('a stale or forged token is refused, and the limiter then applies its failure mode (write: 503)', async () => {
    const stale = { ...IAM, now: () => NOW - 60_000 };
    const store = await createRedisRateLimitStore({ host: redis.host, port: redis.port, tls: false, iamAuth: stale, connectTimeoutMs: 200 });
    try {
      const limiter = new RateLimiter(store, { classes: {
        auth: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'closed' },
        write: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'closed' },
        read: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'open' },
      }, firstCallTimeoutMs: 100 });
      const d = await limiter.check({ id: 'mallory' }, 'write');
      expect(d).toMatchObject({ allowed: false, statusCode: 503 });
    } finally {
      store.client.disconnect();
    }
  });

  test('the disabled default user cannot do anything', async () => {
    const anon = new Redis({ host: redis.host, port: redis.port, enableReadyCheck: false, maxRetriesPerRequest: 0, lazyConnect: true });
    anon.on('error', () => undefined);
    try {
      await anon.connect().catch(() => undefined);
      await expect(anon.get('rl:v1:write:alice')).rejects.toThrow(/NOAUTH|NOPERM|WRONGPASS|disabled|auth/i);
    } finally {
      anon.disconnect();
    }
  });
});

describe('rateLimiterFromEnv', () => {
  test('fails if the construct\'s environment is missing, naming the variable and the fix', async () => {
    await expect(rateLimiterFromEnv({ AWS_REGION: 'eu-west-1' })).rejects.toThrow(/RATE_LIMIT_REDIS_HOST is not set\. Fix: add IdentityRateLimiter\.clientEnvironment\(\)/);
    await expect(rateLimiterFromEnv({ RATE_LIMIT_REDIS_HOST: 'h' })).rejects.toThrow(/RATE_LIMIT_CACHE_NAME is not set/);
  });
});

describe('TLS is on by default and verifies the server certificate', () => {
  const classes = {
    auth: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'closed' as const },
    write: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'closed' as const },
    read: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'open' as const },
  };

  test('a plaintext server is refused by the default (TLS) store: writes fail closed', async () => {
    const plain = await startRedis();
    const warnings: string[] = [];
    const store = await createRedisRateLimitStore({ host: plain.host, port: plain.port, connectTimeoutMs: 200 });
    try {
      const limiter = new RateLimiter(store, { classes, firstCallTimeoutMs: 200 }, { logger: { warn: (_m, ...extra) => { warnings.push(JSON.stringify(extra)); } } });
      expect(await limiter.check({ id: 'alice' }, 'write')).toMatchObject({ allowed: false, statusCode: 503 });
    } finally {
      store.client.disconnect();
      await plain.stop();
    }
  });

  test('a TLS server with a certificate no trusted CA signed is refused (rejectUnauthorized)', async () => {
    // GIVEN a TLS server with a self-signed certificate for 127.0.0.1 / localhost
    const dir = mkdtempSync(join(tmpdir(), 'rl-tls-'));
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    expect(gen.status).toBe(0);
    let handshakes = 0;
    const server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (socket) => {
      handshakes++;
      socket.on('data', () => socket.write('+PONG\r\n'));
    });
    server.on('tlsClientError', () => undefined);
    const port = await freePort();
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const warnings: string[] = [];
    const store = await createRedisRateLimitStore({ host: 'localhost', port, connectTimeoutMs: 200 });
    try {
      const limiter = new RateLimiter(store, { classes, firstCallTimeoutMs: 200 }, { logger: { warn: (_m, ...extra) => { warnings.push(JSON.stringify(extra)); } } });
      // WHEN a write is checked, THEN the handshake never completes and the write fails closed
      expect(await limiter.check({ id: 'alice' }, 'write')).toMatchObject({ allowed: false, statusCode: 503 });
      expect(handshakes).toBe(0);
    } finally {
      store.client.disconnect();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
