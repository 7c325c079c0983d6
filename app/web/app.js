// The reference browser client of the session endpoints (app/lambda/session/README.md): sign-in with the
// authorization-code flow and PKCE, the access token in this module's memory only, the refresh token in the
// HttpOnly __Host-refresh cookie that no script can read. Plain JavaScript, no framework, no dependency.
//
// The patterns to copy:
// - no token in localStorage, sessionStorage, the URL or a readable cookie: `accessToken` below is the only copy;
//   sessionStorage holds the PKCE verifier and state between the redirect and the callback, and loses them there;
// - every session call sends `X-Requested-With: fetch` (the CSRF header) and `credentials: 'include'` (the cookie);
// - notes calls send the bearer token and `credentials: 'omit'`: the cookie never goes with them;
// - a notes call answered 401 refreshes once and retries once; a failed refresh means signed out.

const CSRF_HEADERS = Object.freeze({ 'X-Requested-With': 'fetch' });
/** sessionStorage key of the pending sign-in (PKCE verifier and state, never a token). */
const PENDING_KEY = 'notes.pendingSignIn';

/** The access token: in memory only, gone when the page is closed or reloaded (the cookie then restores it). */
let accessToken = null;
/** One refresh at a time: concurrent 401s share it (the refresh token rotates, so a second call would be refused). */
let refreshing = null;
let config;

const $ = (id) => document.getElementById(id);

function base64url(bytes) {
  let text = '';
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const randomString = (bytes) => base64url(crypto.getRandomValues(new Uint8Array(bytes)));

/** PKCE S256: BASE64URL(SHA-256(verifier)). */
async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

/** Step 1: to the issuer's authorization endpoint with a fresh verifier's challenge and a state. */
async function signIn() {
  const verifier = randomString(48); // 64 characters of the RFC 7636 alphabet
  const state = randomString(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(config.authorizeEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: config.clientId, redirect_uri: config.redirectUri, scope: config.scope, state,
    code_challenge: await challengeOf(verifier), code_challenge_method: 'S256',
  }).toString();
  location.assign(url.href);
}

/** Step 2, at the callback: check the state, exchange the code through /auth/token. */
async function completeSignIn(params) {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null');
  sessionStorage.removeItem(PENDING_KEY); // single use, whatever happens next
  history.replaceState(null, '', '/'); // the code leaves the address bar and the history
  if (params.has('error')) return show(`Sign-in failed: ${params.get('error')}`);
  if (pending === null || params.get('state') !== pending.state) return show('Sign-in failed: the answer does not match a sign-in started here');
  const res = await sessionCall('/auth/token', { code: params.get('code'), code_verifier: pending.verifier });
  if (!res.ok) return show(`Sign-in failed (${res.status})`);
  accessToken = (await res.json()).access_token;
  return true;
}

/** A call to the session endpoints: POST, the CSRF header, the refresh cookie. */
function sessionCall(path, body, bearer) {
  const headers = { ...CSRF_HEADERS };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  return fetch(`${config.apiBase}${path}`, {
    method: 'POST', credentials: 'include', cache: 'no-store', headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Step 3: a new access token for the cookie (which rotates). Resolves false when the session is over. */
function refresh() {
  refreshing ??= (async () => {
    try {
      const res = await sessionCall('/auth/refresh');
      accessToken = res.ok ? (await res.json()).access_token : null;
      return res.ok;
    } catch {
      accessToken = null;
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A notes API call with the bearer token and without cookies; on 401, one refresh and one retry. */
async function api(path, init = {}, retried = false) {
  if (accessToken === null && !(await refresh())) return signedOut('Your session has ended; sign in again');
  const headers = { ...init.headers, Authorization: `Bearer ${accessToken}` };
  const res = await fetch(`${config.apiBase}${path}`, { ...init, headers, credentials: 'omit', cache: 'no-store' });
  if (res.status !== 401 || retried) return res;
  if (!(await refresh())) return signedOut('Your session has ended; sign in again');
  return api(path, init, true);
}

/** Step 4: end API access and the session (the issuer revokes the refresh token, the cookie is cleared). */
async function signOut() {
  const res = await sessionCall('/auth/logout', undefined, accessToken ?? undefined);
  if (res.status === 503) return show('Sign-out could not be recorded; try again');
  accessToken = null;
  signedOut(res.ok ? 'Signed out' : `Signed out here; the identity provider did not confirm (${res.status})`);
}

async function loadNotes() {
  const res = await api('/notes?limit=20');
  if (!res) return;
  if (!res.ok) return show(`Could not load notes (${res.status})`);
  const list = $('notes');
  list.replaceChildren(...(await res.json()).items.map((note) => {
    const item = document.createElement('li');
    const title = document.createElement('strong');
    title.textContent = note.title; // textContent, never innerHTML: notes are user input
    item.append(title, document.createTextNode(note.body));
    return item;
  }));
}

async function addNote(event) {
  event.preventDefault();
  const res = await api('/notes', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ title: $('note-title').value, body: $('note-body').value }),
  });
  if (!res) return;
  if (!res.ok) return show(`Could not add the note (${res.status})`);
  event.target.reset();
  await loadNotes();
}

/** The access token's claims, for display only: the API verifies the token, the page never trusts them. */
function claimsOf(token) {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return {};
  }
}

function show(message, ok = false) {
  $('status').textContent = message;
  $('status').className = ok ? 'ok' : '';
}

function render() {
  const signedIn = accessToken !== null;
  $('sign-in').hidden = signedIn;
  $('refresh').hidden = !signedIn;
  $('sign-out').hidden = !signedIn;
  $('notes-view').hidden = !signedIn;
  $('who').textContent = signedIn ? `Signed in as ${claimsOf(accessToken).sub ?? 'unknown'}` : 'Not signed in';
  document.body.dataset.session = signedIn ? 'signed-in' : 'signed-out';
}

function signedOut(message) {
  accessToken = null;
  $('notes').replaceChildren();
  render();
  show(message);
  return undefined;
}

async function start() {
  const res = await fetch('/config.json', { cache: 'no-store', credentials: 'omit' });
  config = await res.json();
  $('sign-in').addEventListener('click', () => { signIn().catch(() => show('Sign-in could not start')); });
  $('sign-out').addEventListener('click', () => { signOut().catch(() => show('Sign-out failed; try again')); });
  $('refresh').addEventListener('click', async () => {
    if (await refresh()) { render(); show('Session refreshed', true); } else signedOut('Your session has ended; sign in again');
  });
  $('new-note').addEventListener('submit', (event) => { addNote(event).catch(() => show('Could not add the note')); });

  const params = new URLSearchParams(location.search);
  // After the redirect: exchange the code. Otherwise: a reload or a new tab, where the cookie may still hold a session.
  const signedIn = params.has('code') || params.has('error') ? await completeSignIn(params) === true : await refresh();
  render();
  if (signedIn) {
    show('Signed in', true);
    await loadNotes();
  }
  document.body.dataset.ready = 'true';
}

start().catch(() => show('The page could not start'));
