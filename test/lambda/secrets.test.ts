import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { SecretCache, SecretUnavailableError, secretName } from '../../lambda/shared/secrets';

const ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/signing-key-AbCdEf';
const VALUE = 'v1-3xTr3mely-$ecret-value';
const sm = mockClient(SecretsManagerClient);

function cache(now: { t: number }, ttlMs = 60_000): SecretCache {
  return new SecretCache({ client: new SecretsManagerClient({ region: 'eu-west-1' }), ttlMs, now: () => now.t });
}

describe('SecretCache', () => {
  beforeEach(() => {
    sm.reset();
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: VALUE });
  });

  test('a cache hit within the TTL makes no second call', async () => {
    const now = { t: 0 };
    const c = cache(now);
    expect(await c.getString(ARN)).toBe(VALUE);
    now.t = 59_999;
    expect(await c.getString(ARN)).toBe(VALUE);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('concurrent misses share one request', async () => {
    const c = cache({ t: 0 });
    const values = await Promise.all([c.getString(ARN), c.getString(ARN), c.getString(ARN)]);
    expect(values).toEqual([VALUE, VALUE, VALUE]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  test('after expiry the value is fetched again (a rotated secret is picked up)', async () => {
    const now = { t: 0 };
    const c = cache(now);
    await c.getString(ARN);
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'v2-rotated' });
    now.t = 60_000;
    expect(await c.getString(ARN)).toBe('v2-rotated');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('throttling or an outage fails closed once the entry has expired: the stale value is never served', async () => {
    const now = { t: 0 };
    const c = cache(now);
    await c.getString(ARN);
    sm.on(GetSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    // Within the TTL the cached value still serves (no call made).
    now.t = 30_000;
    expect(await c.getString(ARN)).toBe(VALUE);
    // After expiry: no stale value, a typed error that names the secret and the cause but not the value.
    now.t = 61_000;
    let err = new SecretUnavailableError('none', 'no failure');
    try {
      await c.getString(ARN);
    } catch (e) {
      err = e as SecretUnavailableError;
    }
    expect(err).toBeInstanceOf(SecretUnavailableError);
    expect(err.reason).toBe('fetch-failed');
    expect(err.message).toBe('Secrets Manager did not return secret app/signing-key-AbCdEf (ThrottlingException); failing closed.');
    expect(err.message).not.toContain(VALUE);
    // And it keeps failing (nothing stale was put back) until Secrets Manager answers again.
    await expect(c.getString(ARN)).rejects.toThrow(/failing closed/);
    sm.on(GetSecretValueCommand).resolves({ SecretString: 'v3' });
    expect(await c.getString(ARN)).toBe('v3');
  });

  test('a TTL of 0 disables caching', async () => {
    const c = cache({ t: 0 }, 0);
    await c.getString(ARN);
    await c.getString(ARN);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(2);
  });

  test('invalidate() forces a fresh read', async () => {
    const c = cache({ t: 0 });
    await c.getString(ARN);
    c.invalidate(ARN);
    await c.getString(ARN);
    c.invalidate();
    await c.getString(ARN);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(3);
  });

  test('getJson parses an object and rejects anything else without echoing it', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: '{"username":"u","password":"p"}' });
    expect(await cache({ t: 0 }).getJson(ARN)).toEqual({ username: 'u', password: 'p' });
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'not-json-SECRETVALUE' });
    const err = await cache({ t: 0 }).getJson(ARN).then(() => new Error('resolved'), (e: Error) => e);
    expect(err.message).toBe('Secret app/signing-key-AbCdEf is not a JSON object.');
  });

  test('fails if the reference is not a secret ARN (for example a value pasted into the variable)', async () => {
    await expect(cache({ t: 0 }).getString('hunter2')).rejects.toThrow(/not a Secrets Manager secret ARN; pass the ARN/);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  test('fails if the secret has no string value (binary secret)', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretBinary: new Uint8Array([1]) });
    await expect(cache({ t: 0 }).getString(ARN)).rejects.toThrow(/has no string value/);
  });

  test('fails if the TTL is negative', () => {
    expect(() => cache({ t: 0 }, -1)).toThrow(/ttlMs must be a non-negative number/);
  });

  test('accepts RDS-managed secret ARNs and logs only the name', () => {
    expect(secretName('arn:aws:secretsmanager:eu-west-1:111111111111:secret:rds!cluster-1234-AbCdEf')).toBe('rds!cluster-1234-AbCdEf');
  });
});
