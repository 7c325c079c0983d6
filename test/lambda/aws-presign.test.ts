import { Signer } from '@aws-sdk/rds-signer';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac } from 'crypto';
import { credentialsFromEnv, presignQuery, RdsAuthTokenSigner } from '../../lambda/shared/aws-presign';

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'FwoGZXIvYXdzEXAMPLE/token+=!*' };
const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

/** The token's parameters as a sorted list (the order of a query string does not change its meaning or its signature). */
function params(token: string): [string, string][] {
  return [...new URLSearchParams(token.slice(token.indexOf('?') + 1)).entries()].sort(([a], [b]) => a.localeCompare(b));
}

describe('RDS IAM auth token without the AWS SDK (lambda/shared/aws-presign.ts)', () => {
  afterEach(() => jest.useRealTimers());

  test.each([
    ['with a session token (Lambda)', CREDS],
    ['without a session token', { accessKeyId: CREDS.accessKeyId, secretAccessKey: CREDS.secretAccessKey }],
  ])('is the token @aws-sdk/rds-signer signs for the same database, user, region, credentials and time, %s', async (_, credentials) => {
    // GIVEN the SDK's signer and ours, same inputs, same clock
    jest.useFakeTimers({ now: NOW, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const db = { hostname: 'notes.cluster-abc.eu-west-1.rds.amazonaws.com', port: 5432, username: 'app_user', region: 'eu-west-1' };
    const sdk = await new Signer({ ...db, credentials }).getAuthToken();
    // WHEN
    const ours = await new RdsAuthTokenSigner({ ...db, credentials: () => credentials, now: () => NOW }).getAuthToken();
    // THEN the same host, port, parameters and signature
    expect(ours.slice(0, ours.indexOf('?'))).toBe(sdk.slice(0, sdk.indexOf('?')));
    expect(params(ours)).toEqual(params(sdk));
    expect(params(ours).find(([k]) => k === 'X-Amz-Signature')?.[1]).toMatch(/^[0-9a-f]{64}$/);
  });

  test('the query is signed as SigV4 defines it (independent recomputation with node:crypto)', () => {
    const token = presignQuery({ host: 'db.example:5432', query: { Action: 'connect', DBUser: 'app user' }, service: 'rds-db', region: 'eu-west-1', credentials: CREDS, expiresIn: 900, date: new Date(NOW) });
    const q = new URLSearchParams(token);
    const enc = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    const canonicalQuery = [...q.entries()].filter(([k]) => k !== 'X-Amz-Signature').map(([k, v]) => [enc(k), enc(v)])
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join('&');
    const canonicalRequest = ['GET', '/', canonicalQuery, 'host:db.example:5432', '', 'host', createHash('sha256').update('').digest('hex')].join('\n');
    const stringToSign = ['AWS4-HMAC-SHA256', '20261128T120000Z', '20261128/eu-west-1/rds-db/aws4_request', createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
    let key: Buffer = createHmac('sha256', `AWS4${CREDS.secretAccessKey}`).update('20261128').digest();
    for (const part of ['eu-west-1', 'rds-db', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
    expect(q.get('X-Amz-Signature')).toBe(createHmac('sha256', key).update(stringToSign).digest('hex'));
    expect(q.get('DBUser')).toBe('app user');
    expect(q.get('X-Amz-Security-Token')).toBe(CREDS.sessionToken);
  });

  test('the ElastiCache shape matches @smithy/signature-v4 presign', async () => {
    const sdk = await new SignatureV4({ service: 'elasticache', region: 'eu-west-1', credentials: CREDS, sha256: Sha256 }).presign({ method: 'GET', protocol: 'http:', hostname: 'notes-rl', path: '/', query: { Action: 'connect', User: 'notes-rl-app', ResourceType: 'ServerlessCache' }, headers: { host: 'notes-rl' } },
      { expiresIn: 900, signingDate: new Date(NOW) });
    const ours = presignQuery({ host: 'notes-rl', query: { Action: 'connect', User: 'notes-rl-app', ResourceType: 'ServerlessCache' }, service: 'elasticache', region: 'eu-west-1', credentials: CREDS, expiresIn: 900, date: new Date(NOW) });
    expect(params(`?${ours}`)).toEqual(Object.entries(sdk.query ?? {}).map(([k, v]) => [k, String(v)]).sort(([a], [b]) => a.localeCompare(b)));
  });

  test('fails if the credentials are missing (no token is signed from empty credentials)', async () => {
    expect(() => credentialsFromEnv({})).toThrow(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set/);
    expect(() => presignQuery({ host: 'h', query: {}, service: 'rds-db', region: 'eu-west-1', credentials: { accessKeyId: '', secretAccessKey: 'x' }, expiresIn: 900, date: new Date(NOW) })).toThrow(/credentials are missing/);
    await expect(new RdsAuthTokenSigner({ hostname: 'h', port: 5432, username: 'u', region: 'eu-west-1', credentials: () => credentialsFromEnv({}) }).getAuthToken()).rejects.toThrow(/not set/);
  });

  test('reads the execution role\'s credentials from the environment, with the session token', () => {
    expect(credentialsFromEnv({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T' })).toEqual({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' });
  });

  test('fails if the host, port or lifetime are unusable', () => {
    const base = { query: {}, service: 'rds-db', region: 'eu-west-1', credentials: CREDS, expiresIn: 900, date: new Date(NOW) };
    expect(() => presignQuery({ ...base, host: 'a/b' })).toThrow(/not a host name/);
    expect(() => presignQuery({ ...base, host: 'h', expiresIn: 0 })).toThrow(/out of range/);
    expect(() => new RdsAuthTokenSigner({ hostname: 'h', port: 0, username: 'u', region: 'eu-west-1' })).toThrow(/not a port number/);
  });
});
