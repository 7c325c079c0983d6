// Runs the npm package oauth2-mock-server (an ES module) in its own Node process on 127.0.0.1, driven over
// stdin/stdout by test/lambda/oauth2-mock.ts. One JSON object per line each way.
// Commands: { op: 'set', ... } changes how the next requests are answered; events report every token and
// revocation request the server received (what the client sent, so tests can assert it).
import { Buffer } from 'buffer';
import { randomUUID } from 'crypto';
import { createServer } from 'http';
import { setTimeout } from 'timers';
import { URLSearchParams } from 'url';
import { createInterface } from 'readline';
import { OAuth2Issuer, OAuth2Service } from 'oauth2-mock-server';

const issuer = new OAuth2Issuer();
await issuer.keys.generate('RS256');
const service = new OAuth2Service(issuer);
const emit = (msg) => process.stdout.write(`${JSON.stringify(msg)}\n`);

// Behaviour switches, set by the test.
const initialMode = { delayMs: 0, tokenError: undefined, noRotation: false, revokeStatus: 200, tokenStatus: undefined, accessToken: undefined, singleUseRefreshTokens: false };
let mode = { ...initialMode };
// With mode.singleUseRefreshTokens: the refresh tokens still valid (issued, not yet used or revoked), as an issuer
// with rotation keeps them. The mock itself accepts any refresh token.
const liveRefreshTokens = new Set();

service.on('beforeResponse', (response, req) => {
  const b = req.body ?? {};
  emit({ event: 'token', contentType: req.headers['content-type'], authorization: req.headers.authorization ?? null, body: b });
  if (mode.tokenError) {
    response.statusCode = mode.tokenError.status;
    response.body = mode.tokenError.body;
    return;
  }
  if (mode.singleUseRefreshTokens && b.grant_type === 'refresh_token') {
    if (!liveRefreshTokens.has(b.refresh_token)) {
      response.statusCode = 400;
      response.body = { error: 'invalid_grant' };
      return;
    }
    if (!mode.noRotation) liveRefreshTokens.delete(b.refresh_token);
  }
  if (mode.noRotation && b.grant_type === 'refresh_token') delete response.body.refresh_token;
  if (mode.accessToken?.scope !== undefined && response.body.scope !== undefined) response.body.scope = mode.accessToken.scope;
  if (mode.singleUseRefreshTokens && response.body.refresh_token) liveRefreshTokens.add(response.body.refresh_token);
});
service.on('beforeRevoke', (response) => { response.statusCode = mode.revokeStatus; });
// Access tokens shaped like a real issuer's (mode.accessToken): RFC 9068 header type, the API's audience, a token family.
// The ID token is recognised by its audience, the client id (the mock sets it after the access token is built).
service.on('beforeTokenSigning', (token, req) => {
  const a = mode.accessToken;
  if (!a) return;
  const clientId = req.body?.client_id;
  if (token.payload.aud !== undefined && token.payload.aud === clientId) {
    if (a.idTokenSid) token.payload.sid = a.idTokenSid;
    return;
  }
  if (a.typ !== undefined) token.header.typ = a.typ;
  if (a.aud !== undefined) token.payload.aud = a.aud;
  if (a.sid !== undefined) token.payload.sid = a.sid;
  if (a.groups !== undefined) token.payload.groups = a.groups;
  if (a.scope !== undefined) token.payload.scope = a.scope;
  if (a.sub !== undefined) token.payload.sub = a.sub;
  if (a.expiredFor?.includes(req.body?.grant_type)) token.payload.exp = token.payload.iat - 300;
  token.payload.client_id = clientId;
  token.payload.jti = randomUUID();
});

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const go = () => {
    if (path === '/revoke') {
      // The mock does not parse revocation bodies; read it here (form-encoded) and report it.
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const body = Object.fromEntries(new URLSearchParams(raw));
        if (mode.revokeStatus === 200) liveRefreshTokens.delete(body.token);
        emit({ event: 'revoke', contentType: req.headers['content-type'], body });
        service.requestHandler(req, res);
      });
      return;
    }
    service.requestHandler(req, res);
  };
  if (mode.delayMs > 0) setTimeout(go, mode.delayMs); else go();
});
server.keepAliveTimeout = 500;
server.listen(0, '127.0.0.1', () => {
  issuer.url = `http://127.0.0.1:${server.address().port}`;
  emit({ ready: true, url: issuer.url });
});

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const cmd = JSON.parse(line);
  if (cmd.op === 'set') mode = { ...mode, ...cmd.mode };
  if (cmd.op === 'reset') { mode = { ...initialMode }; liveRefreshTokens.clear(); }
  emit({ id: cmd.id, ok: true });
});
const stop = () => { server.closeAllConnections(); server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 500).unref(); };
rl.on('close', stop);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, stop);
