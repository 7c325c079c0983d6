import { DEFAULT_RATE_LIMIT_CONFIG, RateLimitConfigError, rateLimitConfigFromEnv, RateLimiter, RateLimitStore, validateRateLimitConfig } from '../../lambda/shared/rate-limit';

const classes = DEFAULT_RATE_LIMIT_CONFIG.classes;
const noStore: RateLimitStore = { evalsha: async () => 1, scriptLoad: async () => 'ok' };

describe('rate limit configuration', () => {
  test('unset RATE_LIMIT_CONFIG gives the defaults; a valid JSON replaces them', () => {
    expect(rateLimitConfigFromEnv({})).toBe(DEFAULT_RATE_LIMIT_CONFIG);
    const custom = { classes: { ...classes, auth: { default: { limit: 3, windowSeconds: 60 }, onFailure: 'closed' } }, timeoutMs: 30 };
    expect(rateLimitConfigFromEnv({ RATE_LIMIT_CONFIG: JSON.stringify(custom) })).toEqual(custom);
  });

  test('the most generous of the caller\'s roles applies; unknown roles get the default', () => {
    const limiter = new RateLimiter(noStore);
    expect(limiter.policyFor({ id: 'a', roles: ['user', 'admin'] }, 'write')).toEqual({ name: 'write.admin', policy: { limit: 300, windowSeconds: 60 } });
    expect(limiter.policyFor({ id: 'a', roles: ['guest'] }, 'read')).toEqual({ name: 'read', policy: { limit: 120, windowSeconds: 60 } });
    expect(limiter.policyFor({ id: 'a' }, 'auth')).toEqual({ name: 'auth', policy: { limit: 10, windowSeconds: 60 } });
  });

  test.each([
    ['the JSON is malformed', '{', /RATE_LIMIT_CONFIG is not valid JSON/],
    ['classes are missing', '{}', /"classes" is missing/],
    ['a class is missing', JSON.stringify({ classes: { auth: classes.auth, read: classes.read } }), /classes\.write is missing/],
    ['a class is unknown', JSON.stringify({ classes: { ...classes, admin: classes.read } }), /unknown route class "admin"/],
    ['a limit is zero', JSON.stringify({ classes: { ...classes, read: { ...classes.read, default: { limit: 0, windowSeconds: 60 } } } }), /classes\.read\.default\.limit = 0\. Fix: use a whole number from 1/],
    ['a window is fractional', JSON.stringify({ classes: { ...classes, write: { ...classes.write, roles: { user: { limit: 5, windowSeconds: 1.5 } } } } }), /classes\.write\.roles\.user\.windowSeconds = 1\.5/],
    ['onFailure is neither open nor closed', JSON.stringify({ classes: { ...classes, auth: { ...classes.auth, onFailure: 'maybe' } } }), /classes\.auth\.onFailure = "maybe"\. Fix: use "open" or "closed"/],
    ['the key prefix has spaces', JSON.stringify({ classes, keyPrefix: 'a b' }), /keyPrefix = "a b"/],
    ['the timeout is zero', JSON.stringify({ classes, timeoutMs: 0 }), /timeoutMs = 0/],
  ])('fails if %s', (_name, raw, error) => {
    expect(() => rateLimitConfigFromEnv({ RATE_LIMIT_CONFIG: raw })).toThrow(error);
    expect(() => rateLimitConfigFromEnv({ RATE_LIMIT_CONFIG: raw })).toThrow(RateLimitConfigError);
  });

  test('fails if a cost is not a whole number within the limit, or the identity is empty', async () => {
    const limiter = new RateLimiter(noStore);
    await expect(limiter.check({ id: 'a' }, 'auth', 0)).rejects.toThrow(/cost must be a whole number from 1 to 10/);
    await expect(limiter.check({ id: 'a' }, 'auth', 11)).rejects.toThrow(/cost/);
    await expect(limiter.check({ id: '' }, 'auth')).rejects.toThrow(/non-empty/);
    expect(() => validateRateLimitConfig(DEFAULT_RATE_LIMIT_CONFIG)).not.toThrow();
  });
});
