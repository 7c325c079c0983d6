import { authCapacityThrottle, clientsToExhaust, SECURE_REST_API_DEFAULTS, SecureRestApi } from '../../lib/constructs/secure-rest-api';
import { DEFAULT_AUTH_RATE_LIMIT, DEFAULT_EVALUATION_WINDOW } from '../../lib/constructs/web-firewall/defaults';

/**
 * The auth routes' gateway throttle is one bucket for all clients, so it is a capacity limit: it must take many
 * clients, each under the WAF per-IP limit on authentication paths, to exhaust it (else a small botnet locks every
 * user out of sign-in and token refresh).
 */
describe('auth route throttle as a capacity limit', () => {
  const windowSeconds = DEFAULT_EVALUATION_WINDOW.toSeconds();

  test('the arithmetic: clients needed = rate / (per-client limit / window)', () => {
    // 5 rps against 50 requests per 300 s per IP: 30 clients lock everyone out.
    expect(clientsToExhaust(5, 50, 300)).toBe(30);
    expect(clientsToExhaust(100, 50, 300)).toBe(600);
  });

  test('fails if the construct default can be exhausted by fewer than 500 clients at the WAF per-IP auth limit', () => {
    const { rateLimit } = SECURE_REST_API_DEFAULTS.authThrottle;
    expect(clientsToExhaust(rateLimit, DEFAULT_AUTH_RATE_LIMIT, windowSeconds)).toBeGreaterThanOrEqual(500);
  });

  test('derives rate and burst from the backend: concurrency / seconds per request, burst = concurrency', () => {
    const t = authCapacityThrottle({ perClientLimit: 50, perClientWindowSeconds: 300, backendConcurrency: 50, backendSecondsPerRequest: 0.5 });
    expect(t).toEqual({ rateLimit: 100, burstLimit: 50, clientsToExhaust: 600 });
    // The public entry point is the static method on the construct.
    expect(SecureRestApi.authCapacityThrottle({ perClientLimit: 50, perClientWindowSeconds: 300, backendConcurrency: 50, backendSecondsPerRequest: 0.5 })).toEqual(t);
  });

  test('fails if the backend is too small to outlast the stated number of clients, giving the concurrency needed', () => {
    expect(() => authCapacityThrottle({ perClientLimit: 50, perClientWindowSeconds: 300, backendConcurrency: 10, backendSecondsPerRequest: 0.5 }))
      .toThrow(/10 concurrent executions at 0.5 s per request serve 20 requests\/s, which 120 clients at 50 requests per 300 s each would exhaust \(fewer than 500\)\. Fix: raise the backend's reserved concurrency to at least 42 \(84 requests\/s\)/);
    expect(() => authCapacityThrottle({ perClientLimit: 50, perClientWindowSeconds: 300, backendConcurrency: 50, backendSecondsPerRequest: 0.5, minClientsToExhaust: 1000 }))
      .toThrow(/fewer than 1000/);
  });

  test.each([0, -1, Number.NaN])('fails if an input is not a positive number (%s)', (bad) => {
    expect(() => authCapacityThrottle({ perClientLimit: 50, perClientWindowSeconds: 300, backendConcurrency: bad, backendSecondsPerRequest: 0.5 }))
      .toThrow(/backendConcurrency = .* must be a positive number/);
  });
});
