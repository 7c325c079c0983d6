import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { errorResponse, HttpError, json } from '../../lambda/shared/http';
import {
  API_CONTENT_SECURITY_POLICY, HSTS_MAX_AGE_SECONDS, SECURITY_HEADER_NAMES, SECURITY_HEADERS, SecurityHeaderName,
} from '../../lib/contracts/security-headers';
import { SECURE_REST_API_DEFAULTS } from '../../lib/constructs/secure-rest-api';
import { LISTENER_HEADER_ATTRIBUTES, LISTENER_HEADER_SUPPORT, TlsLoadBalancer } from '../../lib/constructs/tls-load-balancer';
import { buildTestApp } from '../helpers/baseline';

/**
 * The API's security response headers have one definition (lib/contracts/security-headers.ts). These tests read every
 * place that answers a client, as it is synthesized or returned, and fail when one of them disagrees with that list.
 */

type Headers = Readonly<Record<string, string>>;

/** API Gateway static header values are single-quoted in the template. */
const quoted = (value: string): string => `'${value}'`;

/**
 * Where `actual` (header values keyed by `key(name)`) disagrees with the list: missing headers and different values.
 * `render` turns a list value into the form the place stores (quoted for API Gateway).
 */
function disagreements(actual: Headers, key: (name: SecurityHeaderName) => string, render: (v: string) => string = (v) => v): string[] {
  return SECURITY_HEADER_NAMES.flatMap((name) => {
    const want = render(SECURITY_HEADERS[name]);
    const got = actual[key(name)];
    if (got === undefined) return [`${name}: missing (expected ${want})`];
    return got === want ? [] : [`${name}: ${got} (expected ${want})`];
  });
}

/** The listener attributes of a template's HTTPS (443) listeners, one map per listener. */
function httpsListenerAttributes(template: Template): Record<string, string>[] {
  return Object.values(template.findResources('AWS::ElasticLoadBalancingV2::Listener'))
    .filter((r) => r.Properties.Port === 443)
    .map((r) => Object.fromEntries((r.Properties.ListenerAttributes ?? []).map((a: { Key: string; Value: string }) => [a.Key, a.Value])));
}

/** Where a listener's attributes disagree with the list, for the headers the ALB can set; and any attribute it should not have. */
function listenerDisagreements(attributes: Record<string, string>): string[] {
  const settable = SECURITY_HEADER_NAMES.filter((name) => 'attribute' in LISTENER_HEADER_SUPPORT[name]);
  const problems = SECURITY_HEADER_NAMES
    .filter((name) => settable.includes(name))
    .flatMap((name) => {
      const support = LISTENER_HEADER_SUPPORT[name] as { attribute: string };
      const got = attributes[support.attribute];
      return got === SECURITY_HEADERS[name] ? [] : [`${name}: ${got ?? 'missing'} (expected ${SECURITY_HEADERS[name]})`];
    });
  const expectedKeys = new Set([...settable.map((n) => (LISTENER_HEADER_SUPPORT[n] as { attribute: string }).attribute), LISTENER_HEADER_ATTRIBUTES.serverEnabled]);
  const unexpected = Object.keys(attributes).filter((k) => k.startsWith('routing.http.response.') && !expectedKeys.has(k));
  return [...problems, ...unexpected.map((k) => `unexpected response header attribute ${k}`)];
}

describe('security headers: the one list', () => {
  test('HSTS two years with subdomains and preload; nosniff; DENY; a deny-all CSP; no referrer; no-store', () => {
    expect(SECURITY_HEADERS).toEqual({
      'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      'Referrer-Policy': 'no-referrer',
      'Cache-Control': 'no-store',
    });
    expect(HSTS_MAX_AGE_SECONDS).toBeGreaterThanOrEqual(31_536_000);
    expect(Object.isFrozen(SECURITY_HEADERS)).toBe(true);
  });

  test('the CSP names the directives that do not fall back to default-src', () => {
    const directives = API_CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim());
    expect(directives).toEqual(expect.arrayContaining(["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"]));
  });

  test('the comparison reports a changed and a missing header (so an agreement below is not vacuous)', () => {
    const drifted: Record<string, string> = { ...SECURITY_HEADERS, 'Content-Security-Policy': "default-src 'none'" };
    delete drifted['Referrer-Policy'];
    expect(disagreements(drifted, (n) => n)).toEqual([
      `Content-Security-Policy: default-src 'none' (expected ${API_CONTENT_SECURITY_POLICY})`,
      'Referrer-Policy: missing (expected no-referrer)',
    ]);
    expect(listenerDisagreements({ [LISTENER_HEADER_ATTRIBUTES.frameOptions]: 'SAMEORIGIN' })).toEqual(expect.arrayContaining([
      'X-Frame-Options: SAMEORIGIN (expected DENY)',
      `Strict-Transport-Security: missing (expected ${SECURITY_HEADERS['Strict-Transport-Security']})`,
    ]));
  });
});

describe('security headers: handler responses (lambda/shared/http.ts)', () => {
  test.each([
    ['json(200)', json(200, { ok: true })],
    ['json(204) with extra headers', json(204, undefined, { Location: '/notes/1' })],
    ['errorResponse(HttpError 429)', errorResponse(new HttpError(429, 'rate_limited', 'Too many requests', { 'Retry-After': '1' }))],
    ['errorResponse(unknown error)', errorResponse(new Error('boom'))],
  ])('%s carries every header with the list\'s value', (_name, response) => {
    expect(disagreements(response.headers, (n) => n)).toEqual([]);
    expect(response.headers['Content-Type']).toBe('application/json; charset=utf-8');
  });
});

describe('security headers: the sample app (REST API gateway responses, GET /health mock, load balancer)', () => {
  // GIVEN the prod stage (REST API with its gateway responses, the /health mock and the TLS load balancer)
  const { stages } = buildTestApp({ stages: ['prod'] });
  const template = Template.fromStack(stages[0].api, { skipCyclicalDependenciesCheck: true });

  test('SecureRestApi uses the list for its gateway responses', () => {
    expect(SECURE_REST_API_DEFAULTS.securityHeaders).toBe(SECURITY_HEADERS);
  });

  test('every gateway response carries every header with the list\'s value', () => {
    const responses = Object.values(template.findResources('AWS::ApiGateway::GatewayResponse'));
    expect(responses.length).toBeGreaterThanOrEqual(9);
    for (const r of responses) {
      expect({ type: r.Properties.ResponseType, problems: disagreements(r.Properties.ResponseParameters, (n) => `gatewayresponse.header.${n}`, quoted) })
        .toEqual({ type: r.Properties.ResponseType, problems: [] });
    }
  });

  test('the GET /health mock answers with every header, each declared on its method response', () => {
    const mocks = Object.values(template.findResources('AWS::ApiGateway::Method'))
      .filter((m) => m.Properties.HttpMethod === 'GET' && m.Properties.Integration?.Type === 'MOCK');
    expect(mocks).toHaveLength(1);
    const [integrationResponse] = mocks[0].Properties.Integration.IntegrationResponses;
    expect(integrationResponse.ResponseTemplates).toEqual({ 'application/json': '{"status":"ok"}' });
    expect(disagreements(integrationResponse.ResponseParameters, (n) => `method.response.header.${n}`, quoted)).toEqual([]);
    const [methodResponse] = mocks[0].Properties.MethodResponses;
    for (const name of SECURITY_HEADER_NAMES) expect(methodResponse.ResponseParameters[`method.response.header.${name}`]).toBe(true);
  });

  test('the load balancer adds every header it has a listener attribute for, with the list\'s value', () => {
    const listeners = httpsListenerAttributes(template);
    expect(listeners.length).toBeGreaterThanOrEqual(1);
    for (const attributes of listeners) expect(listenerDisagreements(attributes)).toEqual([]);
  });
});

describe('security headers: TlsLoadBalancer defaults', () => {
  // GIVEN a load balancer with default props
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Stack', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { availabilityZones: ['eu-west-1a', 'eu-west-1b'], natGateways: 0 });
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789EXAMPLEABC', zoneName: 'example.com' });
  const lb = new TlsLoadBalancer(stack, 'Lb', { vpc, hostedZone: zone, domainName: 'app.example.com' });
  const template = Template.fromStack(stack);

  test('the HTTPS listener adds the list\'s HSTS, nosniff, X-Frame-Options and CSP, and nothing else', () => {
    const [attributes] = httpsListenerAttributes(template);
    expect(listenerDisagreements(attributes)).toEqual([]);
    expect(lb.hstsHeader).toBe(SECURITY_HEADERS['Strict-Transport-Security']);
  });

  test('only Referrer-Policy and Cache-Control are left to the target, each with the reason', () => {
    const notSettable = SECURITY_HEADER_NAMES.filter((name) => 'notSettable' in LISTENER_HEADER_SUPPORT[name]);
    expect(notSettable).toEqual(['Referrer-Policy', 'Cache-Control']);
    for (const name of notSettable) expect((LISTENER_HEADER_SUPPORT[name] as { notSettable: string }).notSettable).toMatch(/no listener attribute/);
  });
});
