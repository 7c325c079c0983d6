import { Duration } from 'aws-cdk-lib';
import { SecureRestApi, ThrottleLimits, WebFirewall } from '../../lib';

/**
 * Capacity of the session function behind `/auth/*`: reserved concurrency, and the duration of one request at the
 * upper end of normal (a token or revocation call to the issuer). The gateway throttle of the auth routes is derived
 * from it with `SecureRestApi.authCapacityThrottle`: 50 / 0.5 s = 100 requests/s, burst 50.
 */
export const SESSION_CAPACITY = Object.freeze({ concurrency: 50, latency: Duration.millis(500) });
/** Fewest clients at the WAF per-IP auth limit that may exhaust the auth routes' throttle (the README shows the arithmetic). */
export const AUTH_ROUTE_MIN_CLIENTS = 500;

/** The auth routes' per-method throttle: the session function's capacity, checked against the WAF per-IP auth limit. */
export function sessionRouteThrottle(firewall: WebFirewall): ThrottleLimits {
  const { rateLimit, burstLimit } = SecureRestApi.authCapacityThrottle({
    perClientLimit: firewall.authRateLimit.limit,
    perClientWindow: firewall.authRateLimit.evaluationWindow,
    backendConcurrency: SESSION_CAPACITY.concurrency,
    backendLatency: SESSION_CAPACITY.latency,
    minClientsToExhaust: AUTH_ROUTE_MIN_CLIENTS,
  });
  return { rateLimit, burstLimit };
}
