import { Duration, Lazy } from 'aws-cdk-lib';
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
    const t = authCapacityThrottle({ perClientLimit: 50, perClientWindow: Duration.minutes(5), backendConcurrency: 50, backendLatency: Duration.millis(500) });
    expect(t).toEqual({ rateLimit: 100, burstLimit: 50, clientsToExhaust: 600 });
    // The public entry point is the static method on the construct.
    expect(SecureRestApi.authCapacityThrottle({ perClientLimit: 50, perClientWindow: Duration.minutes(5), backendConcurrency: 50, backendLatency: Duration.millis(500) })).toEqual(t);
  });

  test('fails if the backend is too small to outlast the stated number of clients, giving the concurrency needed', () => {
    expect(() => authCapacityThrottle({ perClientLimit: 50, perClientWindow: Duration.minutes(5), backendConcurrency: 10, backendLatency: Duration.millis(500) }))
      .toThrow(/10 concurrent executions at 0.5 s per request serve 20 requests\/s, which 120 clients at 50 requests per 300 s each would exhaust \(fewer than 500\)\. Fix: raise the backend's reserved concurrency to at least 42 \(84 requests\/s\)/);
    expect(() => authCapacityThrottle({ perClientLimit: 50, perClientWindow: Duration.minutes(5), backendConcurrency: 50, backendLatency: Duration.millis(500), minClientsToExhaust: 1000 }))
      .toThrow(/fewer than 1000/);
  });

  test('takes fractions of a second as the backend latency, and any whole window', () => {
    // 50 executions at 0.8 s serve 62 requests/s; 62 / (50 per 5 minutes) = 372 clients.
    const t = authCapacityThrottle({ perClientLimit: 50, perClientWindow: Duration.minutes(5), backendConcurrency: 50, backendLatency: Duration.millis(800), minClientsToExhaust: 300 });
    expect(t).toEqual({ rateLimit: 62, burstLimit: 50, clientsToExhaust: 372 });
  });

  test.each([
    ['a zero backend latency', { backendLatency: Duration.seconds(0) }, /backendLatency = 0 seconds must be longer than zero/],
    ['a zero window', { perClientWindow: Duration.millis(0) }, /perClientWindow = 0 millis must be longer than zero/],
    ['a window that is a token', { perClientWindow: Duration.seconds(Lazy.number({ produce: () => 300 })) }, /perClientWindow = .* must be a Duration known at synth/],
    ['a number of seconds instead of a Duration', { backendLatency: 0.5 as unknown as Duration }, /backendLatency = 0\.5 must be a Duration known at synth, for example Duration\.seconds\(1\)/],
  ])('fails if an input is %s', (_name, override, message) => {
    expect(() => authCapacityThrottle({ perClientLimit: 50, perClientWindow: Duration.minutes(5), backendConcurrency: 50, backendLatency: Duration.millis(500), ...override }))
      .toThrow(message);
  });

  test.each([0, -1, Number.NaN])('fails if an input is not a positive number (%s)', (bad) => {
    expect(() => authCapacityThrottle({ perClientLimit: 50, perClientWindow: Duration.minutes(5), backendConcurrency: bad, backendLatency: Duration.millis(500) }))
      .toThrow(/backendConcurrency = .* must be a positive number/);
  });
});
