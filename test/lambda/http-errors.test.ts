/**
 * The `http` entry's error answers (`errorResponse`, `json`), as a consumer's handler uses them: only a 4xx message is
 * written for the client; a 5xx answer carries a fixed message and a request id, and its detail goes to the log under
 * that id. Headers a handler passes replace the defaults of the same name in any letter case. Named examples, then
 * generated statuses, messages and header spellings (fast-check) against a model written here.
 */
import * as fc from 'fast-check';
import { errorResponse, HttpError, json, RESPONSE_HEADERS, ServerErrorLogEntry } from '../../lib/http';

/** A log that keeps what errorResponse writes. */
function capture(): { entries: ServerErrorLogEntry[]; log: (e: ServerErrorLogEntry) => void } {
  const entries: ServerErrorLogEntry[] = [];
  return { entries, log: (e) => { entries.push(e); } };
}

const lowerNames = (headers: Record<string, string>): string[] => Object.keys(headers).map((n) => n.toLowerCase());

describe('a server-side error', () => {
  test('fails if the message of a 5xx HttpError reaches the client (it goes to the log with the request id)', () => {
    const { entries, log } = capture();
    const detail = 'connect ECONNREFUSED 10.0.3.17:5432 user=app_user';
    const res = errorResponse(new HttpError(503, 'service_unavailable', detail, { 'Retry-After': '5' }), { requestId: 'req-1', log });
    expect(res.statusCode).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'service_unavailable', message: 'Service temporarily unavailable; retry later', requestId: 'req-1' } });
    expect(res.body).not.toMatch(/ECONNREFUSED|10\.0\.3\.17|app_user/);
    expect(res.headers['Retry-After']).toBe('5');
    expect(entries).toEqual([{ level: 'ERROR', message: 'request failed', requestId: 'req-1', status: 503, code: 'service_unavailable', name: 'HttpError', detail }]);
  });

  test('an error that is not an HttpError is a 500 whose request id finds its log line', () => {
    const { entries, log } = capture();
    const res = errorResponse(new TypeError('Cannot read properties of undefined (reading "rows")'), { log });
    const body = JSON.parse(res.body) as { error: { requestId: string } };
    expect(res.statusCode).toBe(500);
    expect(body).toEqual({ error: { code: 'internal_error', message: 'Internal server error', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) } });
    expect(entries).toEqual([expect.objectContaining({ requestId: body.error.requestId, name: 'TypeError', detail: 'Cannot read properties of undefined (reading "rows")' })]);
  });

  test('details of a 5xx HttpError and a status outside 4xx/5xx do not reach the client', () => {
    const { log } = capture();
    const withDetails = errorResponse(new HttpError(500, 'internal_error', 'x', {}, { sql: 'SELECT secret' }), { requestId: 'r', log });
    expect(withDetails.body).not.toMatch(/secret/);
    const redirect = errorResponse(new HttpError(302, 'bad_request', 'see /internal/admin'), { requestId: 'r', log });
    expect([redirect.statusCode, JSON.parse(redirect.body)]).toEqual([500, { error: { code: 'internal_error', message: 'Internal server error', requestId: 'r' } }]);
  });

  test('without a log option the detail goes to console.error, never to the body', () => {
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const res = errorResponse(new HttpError(502, 'service_unavailable', 'upstream 10.0.0.9 said no'), { requestId: 'req-2' });
      expect(res.body).not.toMatch(/10\.0\.0\.9/);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(JSON.parse(spy.mock.calls[0][0] as string)).toMatchObject({ requestId: 'req-2', status: 502, detail: 'upstream 10.0.0.9 said no' });
    } finally {
      spy.mockRestore();
    }
  });

  test('a 4xx keeps its message and details: they are written for the client', () => {
    const { entries, log } = capture();
    const res = errorResponse(new HttpError(422, 'validation_failed', 'title is too long', {}, { field: '/title' }), { log });
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'validation_failed', message: 'title is too long', details: { field: '/title' } } });
    expect(entries).toEqual([]);
  });
});

describe('headers passed in another letter case', () => {
  test('fails if content-security-policy in lower case is added beside the default instead of replacing it', () => {
    const res = json(200, { ok: true }, { 'content-security-policy': "default-src 'self'" });
    const csp = Object.entries(res.headers).filter(([n]) => n.toLowerCase() === 'content-security-policy');
    expect(csp).toEqual([['content-security-policy', "default-src 'self'"]]);
  });

  test('an HttpError\'s headers replace the defaults the same way', () => {
    const res = errorResponse(new HttpError(429, 'rate_limited', 'Too many requests', { 'cache-control': 'private, max-age=0' }));
    expect(Object.entries(res.headers).filter(([n]) => n.toLowerCase() === 'cache-control')).toEqual([['cache-control', 'private, max-age=0']]);
  });
});

describe('generated cases', () => {
  // Model: an error answer's body names its message only for 400-499; every other status is answered 5xx with a fixed text.
  const status = fc.oneof(fc.integer({ min: 400, max: 599 }), fc.integer({ min: 100, max: 999 }));
  const message = fc.string({ minLength: 1, maxLength: 60 }).map((m) => `detail:${m}`);

  test('only a 4xx message reaches the client; every other answer is a 5xx whose log line has the detail and the request id', () => {
    fc.assert(fc.property(status, message, fc.uuid(), (s, m, requestId) => {
      const { entries, log } = capture();
      const res = errorResponse(new HttpError(s, 'internal_error', m), { requestId, log });
      const body = JSON.parse(res.body) as { error: { message: string; requestId?: string } };
      if (s >= 400 && s <= 499) {
        expect([res.statusCode, body.error.message, entries.length]).toEqual([s, m, 0]);
      } else {
        expect(res.statusCode).toBeGreaterThanOrEqual(500);
        expect(res.statusCode).toBeLessThanOrEqual(599);
        expect(res.body.includes(JSON.stringify(m).slice(1, -1))).toBe(false);
        expect(body.error.requestId).toBe(requestId);
        expect(entries).toEqual([expect.objectContaining({ requestId, detail: m, status: res.statusCode })]);
      }
    }), { numRuns: 1000 });
  });

  test('a header passed in any letter case replaces the default: one header per name, the passed value', () => {
    const defaults = Object.keys(RESPONSE_HEADERS);
    const spelling = (name: string) => fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length })
      .map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
    const passed = fc.uniqueArray(fc.constantFrom(...defaults), { maxLength: defaults.length })
      .chain((names) => fc.tuple(...names.map((n) => spelling(n))))
      .chain((names) => fc.tuple(fc.constant(names), fc.array(fc.string({ maxLength: 20 }), { minLength: names.length, maxLength: names.length })));
    fc.assert(fc.property(passed, ([names, values]) => {
      const headers = Object.fromEntries(names.map((n, i) => [n, `v${i}:${values[i]}`]));
      const res = json(200, {}, headers);
      const lower = lowerNames(res.headers);
      expect(new Set(lower).size).toBe(lower.length);
      for (const [n, v] of Object.entries(headers)) expect(res.headers[n]).toBe(v);
      for (const d of defaults) expect(lower).toContain(d.toLowerCase());
    }), { numRuns: 500 });
  });
});
