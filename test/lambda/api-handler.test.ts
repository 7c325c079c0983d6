import type { APIGatewayProxyEvent } from 'aws-lambda';
import { freePort } from '../integration/net';

/**
 * The API Gateway adapter, wired as in Lambda (real Signer, real pool, real
 * Powertools), against a port where no database listens: no network beyond
 * 127.0.0.1 and no AWS call (the signer only signs locally).
 */
describe('app/lambda/api/handler.ts', () => {
  let handler: typeof import('../../app/lambda/api/handler').handler;
  const written: string[] = [];
  let restore: () => void;

  beforeAll(async () => {
    const port = await freePort();
    Object.assign(process.env, {
      DB_HOST: '127.0.0.1', DB_PORT: String(port), DB_NAME: 'app', DB_USER: 'app_user', AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', POWERTOOLS_METRICS_NAMESPACE: 'Test',
    });
    const [out, err] = [process.stdout.write.bind(process.stdout), process.stderr.write.bind(process.stderr)];
    const capture = ((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; }) as typeof process.stdout.write;
    process.stdout.write = capture;
    process.stderr.write = capture;
    restore = () => { process.stdout.write = out; process.stderr.write = err; };
    ({ handler } = require('../../app/lambda/api/handler') as typeof import('../../app/lambda/api/handler'));
  });
  afterAll(() => restore?.());

  const event = (over: Partial<APIGatewayProxyEvent>): APIGatewayProxyEvent => ({
    httpMethod: 'GET', path: '/notes', resource: '/notes', pathParameters: null, headers: {}, multiValueHeaders: {},
    queryStringParameters: null, multiValueQueryStringParameters: null, body: null, isBase64Encoded: false, stageVariables: null,
    requestContext: { authorizer: { principalId: 'alice', roles: 'user' } } as unknown as APIGatewayProxyEvent['requestContext'],
    ...over,
  });

  test('GET /health answers 200 with the security headers', async () => {
    const res = await handler(event({ path: '/health', resource: '/health', requestContext: {} as APIGatewayProxyEvent['requestContext'] }));
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'Strict-Transport-Security': expect.any(String), 'Cache-Control': 'no-store' });
  });

  test('an unreachable database is a 503 with Retry-After, and nothing secret is logged', async () => {
    const res = await handler(event({ headers: { Authorization: 'Bearer secret-token-value' } }));
    expect(res.statusCode).toBe(503);
    expect(res.headers?.['Retry-After']).toBe('5');
    expect(res.body).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
    const logs = written.join('');
    expect(logs).toMatch(/"status":503/);
    expect(logs).not.toMatch(/secret-token-value|X-Amz-Signature|wJalrXUtnFEMI/);
  });
});
