/**
 * Peer of the cold-start bench: the smallest Lambda authorizer built on aws-jwt-verify (the AWS-maintained JWT library),
 * bundled with the handlers' esbuild options and loaded and called like the authorizer's bundle. It checks what a bare
 * aws-jwt-verify authorizer checks (signature with an RS256 key of the JWKS, issuer, expiry, the app client id, token_use)
 * and allows the called method ARN. It does none of the authorizer's other work: no configuration or route table
 * checks, no roles or scopes, no policy over the route table. Not shipped: `bench/cold-start.ts` only.
 */
import { JwtVerifier } from 'aws-jwt-verify';

interface RequestEvent {
  readonly methodArn: string;
  readonly headers: Readonly<Record<string, string>>;
}

const verifier = JwtVerifier.create({
  issuer: process.env.JWT_ISSUER ?? '',
  audience: null,
  jwksUri: process.env.JWKS_URI ?? '',
  customJwtCheck: ({ payload }) => {
    if (payload.client_id !== process.env.JWT_AUDIENCE || payload.token_use !== 'access') throw new Error('not an access token of the app client');
  },
});
// Load the JWKS during the cold start, as the authorizer and the floor do.
void verifier.hydrate().catch(() => undefined);

export const handler = async (event: RequestEvent): Promise<unknown> => {
  const payload = await verifier.verify((event.headers.Authorization ?? '').replace(/^Bearer /, ''));
  return {
    principalId: payload.sub,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
  };
};
