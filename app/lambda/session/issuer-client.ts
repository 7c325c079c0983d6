/**
 * Calls the issuer's token and revocation endpoints (RFC 6749 §4.1.3 and §6, RFC 7636, RFC 7009) as a
 * public client: form-encoded bodies, `client_id` in the body, no secret, a timeout on every call, no
 * redirects followed. The issuer's error bodies and the tokens never leave this module in an error.
 *
 * By default the calls use node:https (node:http only for the loopback URLs the configuration allows in tests):
 * Node's built-in `fetch` (undici) is loaded and compiled on first use, which cost the session's first request
 * about 40 ms of cold start. An injected `fetch` is used as given.
 */
import { request as httpRequest, type IncomingMessage } from 'http';
import { request as httpsRequest } from 'https';

/** Tokens the issuer returned (the ID token is read but never handed to the browser). */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly tokenType: 'Bearer';
  readonly expiresIn: number;
  readonly scope?: string;
  readonly refreshToken?: string;
}

/** Why a call to the issuer failed; `oauthError` is the RFC 6749 error code only (safe to log), never the description. */
export class IssuerError extends Error {
  constructor(
    public readonly kind: 'rejected' | 'unavailable' | 'timeout' | 'invalid_response',
    public readonly status?: number,
    public readonly oauthError?: string,
  ) {
    super(`issuer ${kind}${status ? ` (HTTP ${status})` : ''}${oauthError ? ` ${oauthError}` : ''}`);
    this.name = 'IssuerError';
  }
}

export interface IssuerClientOptions {
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  readonly clientId: string;
  readonly timeoutMs: number;
  /** @default - a small node:https POST (no redirects, the same timeout and size cap) */
  readonly fetch?: typeof fetch;
}

/** Largest issuer response we read (Cognito token responses are a few KB). */
const MAX_RESPONSE_BYTES = 64 * 1024;
const OAUTH_ERROR = /^[a-z_]{1,64}$/;

export class IssuerClient {
  private readonly fetchFn: typeof fetch | undefined;

  constructor(private readonly options: IssuerClientOptions) {
    this.fetchFn = options.fetch;
  }

  /** Exchanges an authorization code and its PKCE verifier. */
  public exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<IssuedTokens> {
    return this.token({ grant_type: 'authorization_code', client_id: this.options.clientId, code, code_verifier: codeVerifier, redirect_uri: redirectUri });
  }

  /** Redeems a refresh token (the issuer may rotate it: a new one comes back in `refreshToken`). */
  public refresh(refreshToken: string): Promise<IssuedTokens> {
    return this.token({ grant_type: 'refresh_token', client_id: this.options.clientId, refresh_token: refreshToken });
  }

  /** Revokes a refresh token (and, at Cognito, the access tokens issued from it). */
  public async revoke(refreshToken: string): Promise<void> {
    const res = await this.post(this.options.revocationEndpoint, { token: refreshToken, token_type_hint: 'refresh_token', client_id: this.options.clientId });
    if (res.status !== 200) throw new IssuerError(res.status >= 500 ? 'unavailable' : 'rejected', res.status, oauthErrorOf(res.body));
  }

  private async token(form: Record<string, string>): Promise<IssuedTokens> {
    const res = await this.post(this.options.tokenEndpoint, form);
    if (res.status !== 200) throw new IssuerError(res.status >= 500 ? 'unavailable' : 'rejected', res.status, oauthErrorOf(res.body));
    let body: unknown;
    try { body = JSON.parse(res.body); } catch { throw new IssuerError('invalid_response', res.status); }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new IssuerError('invalid_response', res.status);
    const b = body as Record<string, unknown>;
    const expiresIn = typeof b.expires_in === 'string' ? Number(b.expires_in) : b.expires_in;
    if (typeof b.access_token !== 'string' || b.access_token.length === 0 || b.access_token.length > 16384
      || typeof b.token_type !== 'string' || b.token_type.toLowerCase() !== 'bearer'
      || typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn <= 0 || expiresIn > 86400
      || (b.refresh_token !== undefined && (typeof b.refresh_token !== 'string' || !isCookieSafe(b.refresh_token)))
      || (b.scope !== undefined && typeof b.scope !== 'string')) {
      throw new IssuerError('invalid_response', res.status);
    }
    return {
      accessToken: b.access_token,
      tokenType: 'Bearer',
      expiresIn,
      scope: b.scope as string | undefined,
      refreshToken: b.refresh_token as string | undefined,
    };
  }

  private async post(url: string, form: Record<string, string>): Promise<{ status: number; body: string }> {
    if (!this.fetchFn) return postWithNodeHttp(url, new URLSearchParams(form).toString(), this.options.timeoutMs);
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams(form).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (err) {
      const name = (err as { name?: string }).name;
      throw new IssuerError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unavailable');
    }
    let text: string;
    try {
      text = await readLimited(res, MAX_RESPONSE_BYTES);
    } catch (err) {
      const name = (err as { name?: string }).name;
      throw new IssuerError(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'invalid_response', res.status);
    }
    return { status: res.status, body: text };
  }
}

/**
 * A form POST with node:https (node:http for an http URL): the response body is read up to
 * {@link MAX_RESPONSE_BYTES}, redirects are refused (never followed), and the whole exchange is bounded by `timeoutMs`.
 * Fails with the same {@link IssuerError} kinds as the fetch path.
 */
function postWithNodeHttp(url: string, body: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const finish = (err: IssuerError | undefined, value?: { status: number; body: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(value!);
    };
    const timer = setTimeout(() => finish(new IssuerError('timeout')), timeoutMs);
    const req = send(target, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        res.resume();
        finish(new IssuerError('unavailable', status)); // a redirect is refused, like fetch's redirect: 'error'
        return;
      }
      if (Number(res.headers['content-length'] ?? '0') > MAX_RESPONSE_BYTES) {
        res.resume();
        finish(new IssuerError('invalid_response', status));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_RESPONSE_BYTES) finish(new IssuerError('invalid_response', status));
        else chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, { status, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => finish(new IssuerError('invalid_response', status)));
    });
    req.on('error', () => finish(new IssuerError('unavailable')));
    req.end(body);
  });
}

/** A cookie value needs no encoding (RFC 6265 cookie-octet) and stays under the browsers' 4 KB cookie limit. */
export function isCookieSafe(value: string): boolean {
  return value.length > 0 && value.length <= 3800 && /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+$/.test(value);
}

function oauthErrorOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: unknown };
    return typeof parsed?.error === 'string' && OAUTH_ERROR.test(parsed.error) ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}

async function readLimited(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw Object.assign(new Error('issuer response too large'), { name: 'TooLarge' });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
