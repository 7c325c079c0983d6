import { ChildProcess, spawn } from 'child_process';
import { createHash, randomBytes } from 'crypto';
import { join } from 'path';
import { createInterface } from 'readline';

/** A request the OAuth2 server received. */
export interface OAuthEvent {
  readonly event: 'token' | 'revoke';
  readonly contentType?: string;
  readonly authorization?: string | null;
  readonly body: Record<string, string>;
}

/** How the server answers the next requests. */
export interface OAuthMode {
  /** Delay before answering any request, ms (timeouts). */
  readonly delayMs?: number;
  /** Replace every token response with this status and body. */
  readonly tokenError?: { status: number; body: unknown };
  /** Leave the new refresh token out of refresh responses. */
  readonly noRotation?: boolean;
  /** Status of the revocation endpoint. */
  readonly revokeStatus?: number;
  /**
   * Accept each refresh token once, and none that was revoked, as an issuer with refresh-token rotation does
   * (Cognito with rotation): a used or revoked token gets `400 invalid_grant`. The mock alone accepts any.
   */
  readonly singleUseRefreshTokens?: boolean;
  /**
   * Shape access tokens like a real issuer's: header `typ` (RFC 9068 `at+jwt`, or `JWT` for an issuer that
   * does not set it), `aud` (the API identifier), `sid`, `groups`, `scope` (also the response's `scope`), `sub`;
   * `client_id` and a fresh `jti` are always added. `expiredFor` lists grant types whose access tokens are
   * issued already expired (`exp` 5 minutes before `iat`), to make the API answer 401.
   */
  readonly accessToken?: {
    typ?: string; aud?: string | string[]; sid?: string; groups?: string[]; idTokenSid?: string; scope?: string; sub?: string;
    expiredFor?: ('authorization_code' | 'refresh_token')[];
  };
}

/** The real OAuth 2.0 server (npm oauth2-mock-server) on 127.0.0.1, in a child process. */
export interface MockOAuthServer {
  /** Issuer URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The issuer's JWKS, `<url>/jwks`. */
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint: string;
  /** Every token and revocation request received, in order. */
  readonly events: OAuthEvent[];
  set(mode: OAuthMode): Promise<void>;
  /** Waits until every event the server emitted so far has arrived (a round trip on the same ordered pipe). */
  flush(): Promise<void>;
  reset(): Promise<void>;
  /**
   * Runs the browser's half of the authorization-code flow with PKCE (S256): calls /authorize with a fresh
   * verifier's challenge and returns the code from the redirect plus the verifier.
   */
  authorize(clientId: string, redirectUri: string, scope?: string): Promise<{ code: string; verifier: string }>;
  stop(): Promise<void>;
}

export async function startMockOAuthServer(): Promise<MockOAuthServer> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'oauth2-mock.mjs')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const events: OAuthEvent[] = [];
  const waiters = new Map<number, () => void>();
  let nextId = 1;
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`oauth2-mock-server exited with code ${code}`)));
    lines.on('line', (line) => {
      const msg = JSON.parse(line);
      if (msg.ready) resolve(msg.url);
      else if (msg.event) events.push(msg as OAuthEvent);
      else if (msg.id) { waiters.get(msg.id)?.(); waiters.delete(msg.id); }
    });
  });
  const send = (cmd: Record<string, unknown>) => new Promise<void>((resolve) => {
    const id = nextId++;
    waiters.set(id, resolve);
    child.stdin!.write(`${JSON.stringify({ id, ...cmd })}\n`);
  });
  return {
    url,
    jwksUri: `${url}/jwks`,
    tokenEndpoint: `${url}/token`,
    revocationEndpoint: `${url}/revoke`,
    events,
    set: (mode) => send({ op: 'set', mode }),
    reset: () => send({ op: 'reset' }),
    flush: () => send({ op: 'ping' }),
    async authorize(clientId, redirectUri, scope = 'openid notes.read') {
      const verifier = randomBytes(48).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const query = new URLSearchParams({
        response_type: 'code', client_id: clientId, redirect_uri: redirectUri, scope,
        state: randomBytes(16).toString('base64url'), code_challenge: challenge, code_challenge_method: 'S256',
      });
      const res = await fetch(`${url}/authorize?${query}`, { redirect: 'manual' });
      const location = res.headers.get('location');
      if (res.status !== 302 || !location) throw new Error(`authorize answered ${res.status}`);
      const code = new URL(location).searchParams.get('code');
      if (!code) throw new Error('no code in the redirect');
      return { code, verifier };
    },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.stdin!.end();
    }),
  };
}
