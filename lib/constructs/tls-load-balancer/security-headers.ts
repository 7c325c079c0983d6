/**
 * The security response headers of a `TlsLoadBalancer`: the HSTS builder, the Content-Security-Policy check, and the
 * mapping from the API's one list of security headers (lib/contracts/security-headers.ts) to HTTPS listener attributes.
 *
 * The ALB can add a response header only where it has a listener attribute for it (HSTS, X-Content-Type-Options,
 * X-Frame-Options, Content-Security-Policy and the CORS headers). `Referrer-Policy` and `Cache-Control` have none:
 * behind the load balancer they come from the target (every handler answers through lambda/shared/http.ts), and the
 * load balancer's own answers (the placeholder 404 and the port-80 redirect) go without them.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { HSTS_MAX_AGE_SECONDS, SECURITY_HEADERS, SecurityHeaderName } from '../../contracts/security-headers';
import { invalidProp } from '../../internal/errors';

/** Shortest HSTS max-age accepted: one year, in seconds (the HSTS preload list's minimum). */
export const MIN_HSTS_MAX_AGE_SECONDS = 31_536_000;

/** The default Content-Security-Policy: the API's (nothing may load, frame, submit or set a base URL; right for a JSON API). */
export const DEFAULT_CONTENT_SECURITY_POLICY: string = SECURITY_HEADERS['Content-Security-Policy'];

/** Listener attribute keys the construct sets (the ALB adds these headers to every HTTPS response). */
export const LISTENER_HEADER_ATTRIBUTES = {
  hsts: 'routing.http.response.strict_transport_security.header_value',
  contentTypeOptions: 'routing.http.response.x_content_type_options.header_value',
  frameOptions: 'routing.http.response.x_frame_options.header_value',
  contentSecurityPolicy: 'routing.http.response.content_security_policy.header_value',
  serverEnabled: 'routing.http.response.server.enabled',
} as const;

/** How the load balancer delivers one security header: through a listener attribute, or not at all (and why). */
export type ListenerHeaderSupport = { readonly attribute: string } | { readonly notSettable: string };

/**
 * Every security header of the API, and whether the ALB can add it. Keyed by the header names of the one list, so a
 * header added there does not compile until someone decides here how the load balancer delivers it.
 */
export const LISTENER_HEADER_SUPPORT: { readonly [H in SecurityHeaderName]: ListenerHeaderSupport } = Object.freeze({
  'Strict-Transport-Security': { attribute: LISTENER_HEADER_ATTRIBUTES.hsts },
  'X-Content-Type-Options': { attribute: LISTENER_HEADER_ATTRIBUTES.contentTypeOptions },
  'X-Frame-Options': { attribute: LISTENER_HEADER_ATTRIBUTES.frameOptions },
  'Content-Security-Policy': { attribute: LISTENER_HEADER_ATTRIBUTES.contentSecurityPolicy },
  'Referrer-Policy': { notSettable: 'The ALB has no listener attribute for Referrer-Policy; the target sets it (json and errorResponse of aws-security-baseline/http do).' },
  'Cache-Control': { notSettable: 'The ALB has no listener attribute for Cache-Control; the target sets it (json and errorResponse of aws-security-baseline/http do).' },
});

/** Strict-Transport-Security settings. */
export interface HstsOptions {
  /**
   * How long browsers remember to use HTTPS only (at least one year).
   * @default Duration.days(730) - two years, as the HSTS preload list recommends
   */
  readonly maxAge?: Duration;
  /**
   * Apply the policy to every subdomain too.
   * @default true
   */
  readonly includeSubDomains?: boolean;
  /**
   * Signal consent to the browsers' HSTS preload list (needs `includeSubDomains`).
   * @default true
   */
  readonly preload?: boolean;
}

/**
 * The Strict-Transport-Security value for `hsts`; with no options it is the API's own value. Throws, naming `scope`,
 * for a max-age under one year or `preload` without `includeSubDomains` (the preload list refuses both).
 */
export function hstsHeaderValue(scope: IConstruct, hsts: HstsOptions): string {
  const maxAge = hsts.maxAge ?? Duration.seconds(HSTS_MAX_AGE_SECONDS);
  const includeSubDomains = hsts.includeSubDomains ?? true;
  const preload = hsts.preload ?? true;
  const seconds = maxAge.toSeconds();
  if (!Token.isUnresolved(seconds) && seconds < MIN_HSTS_MAX_AGE_SECONDS) {
    invalidProp(scope, 'hsts.maxAge', `${seconds} seconds`,
      `Fix: use at least one year (Duration.days(365) = ${MIN_HSTS_MAX_AGE_SECONDS} seconds); the default is two years.`);
  }
  if (preload && !includeSubDomains) {
    invalidProp(scope, 'hsts.preload', preload, 'Fix: the HSTS preload list requires includeSubDomains; set includeSubDomains: true or preload: false.');
  }
  return [`max-age=${seconds}`, includeSubDomains ? 'includeSubDomains' : undefined, preload ? 'preload' : undefined]
    .filter((p) => p !== undefined).join('; ');
}

/** Returns `csp`; throws, naming `scope`, when it is blank (a blank policy would silently send no protection). */
export function checkContentSecurityPolicy(scope: IConstruct, csp: string): string {
  if (!Token.isUnresolved(csp) && csp.trim() === '') {
    invalidProp(scope, 'contentSecurityPolicy', csp, "Fix: omit it for the deny-all default, or give a policy such as \"default-src 'self'; frame-ancestors 'none'\".");
  }
  return csp;
}

/**
 * The HTTPS listener attributes that add the security headers: each header of the API's list that the ALB can set,
 * with the construct's own HSTS and CSP values (from its props) in place of the list's.
 */
export function listenerHeaderAttributes(values: { readonly hsts: string; readonly contentSecurityPolicy: string }): Record<string, string> {
  const headers: Record<SecurityHeaderName, string> = {
    ...SECURITY_HEADERS,
    'Strict-Transport-Security': values.hsts,
    'Content-Security-Policy': values.contentSecurityPolicy,
  };
  const attributes: Record<string, string> = {};
  for (const [name, support] of Object.entries(LISTENER_HEADER_SUPPORT) as [SecurityHeaderName, ListenerHeaderSupport][]) {
    if ('attribute' in support) attributes[support.attribute] = headers[name];
  }
  return attributes;
}
