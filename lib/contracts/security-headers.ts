/**
 * The security response headers of the API: the one definition every place that answers a client derives from.
 *
 * - handler responses: `lambda/shared/http.ts` (`json`, `errorResponse`);
 * - API Gateway's own answers: the gateway responses of `SecureRestApi` and the mock `GET /health` of `ApiStack`;
 * - the load balancer: `TlsLoadBalancer` maps each header to a listener attribute where the ALB has one
 *   (lib/constructs/tls-load-balancer/security-headers.ts says which it cannot set and why).
 *
 * Pure data with no imports, so both the handlers (bundled for Lambda) and the CDK code (lib/) can read it;
 * test/constructs/security-headers.test.ts fails when any of those places disagrees with it.
 */

/** HSTS max-age: two years, the value the HSTS preload list recommends. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;

/**
 * Content-Security-Policy of a JSON API: the response may load, embed, frame, submit or re-base nothing.
 * `default-src 'none'` covers every fetch directive (scripts, styles, images, connections, frames, ...);
 * `frame-ancestors`, `base-uri` and `form-action` do not fall back to `default-src`, so a deny-all policy
 * names them too. It costs nothing for JSON and contains the damage if a response is ever rendered as a document.
 */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Headers on every response of the API, by name (values unquoted). */
export const SECURITY_HEADERS = Object.freeze({
  /** Browsers use HTTPS only for this host and its subdomains, for two years; eligible for the preload list. */
  'Strict-Transport-Security': `max-age=${HSTS_MAX_AGE_SECONDS}; includeSubDomains; preload`,
  /** No MIME sniffing: a JSON body is never run as script or rendered as HTML. */
  'X-Content-Type-Options': 'nosniff',
  /** No framing (clickjacking), for browsers that predate CSP `frame-ancestors`. */
  'X-Frame-Options': 'DENY',
  /** See {@link API_CONTENT_SECURITY_POLICY}. */
  'Content-Security-Policy': API_CONTENT_SECURITY_POLICY,
  /** Links followed from a response carry no Referer (URLs can hold identifiers). */
  'Referrer-Policy': 'no-referrer',
  /** Responses can hold personal data or tokens: no browser or proxy keeps a copy. */
  'Cache-Control': 'no-store',
} as const);

/** The name of one security header. */
export type SecurityHeaderName = keyof typeof SECURITY_HEADERS;

/** The header names, in the order of {@link SECURITY_HEADERS}. */
export const SECURITY_HEADER_NAMES = Object.freeze(Object.keys(SECURITY_HEADERS) as SecurityHeaderName[]);
