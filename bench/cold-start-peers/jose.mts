/**
 * Peer of the cold-start bench: the smallest Lambda authorizer built on jose, bundled with the handlers' esbuild options
 * and loaded and called like the authorizer's bundle. It checks what a bare jose authorizer checks (signature with an
 * RS256 key of the remote JWKS, issuer, expiry, the app client id, token_use) and allows the called method ARN. It does
 * none of the authorizer's other work: no configuration or route table checks, no roles or scopes, no policy over the
 * route table. jose fetches the JWKS with Node's fetch. Not shipped: `bench/cold-start.ts` only. An ES module (`.mts`),
 * as jose is one, so the bundle keeps only the parts of jose it uses.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';

interface RequestEvent {
  readonly methodArn: string;
  readonly headers: Readonly<Record<string, string>>;
}

const jwks = createRemoteJWKSet(new URL(process.env.JWKS_URI ?? ''));
// Load the JWKS during the cold start, as the authorizer and the floor do.
void jwks.reload().catch(() => undefined);

export const handler = async (event: RequestEvent): Promise<unknown> => {
  const { payload } = await jwtVerify((event.headers.Authorization ?? '').replace(/^Bearer /, ''), jwks, {
    issuer: process.env.JWT_ISSUER ?? '',
    algorithms: ['RS256'],
    requiredClaims: ['exp'],
  });
  if (payload.client_id !== process.env.JWT_AUDIENCE || payload.token_use !== 'access') throw new Error('not an access token of the app client');
  return {
    principalId: payload.sub,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
  };
};
