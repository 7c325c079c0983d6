/**
 * The browser flow, proven in a real browser: the sample page (app/web) in Debian's Chromium, against the session
 * handler and the notes API on one https origin, with a real issuer (oauth2-mock-server), PostgreSQL and redis-server
 * (see harness.ts). Each test names the property it holds; each fails when that property is removed.
 *
 * A screenshot of the page after sign-in goes to a temporary folder; with UPDATE_DOCS_SCREENSHOT=1 it is also written
 * to docs/browser-sign-in.png (the picture in app/lambda/session/README.md).
 */
import { randomUUID } from 'crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import type { BrowserContext, Cookie, Page } from 'playwright-core';
import { REFRESH_COOKIE_NAME } from '../../app/lambda/session/config';
import { API_AUDIENCE, BrowserHarness, RecordedRequest, SCOPE, startBrowserHarness } from './harness';

let h: BrowserHarness;
let shots: string;

beforeAll(async () => {
  h = await startBrowserHarness();
  shots = mkdtempSync(join(tmpdir(), 'browser-shots-'));
}, 120_000);

afterAll(async () => {
  await h?.stop();
  if (shots) rmSync(shots, { recursive: true, force: true });
});

/** A page in a fresh browser profile (no cookies, no storage), with every access token the server handed it recorded. */
interface Tab {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Access tokens from /auth/token and /auth/refresh answers so far, in order (read off the network, not the page). */
  accessTokens(): Promise<string[]>;
  /** Every `key=value` any page of this profile wrote with `localStorage.setItem` or `sessionStorage.setItem`, across navigations. */
  readonly storageWrites: string[];
}

const contexts: BrowserContext[] = [];
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
  await h.issuer.reset();
});

async function newTab(): Promise<Tab> {
  const context = await h.browser.newContext();
  contexts.push(context);
  // Every value page script writes to localStorage or sessionStorage, reported to the test before it is stored.
  const storageWrites: string[] = [];
  await context.exposeBinding('__storageWrite', (_source, entry: string) => { storageWrites.push(entry); });
  await context.addInitScript(`(() => {
    const report = window.__storageWrite;
    const setItem = Storage.prototype.setItem;
    Storage.prototype.setItem = function (key, value) { report(String(key) + '=' + String(value)); return setItem.call(this, key, value); };
  })()`);
  const page = await context.newPage();
  const bodies: Promise<string | undefined>[] = [];
  page.on('response', (res) => {
    const path = new URL(res.url()).pathname;
    if ((path === '/auth/token' || path === '/auth/refresh') && res.status() === 200) {
      bodies.push(res.json().then((b: { access_token?: string }) => b.access_token, () => undefined));
    }
  });
  const accessTokens = async (): Promise<string[]> => (await Promise.all(bodies)).filter((t): t is string => t !== undefined);
  return { context, page, accessTokens, storageWrites };
}

/** Access tokens as the issuer mints them for one user: audience the API, roles in `groups`, one `sid` per sign-in. */
async function issueAs(sub: string, expiredFor: ('authorization_code' | 'refresh_token')[] = []): Promise<void> {
  await h.issuer.set({ singleUseRefreshTokens: true, accessToken: { typ: 'at+jwt', aud: API_AUDIENCE, sid: randomUUID(), groups: ['user'], scope: SCOPE, sub, expiredFor } });
}

async function opened(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForSelector('body[data-ready="true"]');
}

/** Signs in on the sample page: Sign in → the issuer's /authorize → /callback → /auth/token. */
async function signIn(tab: Tab, sub = 'alice', expiredFor: ('authorization_code' | 'refresh_token')[] = []): Promise<void> {
  await issueAs(sub, expiredFor);
  await opened(tab.page, `${h.appOrigin}/`);
  await tab.page.click('#sign-in');
  await tab.page.waitForSelector('body[data-ready="true"][data-session="signed-in"]');
}

async function refreshCookies(context: BrowserContext): Promise<Cookie[]> {
  return (await context.cookies()).filter((c) => c.name === REFRESH_COOKIE_NAME);
}

/** Clicks "Refresh session" and waits for the page's answer; returns the status of /auth/refresh. */
async function clickRefresh(page: Page): Promise<number> {
  await page.evaluate(`document.getElementById('status').textContent = ''`);
  const [res] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/auth/refresh'), page.click('#refresh')]);
  await page.waitForSelector(res.status() === 200 ? '#status.ok:text-is("Session refreshed")' : 'body[data-session="signed-out"]');
  return res.status();
}

async function statusText(page: Page): Promise<string> {
  return (await page.textContent('#status')) ?? '';
}

/** A notes call from the page with a given bearer token (as an attacker holding a copy would make it). */
async function notesStatus(page: Page, token: string): Promise<number> {
  return page.evaluate(`fetch('/notes', { headers: { Authorization: 'Bearer ${token}' }, credentials: 'omit' }).then((r) => r.status)`) as Promise<number>;
}

/** What page script can see: document.cookie and both storages. */
async function scriptView(page: Page): Promise<{ cookie: string; storage: string[] }> {
  return page.evaluate(`({
    cookie: document.cookie,
    storage: [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => k + '=' + s.getItem(k))),
  })`) as Promise<{ cookie: string; storage: string[] }>;
}

const since = (n: number, keep: (r: RecordedRequest) => boolean = () => true): RecordedRequest[] => h.requests.slice(n).filter(keep);
const JWT = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\./;

describe('the sample page in Chromium', () => {
  test('signs in with PKCE, calls the notes API with the access token from memory, and adds a note', async () => {
    // GIVEN a new visitor
    const tab = await newTab();
    const seen = h.issuer.events.length;
    // WHEN they sign in and add a note
    await signIn(tab);
    await tab.page.fill('#note-title', 'First note');
    await tab.page.fill('#note-body', 'Written in Chromium, stored in PostgreSQL.');
    await tab.page.click('#new-note button[type="submit"]');
    await tab.page.waitForSelector('#notes li');
    // THEN the code was exchanged with its verifier (the issuer checks it against the S256 challenge), the page
    // shows the user and the note, and the address bar no longer holds the code
    const exchange = h.issuer.events.slice(seen).find((e) => e.event === 'token');
    expect(exchange?.body).toMatchObject({ grant_type: 'authorization_code', client_id: 'notes-spa', redirect_uri: `${h.appOrigin}/callback` });
    expect(exchange?.body.code_verifier).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(await tab.page.textContent('#who')).toBe('Signed in as alice');
    expect(await tab.page.textContent('#notes')).toContain('First note');
    expect(tab.page.url()).toBe(`${h.appOrigin}/`);
    await tab.page.screenshot({ path: join(shots, 'sign-in.png') });
    if (process.env.UPDATE_DOCS_SCREENSHOT === '1') copyFileSync(join(shots, 'sign-in.png'), join(__dirname, '..', '..', 'docs', 'browser-sign-in.png'));
  });

  test('fails if a notes call answered 401 is not refreshed and retried, or retried more than once', async () => {
    // GIVEN a sign-in whose first access token the API refuses (expired), and a refresh that brings a good one
    const tab = await newTab();
    let n = h.requests.length;
    await signIn(tab, 'alice', ['authorization_code']); // returns when the page has finished loading the notes
    // THEN the page loaded the notes: 401, one refresh, one retry that worked
    const calls = (from: number) => since(from, (r) => r.path === '/notes' || r.path === '/auth/refresh').map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(calls(n)).toEqual(['POST /auth/refresh 401', 'GET /notes 401', 'POST /auth/refresh 200', 'GET /notes 200']);
    // GIVEN a sign-in where the refreshed token is refused too
    const second = await newTab();
    n = h.requests.length;
    await signIn(second, 'alice', ['authorization_code', 'refresh_token']);
    expect(await statusText(second.page)).toBe('Could not load notes (401)');
    // THEN exactly one refresh and one retry, then the page gives up (no loop)
    expect(calls(n)).toEqual(['POST /auth/refresh 401', 'GET /notes 401', 'POST /auth/refresh 200', 'GET /notes 401']);
  });

  test('fails if page script can see a token: document.cookie never shows the refresh token, no token is ever in localStorage or sessionStorage', async () => {
    // GIVEN a signed-in page
    const tab = await newTab();
    await signIn(tab);
    const views = [await scriptView(tab.page)];
    const refreshTokens = (await refreshCookies(tab.context)).map((c) => c.value);
    // WHEN it refreshes, reloads (the session comes back from the cookie) and signs out
    expect(await clickRefresh(tab.page)).toBe(200);
    views.push(await scriptView(tab.page));
    refreshTokens.push(...(await refreshCookies(tab.context)).map((c) => c.value));
    await opened(tab.page, `${h.appOrigin}/`);
    expect(await tab.page.getAttribute('body', 'data-session')).toBe('signed-in');
    views.push(await scriptView(tab.page));
    refreshTokens.push(...(await refreshCookies(tab.context)).map((c) => c.value));
    await tab.page.click('#sign-out');
    await tab.page.waitForSelector('body[data-session="signed-out"]');
    views.push(await scriptView(tab.page));
    // THEN at every step script saw no refresh token in document.cookie, and no token was ever written to storage
    expect(refreshTokens.length).toBeGreaterThanOrEqual(3);
    const accessTokens = await tab.accessTokens();
    expect(accessTokens.length).toBeGreaterThanOrEqual(3);
    const secrets = [...refreshTokens, ...accessTokens];
    for (const view of views) {
      expect(view.cookie).not.toContain(REFRESH_COOKIE_NAME);
      for (const text of [view.cookie, ...view.storage, ...tab.storageWrites]) {
        expect(text).not.toMatch(JWT);
        for (const secret of secrets) expect(text).not.toContain(secret);
      }
    }
    // The one thing ever stored: the pending sign-in (PKCE verifier and state), removed at the callback.
    expect(tab.storageWrites.map((w) => w.split('=')[0])).toEqual(['notes.pendingSignIn']);
    expect(JSON.parse(tab.storageWrites[0].slice('notes.pendingSignIn='.length))).toEqual({ verifier: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/), state: expect.any(String) });
    expect(views.every((v) => v.storage.length === 0)).toBe(true);
  });

  test('the browser stores the refresh cookie host-only, Secure, HttpOnly, SameSite=Strict, Path=/', async () => {
    // GIVEN a signed-in page
    const tab = await newTab();
    await signIn(tab);
    // WHEN the browser's cookie store is read
    const cookies = await refreshCookies(tab.context);
    // THEN there is exactly one refresh cookie, for this host only (no leading dot: no Domain attribute)
    expect(cookies).toHaveLength(1);
    const [cookie] = cookies;
    expect(cookie).toMatchObject({ domain: 'app.example.test', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
    expect(cookie.expires).toBeGreaterThan(Date.now() / 1000 + 43_000);
    // AND a sibling subdomain's requests do not carry it (host-only)
    const n = h.requests.length;
    await tab.page.goto(`${h.siblingOrigin}/`);
    expect(since(n, (r) => r.host.startsWith('evil.example.test'))[0].cookie ?? '').not.toContain(REFRESH_COOKIE_NAME);
  });

  test('fails if refresh does not rotate the cookie: a new refresh token replaces the old, and the old one is refused afterwards', async () => {
    // GIVEN a signed-in page and its refresh token
    const tab = await newTab();
    await signIn(tab);
    const [before] = await refreshCookies(tab.context);
    // WHEN the page refreshes its session
    expect(await clickRefresh(tab.page)).toBe(200);
    // THEN the cookie holds a new refresh token (same attributes)
    const after = await refreshCookies(tab.context);
    expect(after).toHaveLength(1);
    expect(after[0].value).not.toBe(before.value);
    expect(after[0]).toMatchObject({ domain: 'app.example.test', path: '/', secure: true, httpOnly: true, sameSite: 'Strict' });
    // AND a browser that presents the old one (a stolen copy) is refused, and its cookie is cleared
    const thief = await newTab();
    await thief.context.addCookies([{ name: before.name, value: before.value, url: `${h.appOrigin}/`, secure: true, httpOnly: true, sameSite: 'Strict' }]);
    await issueAs('alice');
    const n = h.requests.length;
    await opened(thief.page, `${h.appOrigin}/`);
    expect(await thief.page.getAttribute('body', 'data-session')).toBe('signed-out');
    expect(since(n, (r) => r.path === '/auth/refresh').map((r) => r.status)).toEqual([401]);
    expect(await refreshCookies(thief.context)).toEqual([]);
    // AND the rightful page still refreshes with the new one
    expect(await clickRefresh(tab.page)).toBe(200);
  });

  test('fails if the access token outlives logout: after sign-out the notes API refuses the token the page held', async () => {
    // GIVEN a signed-in page whose access token works, including one refreshed after sign-in
    const tab = await newTab();
    await signIn(tab);
    expect(await clickRefresh(tab.page)).toBe(200);
    const held = await tab.accessTokens();
    expect(held.length).toBe(2);
    for (const token of held) expect(await notesStatus(tab.page, token)).toBe(200);
    // WHEN the user signs out
    const revokes = h.issuer.events.filter((e) => e.event === 'revoke').length;
    await tab.page.click('#sign-out');
    await tab.page.waitForSelector('body[data-session="signed-out"]');
    expect(await statusText(tab.page)).toBe('Signed out');
    // THEN every access token of that sign-in is refused, the cookie is gone, and the issuer revoked the refresh token
    for (const token of held) expect(await notesStatus(tab.page, token)).toBe(401);
    expect(await refreshCookies(tab.context)).toEqual([]);
    await h.issuer.flush();
    expect(h.issuer.events.filter((e) => e.event === 'revoke')).toHaveLength(revokes + 1);
  });
});

describe('other origins against the session endpoints, in Chromium', () => {
  /** Runs script in a page of another origin, opened in the victim's browser, and returns its outcome. */
  async function fromOrigin(tab: Tab, origin: string, script: string): Promise<unknown> {
    const page = await tab.context.newPage();
    try {
      await page.goto(`${origin}/`);
      return await page.evaluate(script);
    } finally {
      await page.close();
    }
  }

  /** Every way a page script can try to call a session endpoint with the victim's cookie, and what it got. */
  const attempts = (target: string) => `(async () => {
    const outcome = (p) => p.then((r) => ({ type: r.type, status: r.status, body: r.type === 'opaque' ? '' : 'readable' }), (e) => ({ error: e.name }));
    const results = {};
    for (const path of ['/auth/refresh', '/auth/logout']) {
      results[path] = {
        preflighted: await outcome(fetch('${target}' + path, { method: 'POST', credentials: 'include', headers: { 'X-Requested-With': 'fetch', 'Content-Type': 'application/json' } })),
        simple: await outcome(fetch('${target}' + path, { method: 'POST', credentials: 'include' })),
        noCors: await outcome(fetch('${target}' + path, { method: 'POST', credentials: 'include', mode: 'no-cors' })),
      };
    }
    return results;
  })()`;

  /** The victim's session still works: the page refreshes it. */
  async function stillSignedIn(tab: Tab): Promise<void> {
    expect(await clickRefresh(tab.page)).toBe(200);
  }

  test('fails if another site can use the session: it cannot refresh, log out or read a response (CORS, SameSite, Origin check)', async () => {
    // GIVEN a signed-in victim
    const tab = await newTab();
    await signIn(tab);
    const revokes = h.issuer.events.filter((e) => e.event === 'revoke').length;
    const n = h.requests.length;
    // WHEN a page of another site calls /auth/refresh and /auth/logout every way fetch allows
    const results = await fromOrigin(tab, h.otherSiteOrigin, attempts(h.appOrigin)) as Record<string, Record<string, { error?: string; type?: string }>>;
    // THEN no response was readable: the preflight is refused, simple requests get no CORS grant, no-cors is opaque
    for (const path of ['/auth/refresh', '/auth/logout']) {
      expect(results[path].preflighted).toEqual({ error: 'TypeError' });
      expect(results[path].simple).toEqual({ error: 'TypeError' });
      expect(results[path].noCors).toMatchObject({ type: 'opaque', status: 0 });
    }
    // AND the server saw those requests without the refresh cookie (SameSite=Strict) and refused each (Origin check)
    const cross = since(n, (r) => r.host.startsWith('app.example.test') && r.origin === h.otherSiteOrigin);
    expect(cross.length).toBeGreaterThanOrEqual(6);
    for (const r of cross) {
      expect(r.cookie ?? '').not.toContain(REFRESH_COOKIE_NAME);
      expect(r.status).toBe(403);
    }
    // AND the session is untouched: nothing revoked at the issuer, and the victim's page still refreshes
    await h.issuer.flush();
    expect(h.issuer.events.filter((e) => e.event === 'revoke')).toHaveLength(revokes);
    await stillSignedIn(tab);
  });

  test('fails if the cookie is not SameSite=Strict: a link or a form from another site brings no refresh cookie', async () => {
    // GIVEN a signed-in victim
    const tab = await newTab();
    await signIn(tab);
    const n = h.requests.length;
    // WHEN a page of another site sends the victim's browser to the app by a link (top-level GET) and by a form (top-level POST)
    const page = await tab.context.newPage();
    await page.goto(`${h.otherSiteOrigin}/`);
    await page.evaluate(`(() => { const a = document.createElement('a'); a.href = '${h.appOrigin}/health'; a.id = 'go'; a.textContent = 'go'; document.body.append(a); })()`);
    await Promise.all([page.waitForURL(`${h.appOrigin}/health`), page.click('#go')]);
    await page.goto(`${h.otherSiteOrigin}/`);
    await page.evaluate(`(() => { const f = document.createElement('form'); f.method = 'POST'; f.action = '${h.appOrigin}/auth/logout'; document.body.append(f); f.submit(); })()`);
    await page.waitForURL(`${h.appOrigin}/auth/logout`);
    await page.close();
    // THEN neither request carried the cookie (Lax would send it with the link)
    const navigations = since(n, (r) => r.host.startsWith('app.example.test') && (r.path === '/health' || r.path === '/auth/logout'));
    expect(navigations.map((r) => `${r.method} ${r.path} ${r.secFetchSite}`)).toEqual(['GET /health cross-site', 'POST /auth/logout cross-site']);
    for (const r of navigations) expect(r.cookie ?? '').not.toContain(REFRESH_COOKIE_NAME);
    await stillSignedIn(tab);
  });

  test('fails if a sibling subdomain can use the session: same site, so the cookie goes along, and the Origin check refuses it', async () => {
    // GIVEN a signed-in victim
    const tab = await newTab();
    await signIn(tab);
    const revokes = h.issuer.events.filter((e) => e.event === 'revoke').length;
    const n = h.requests.length;
    // WHEN a page of a sibling subdomain (same site: SameSite does not stop it) calls the session endpoints
    const results = await fromOrigin(tab, h.siblingOrigin, attempts(h.appOrigin)) as Record<string, Record<string, { error?: string; type?: string }>>;
    // THEN no response was readable
    for (const path of ['/auth/refresh', '/auth/logout']) {
      expect(results[path].preflighted).toEqual({ error: 'TypeError' });
      expect(results[path].simple).toEqual({ error: 'TypeError' });
      expect(results[path].noCors).toMatchObject({ type: 'opaque', status: 0 });
    }
    // AND the simple requests did carry the refresh cookie, and the handler refused every one by its Origin
    const sibling = since(n, (r) => r.host.startsWith('app.example.test') && r.origin === h.siblingOrigin);
    expect(sibling.some((r) => r.method === 'POST' && (r.cookie ?? '').includes(REFRESH_COOKIE_NAME))).toBe(true);
    for (const r of sibling) expect(r.status).toBe(403);
    // AND the session is untouched
    await h.issuer.flush();
    expect(h.issuer.events.filter((e) => e.event === 'revoke')).toHaveLength(revokes);
    await stillSignedIn(tab);
  });

  test('fails if a cookie planted by a sibling subdomain counts: the victim is not signed in as the attacker, and keeps their own session', async () => {
    // GIVEN an attacker with a real session of their own, and its refresh token
    const attacker = await newTab();
    await signIn(attacker, 'mallory');
    const [stolen] = await refreshCookies(attacker.context);
    // AND a victim, not signed in, who visits the attacker's sibling subdomain, which plants cookies for the parent domain
    const victim = await newTab();
    await issueAs('alice');
    await fromOrigin(victim, h.siblingOrigin, `(() => {
      const t = '${stolen.value}';
      document.cookie = '${REFRESH_COOKIE_NAME}=' + t + '; Domain=example.test; Path=/; Secure; SameSite=Lax';
      document.cookie = '__Secure-refresh=' + t + '; Domain=example.test; Path=/; Secure; SameSite=Lax';
      document.cookie = 'refresh=' + t + '; Domain=example.test; Path=/; Secure; SameSite=Lax';
      document.cookie = '=${REFRESH_COOKIE_NAME}=' + t + '; Domain=example.test; Path=/; Secure; SameSite=Lax';
    })()`);
    const planted = (await victim.context.cookies()).map((c) => `${c.name}@${c.domain}`).sort();
    // the browser refused the __Host- name for a Domain cookie and the nameless trick; the other names were stored
    expect(planted).toEqual(['__Secure-refresh@.example.test', 'refresh@.example.test']);
    // WHEN the victim opens the app (which tries to restore a session from the cookie)
    const n = h.requests.length;
    await opened(victim.page, `${h.appOrigin}/`);
    // THEN the planted cookies went along, and the handler ignored them: no session, not signed in as the attacker
    const [restore] = since(n, (r) => r.path === '/auth/refresh');
    expect(restore.cookie).toContain(`__Secure-refresh=${stolen.value}`);
    expect(restore.status).toBe(401);
    expect(await victim.page.getAttribute('body', 'data-session')).toBe('signed-out');
    // AND the victim's own sign-in works beside the planted cookies, as the victim, and refreshes
    await victim.page.click('#sign-in');
    await victim.page.waitForSelector('body[data-ready="true"][data-session="signed-in"]');
    expect(await victim.page.textContent('#who')).toBe('Signed in as alice');
    await stillSignedIn(victim);
    expect(await victim.page.textContent('#who')).toBe('Signed in as alice');
  });
});
