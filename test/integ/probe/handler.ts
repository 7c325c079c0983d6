/**
 * Integration-test probe: a Lambda outside the VPC that checks a deployed stage
 * from the internet, as a client would. Invoked by the integ-tests assertions
 * with `{ "check": "<name>" }`; returns "PASS" or throws with the failures.
 */
import {
  AdminAddUserToGroupCommand, AdminCreateUserCommand, AdminDeleteUserCommand, AdminInitiateAuthCommand, AdminRespondToAuthChallengeCommand,
  AdminSetUserPasswordCommand, AssociateSoftwareTokenCommand, CognitoIdentityProviderClient, VerifySoftwareTokenCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { randomBytes } from 'crypto';
import {
  checkHttpRedirect, checkLoginBurstLimited, checkNotReachable, checkSignedInRoundTrip, checkSqlInjectionBlocked, checkTls13Only, checkUnauthenticated, totp,
} from './checks';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`probe misconfigured: ${name} is not set`);
  return v;
};

async function signIn(): Promise<{ token: string; cleanup: () => Promise<void> }> {
  const cognito = new CognitoIdentityProviderClient({});
  const UserPoolId = env('USER_POOL_ID');
  const ClientId = env('CLIENT_ID');
  const Username = `integ-${randomBytes(6).toString('hex')}@example.com`;
  const password = `${randomBytes(18).toString('base64url')}aA1!`;
  await cognito.send(new AdminCreateUserCommand({ UserPoolId, Username, MessageAction: 'SUPPRESS', UserAttributes: [{ Name: 'email', Value: Username }, { Name: 'email_verified', Value: 'true' }] }));
  const cleanup = async () => { await cognito.send(new AdminDeleteUserCommand({ UserPoolId, Username })); };
  try {
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId, Username, Password: password, Permanent: true }));
    await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId, Username, GroupName: 'user' }));
    let auth = await cognito.send(new AdminInitiateAuthCommand({ UserPoolId, ClientId, AuthFlow: 'ADMIN_USER_PASSWORD_AUTH', AuthParameters: { USERNAME: Username, PASSWORD: password } }));
    if (auth.ChallengeName === 'MFA_SETUP') {
      const assoc = await cognito.send(new AssociateSoftwareTokenCommand({ Session: auth.Session }));
      const verified = await cognito.send(new VerifySoftwareTokenCommand({ Session: assoc.Session, UserCode: totp(assoc.SecretCode!) }));
      auth = await cognito.send(new AdminRespondToAuthChallengeCommand({ UserPoolId, ClientId, ChallengeName: 'MFA_SETUP', Session: verified.Session, ChallengeResponses: { USERNAME: Username } }));
    }
    if (auth.ChallengeName === 'SOFTWARE_TOKEN_MFA') {
      auth = await cognito.send(new AdminRespondToAuthChallengeCommand({ UserPoolId, ClientId, ChallengeName: 'SOFTWARE_TOKEN_MFA', Session: auth.Session, ChallengeResponses: { USERNAME: Username, SOFTWARE_TOKEN_MFA_CODE: totp(process.env.TOTP_SECRET ?? '') } }));
    }
    const token = auth.AuthenticationResult?.AccessToken;
    if (!token) throw new Error(`sign-in ended with challenge ${auth.ChallengeName ?? 'none'}`);
    return { token, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

export async function handler(event: { check: string }): Promise<string> {
  const apiBase = `https://${env('API_HOST')}`;
  let failures: string[];
  switch (event.check) {
    case 'alb-tls': failures = await checkTls13Only(env('APP_HOST')); break;
    case 'api-tls': failures = await checkTls13Only(env('API_HOST')); break;
    case 'http-redirect': failures = await checkHttpRedirect(env('APP_HOST')); break;
    case 'unauthenticated': failures = await checkUnauthenticated(apiBase); break;
    case 'sql-injection': failures = await checkSqlInjectionBlocked(apiBase); break;
    case 'login-burst': failures = await checkLoginBurstLimited(apiBase, 2000, 240_000); break;
    case 'database-private': failures = await checkNotReachable(env('DB_HOST'), Number(env('DB_PORT'))); break;
    case 'signed-in-note': {
      const { token, cleanup } = await signIn();
      try { failures = await checkSignedInRoundTrip(apiBase, token); } finally { await cleanup(); }
      break;
    }
    default: failures = [`unknown check ${event.check}`];
  }
  if (failures.length > 0) throw new Error(`${event.check}: ${failures.join('; ')}`);
  return 'PASS';
}
