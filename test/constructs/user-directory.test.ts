import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { parseConfig } from '../../app/config';
import { UserDirectory, UserDirectoryProps } from '../../lib/constructs/user-directory';
import { IdentityStack } from '../../app/stacks/identity-stack';
import { exampleBaselineConfig } from '../helpers/baseline';
import { acknowledgements, formatFindings, ruleFindings } from '../helpers/compliance';

const BASE: UserDirectoryProps = { callbackUrls: ['https://app.example.com/callback'], domainPrefix: 'myapp-dev' };

function build(props: Partial<UserDirectoryProps> = {}): { app: App; stack: Stack; dir: UserDirectory; t: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'Identity', { env: { account: '111111111111', region: 'eu-west-1' } });
  const dir = new UserDirectory(stack, 'Users', { ...BASE, ...props });
  return { app, stack, dir, t: Template.fromStack(stack) };
}

function fail(props: Partial<UserDirectoryProps>): () => void {
  return () => {
    const app = new App();
    new UserDirectory(new Stack(app, 'S', { env: { region: 'eu-west-1' } }), 'Users', { ...BASE, ...props });
  };
}

describe('UserDirectory defaults', () => {
  const { app, stack, dir, t } = build();

  test('MFA is required, with TOTP only', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', { MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    t.hasResourceProperties('AWS::Cognito::UserPool', { SmsConfiguration: Match.absent() });
  });

  test('password policy: 14 characters, every class, temporary passwords for 3 days, 24 remembered', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      Policies: { PasswordPolicy: { MinimumLength: 14, RequireLowercase: true, RequireUppercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 3, PasswordHistorySize: 24 } },
    });
  });

  test('threat protection: PLUS plan, full-function for standard and custom auth, compromised credentials blocked, risky sign-ins challenged', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED', AdvancedSecurityAdditionalFlows: { CustomAuthMode: 'ENFORCED' } },
    });
    t.hasResourceProperties('AWS::Cognito::UserPoolRiskConfigurationAttachment', {
      ClientId: 'ALL',
      CompromisedCredentialsRiskConfiguration: { Actions: { EventAction: 'BLOCK' }, EventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'] },
      AccountTakeoverRiskConfiguration: { Actions: { LowAction: { EventAction: 'MFA_IF_CONFIGURED' }, MediumAction: { EventAction: 'MFA_REQUIRED' }, HighAction: { EventAction: 'BLOCK' } } },
    });
    expect(dir.threatProtection).toBe(true);
  });

  test('recovery by verified email only; no self sign-up; email changes need verification', () => {
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      AccountRecoverySetting: { RecoveryMechanisms: [{ Name: 'verified_email', Priority: 1 }] },
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] },
      UsernameConfiguration: { CaseSensitive: false },
    });
  });

  test('the pool is retained and deletion-protected', () => {
    t.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain', Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }) });
  });

  test('app client: authorization code (PKCE) only, public (no secret), no implicit grant, no direct sign-in flow, Cognito users only', () => {
    t.resourceCountIs('AWS::Cognito::UserPoolClient', 1);
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      ExplicitAuthFlows: [],
      SupportedIdentityProviders: ['COGNITO'],
      CallbackURLs: ['https://app.example.com/callback'],
      PreventUserExistenceErrors: 'ENABLED',
    });
  });

  test('fails if the SRP flow (tokens with only aws.cognito.signin.user.admin) is on by default; the list is explicit, never absent', () => {
    // An absent ExplicitAuthFlows means SRP, custom and refresh auth to Cognito: the empty list must be in the template.
    const client = Object.values(t.findResources('AWS::Cognito::UserPoolClient'))[0];
    expect(client.Properties.ExplicitAuthFlows).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('allowSrpSignIn'))).toHaveLength(0);
  });

  test('allowSrpSignIn turns SRP on (and only SRP), with a synth warning', () => {
    const b = build({ allowSrpSignIn: true });
    b.t.hasResourceProperties('AWS::Cognito::UserPoolClient', { ExplicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] });
    expect(Annotations.fromStack(b.stack).findWarning('*', Match.stringLikeRegexp('allowSrpSignIn is true'))).toHaveLength(1);
  });

  test('tokens: access and ID 15 minutes, refresh 12 hours with rotation, revocation on', () => {
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      RefreshTokenValidity: 720,
      TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
      RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 10 },
      EnableTokenRevocation: true,
    });
    expect(dir.refreshTokenValidity.toSeconds()).toBe(43200);
  });

  test('the client may not ask for the Cognito self-service admin scope', () => {
    const client = Object.values(t.findResources('AWS::Cognito::UserPoolClient'))[0];
    expect(JSON.stringify(client.Properties.AllowedOAuthScopes)).not.toContain('aws.cognito.signin.user.admin');
    expect(client.Properties.AllowedOAuthScopes.slice(0, 2)).toEqual(['openid', 'email']);
  });

  test('groups as roles: admin and user, admin first', () => {
    t.resourceCountIs('AWS::Cognito::UserPoolGroup', 2);
    t.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'admin', Precedence: 0 });
    t.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'user', Precedence: 1 });
    expect(dir.groupNames).toEqual(['admin', 'user']);
    expect(UserDirectory.ROLES_CLAIM).toBe('cognito:groups');
  });

  test('groups and groupNames are read-only views: a caller cannot add, replace or remove a role after construction', () => {
    // WHEN a caller tries to change them (through casts, as JavaScript callers could)
    const names = dir.groupNames as string[];
    expect(Reflect.set(dir.groups, 'intruder', dir.groups.admin)).toBe(false);
    expect(Reflect.set(dir.groups, 'user', dir.groups.admin)).toBe(false);
    expect(Reflect.deleteProperty(dir.groups, 'admin')).toBe(false);
    expect(() => names.push('intruder')).toThrow(TypeError);
    // THEN they still describe exactly the groups in the template
    expect(Object.keys(dir.groups)).toEqual(['admin', 'user']);
    expect(dir.groupNames).toEqual(['admin', 'user']);
  });

  test('a resource server with scopes, all granted to the client', () => {
    t.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'api',
      Scopes: [Match.objectLike({ ScopeName: 'read' }), Match.objectLike({ ScopeName: 'write' })],
    });
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AllowedOAuthScopes: Match.arrayWith([
        { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ResourceServer') }, '/read']] },
        { 'Fn::Join': ['', [{ Ref: Match.stringLikeRegexp('ResourceServer') }, '/write']] },
      ]),
    });
    expect(dir.scopes).toEqual(['api/read', 'api/write']);
  });

  test('a domain with managed login (v2, Cognito branding) serves the OAuth endpoints', () => {
    t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'myapp-dev', ManagedLoginVersion: 2 });
    t.hasResourceProperties('AWS::Cognito::ManagedLoginBranding', { UseCognitoProvidedValues: true, ClientId: { Ref: Match.stringLikeRegexp('AppClient') } });
  });

  test('exposes issuer, JWKS, endpoints, client id and audience', () => {
    const r = (v: unknown) => stack.resolve(v);
    const poolRef = { Ref: stack.getLogicalId(dir.userPool.node.defaultChild as cognito.CfnUserPool) };
    expect(r(dir.issuer)).toEqual({ 'Fn::Join': ['', ['https://cognito-idp.eu-west-1.', { Ref: 'AWS::URLSuffix' }, '/', poolRef]] });
    expect(r(dir.jwksUri)['Fn::Join'][1].at(-1)).toBe('/.well-known/jwks.json');
    expect(JSON.stringify(r(dir.tokenEndpoint))).toContain('.auth.eu-west-1.amazoncognito.com/oauth2/token');
    expect(JSON.stringify(r(dir.revocationEndpoint))).toContain('.auth.eu-west-1.amazoncognito.com/oauth2/revoke');
    expect(JSON.stringify(r(dir.authorizeEndpoint))).toContain('/oauth2/authorize');
    expect(r(dir.clientId)).toEqual({ Ref: stack.getLogicalId(dir.userPoolClient.node.defaultChild as cognito.CfnUserPoolClient) });
    expect(r(dir.audience)).toEqual([r(dir.clientId)]);
    expect(dir.tokenUse).toBe('access');
  });

  test('secure defaults raise no warning', () => {
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  test('rule packs pass with no acknowledgement', () => {
    expect(formatFindings(ruleFindings(app))).toBe('');
    expect(acknowledgements(stack).filter((a) => !a.id.startsWith('CloudFormation-Validate'))).toEqual([]);
  });
});

describe('UserDirectory overrides', () => {
  test('SMS as an extra second factor: MFA still required, SNS role with sns:Publish only, rule packs pass', () => {
    const { app, stack, t } = build({ smsMfa: true });
    Annotations.fromStack(stack).hasWarning('/Identity/Users', Match.stringLikeRegexp('SMS is offered as a second factor'));
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      MfaConfiguration: 'ON',
      EnabledMfas: Match.arrayWith(['SMS_MFA', 'SOFTWARE_TOKEN_MFA']),
      SmsConfiguration: { SnsCallerArn: Match.anyValue(), ExternalId: Match.anyValue() },
    });
    t.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'cognito-idp.amazonaws.com' }, Condition: { StringEquals: { 'sts:ExternalId': Match.anyValue() } } })] },
    });
    t.hasResourceProperties('AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: [Match.objectLike({ Action: 'sns:Publish', Resource: '*' })] } });
    t.resourceCountIs('AWS::IAM::Policy', 0);
    expect(formatFindings(ruleFindings(app))).toBe('');
  });

  test('threat protection opt-out: ESSENTIALS plan, no risk configuration, a synth warning, COG8 acknowledged with the reason', () => {
    const { app, stack, dir, t } = build({ threatProtection: false });
    t.hasResourceProperties('AWS::Cognito::UserPool', { UserPoolTier: 'ESSENTIALS', UserPoolAddOns: Match.absent() });
    t.resourceCountIs('AWS::Cognito::UserPoolRiskConfigurationAttachment', 0);
    expect(dir.threatProtection).toBe(false);
    Annotations.fromStack(stack).hasWarning('/Identity/Users', Match.stringLikeRegexp('Threat protection is off'));
    expect(acknowledgements(stack).map((a) => a.id)).toContain('AwsSolutions-COG8');
    expect(formatFindings(ruleFindings(app))).toBe('');
  });

  test('token lifetimes, grace period, groups, resource server, password, removal and logout URLs can be changed', () => {
    const { dir, t } = build({
      accessTokenValidity: Duration.minutes(60),
      idTokenValidity: Duration.minutes(5),
      refreshTokenValidity: Duration.days(30),
      refreshTokenRotationGracePeriod: Duration.seconds(0),
      groups: ['owner', 'reader', 'admin'],
      resourceServer: { identifier: 'https://api.example.com', scopes: [{ name: 'notes.read', description: 'read notes' }] },
      passwordPolicy: { minLength: 20, tempPasswordValidity: Duration.days(1), passwordHistorySize: 0 },
      removalPolicy: RemovalPolicy.DESTROY,
      deletionProtection: false,
      logoutUrls: ['https://app.example.com/'],
      selfSignUpEnabled: true,
      userPoolName: 'people',
    });
    Annotations.fromStack(Stack.of(dir)).hasWarning('/Identity/Users', Match.stringLikeRegexp('Self sign-up is on'));
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      AccessTokenValidity: 60, IdTokenValidity: 5, RefreshTokenValidity: 43200,
      RefreshTokenRotation: { Feature: 'ENABLED', RetryGracePeriodSeconds: 0 },
      LogoutURLs: ['https://app.example.com/'],
    });
    t.resourceCountIs('AWS::Cognito::UserPoolGroup', 3);
    t.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'owner', Precedence: 0 });
    t.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', { Identifier: 'https://api.example.com', Name: 'https---api.example.com', Scopes: [Match.objectLike({ ScopeName: 'notes.read' })] });
    expect(dir.scopes).toEqual(['https://api.example.com/notes.read']);
    t.hasResourceProperties('AWS::Cognito::UserPool', {
      UserPoolName: 'people',
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 20, TemporaryPasswordValidityDays: 1, PasswordHistorySize: 0 }) },
      DeletionProtection: 'INACTIVE',
    });
    t.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete' });
  });

  test('a custom domain replaces the prefix domain; classic hosted UI has no branding resource', () => {
    const app = new App();
    const stack = new Stack(app, 'S', { env: { account: '111111111111', region: 'eu-west-1' } });
    const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
    const dir = new UserDirectory(stack, 'Users', {
      callbackUrls: BASE.callbackUrls, customDomain: { domainName: 'auth.example.com', certificate }, managedLoginVersion: cognito.ManagedLoginVersion.CLASSIC_HOSTED_UI,
    });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'auth.example.com', ManagedLoginVersion: 1 });
    t.resourceCountIs('AWS::Cognito::ManagedLoginBranding', 0);
    expect(dir.tokenEndpoint).toBe('https://auth.example.com/oauth2/token');
    expect(dir.revocationEndpoint).toBe('https://auth.example.com/oauth2/revoke');
  });
});

describe('UserDirectory validation', () => {
  test('fails if the access token lives longer than 60 minutes', () => {
    expect(fail({ accessTokenValidity: Duration.minutes(61) })).toThrow(/S\/Users: invalid accessTokenValidity = "1 hour 1 minute"\. Fix: use a duration from 5 minutes to 1 hour/);
  });
  test('fails if the ID token lives longer than 60 minutes or shorter than 5', () => {
    expect(fail({ idTokenValidity: Duration.hours(2) })).toThrow(/invalid idTokenValidity/);
    expect(fail({ idTokenValidity: Duration.minutes(4) })).toThrow(/invalid idTokenValidity/);
  });
  test('fails if a callback URL is plain http', () => {
    expect(fail({ callbackUrls: ['http://app.example.com/callback'] })).toThrow(/S\/Users: invalid callbackUrls = "http:\/\/app.example.com\/callback"\. Fix: use an absolute https URL/);
  });
  test('fails if a callback URL has a fragment or is not a URL, or there is none', () => {
    expect(fail({ callbackUrls: ['https://app.example.com/cb#x'] })).toThrow(/invalid callbackUrls/);
    expect(fail({ callbackUrls: ['app.example.com/callback'] })).toThrow(/invalid callbackUrls/);
    expect(fail({ callbackUrls: [] })).toThrow(/invalid callbackUrls = \[\]/);
  });
  test('fails if a logout URL is plain http', () => {
    expect(fail({ logoutUrls: ['http://app.example.com/'] })).toThrow(/invalid logoutUrls/);
  });
  test('fails if temporary passwords live longer than 3 days (or not in whole days)', () => {
    expect(fail({ passwordPolicy: { tempPasswordValidity: Duration.days(4) } }))
      .toThrow(/invalid passwordPolicy\.tempPasswordValidity = "4 days"\. Fix: use a duration from 1 day to 3 days in whole days/);
    expect(fail({ passwordPolicy: { tempPasswordValidity: Duration.hours(36) } })).toThrow(/invalid passwordPolicy\.tempPasswordValidity/);
  });
  test('fails if the minimum password length is below 14', () => {
    expect(fail({ passwordPolicy: { minLength: 13 } })).toThrow(/invalid passwordPolicy\.minLength = 13\. Fix: use a whole number from 14 to 99/);
  });
  test('fails if the password history is over 24', () => {
    expect(fail({ passwordPolicy: { passwordHistorySize: 25 } })).toThrow(/invalid passwordPolicy\.passwordHistorySize = 25/);
  });
  test('fails if the refresh token lives longer than 30 days or the grace period exceeds 60 seconds', () => {
    expect(fail({ refreshTokenValidity: Duration.days(31) })).toThrow(/invalid refreshTokenValidity/);
    expect(fail({ refreshTokenValidity: Duration.minutes(59) })).toThrow(/invalid refreshTokenValidity/);
    expect(fail({ refreshTokenRotationGracePeriod: Duration.seconds(61) })).toThrow(/invalid refreshTokenRotationGracePeriod/);
  });
  test('fails if the domain prefix is malformed or reserved, or both or neither domain is given', () => {
    expect(fail({ domainPrefix: 'My_App' })).toThrow(/invalid domainPrefix = "My_App"/);
    expect(fail({ domainPrefix: 'aws-security-dev' })).toThrow(/without "aws", "amazon" or "cognito"/);
    expect(fail({ domainPrefix: undefined })).toThrow(/invalid domainPrefix = undefined\. Fix: give domainPrefix/);
    expect(() => {
      const app = new App();
      const stack = new Stack(app, 'S', { env: { region: 'eu-west-1' } });
      const certificate = acm.Certificate.fromCertificateArn(stack, 'Cert', 'arn:aws:acm:us-east-1:111111111111:certificate/abc');
      new UserDirectory(stack, 'Users', { ...BASE, customDomain: { domainName: 'auth.example.com', certificate } });
    }).toThrow(/either domainPrefix or customDomain, not both/);
  });
  test('fails if groups are empty, duplicated or contain commas or spaces', () => {
    expect(fail({ groups: [] })).toThrow(/invalid groups = \[\]/);
    expect(fail({ groups: ['admin', 'admin'] })).toThrow(/duplicate group names/);
    expect(fail({ groups: ['a,b'] })).toThrow(/invalid groups = "a,b"/);
    expect(fail({ groups: ['power user'] })).toThrow(/invalid groups = "power user"/);
  });
  test('fails if the resource server has no scopes or a malformed scope or identifier', () => {
    expect(fail({ resourceServer: { identifier: 'api', scopes: [] } })).toThrow(/invalid resourceServer.scopes/);
    expect(fail({ resourceServer: { identifier: 'api', scopes: [{ name: 'a/b', description: 'x' }] } })).toThrow(/invalid resourceServer.scopes = "a\/b"/);
    expect(fail({ resourceServer: { identifier: 'api', name: 'https://x', scopes: [{ name: 'read', description: 'x' }] } })).toThrow(/invalid resourceServer.name/);
    expect(fail({ resourceServer: { identifier: 'my api', scopes: [{ name: 'read', description: 'x' }] } })).toThrow(/invalid resourceServer.identifier/);
  });
});

describe('IdentityStack', () => {
  function identityStack(mutate: (raw: Record<string, any>) => void = () => undefined, stageName = 'dev'): IdentityStack {
    const raw = exampleBaselineConfig();
    mutate(raw);
    const config = parseConfig(raw);
    const stage = config.stages.find((s) => s.name === stageName)!;
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    return new IdentityStack(app, `secbase-${stageName}-identity`, { config, stage });
  }

  test('dev: the directory follows the stage (destroy, no deletion protection), callback on the app domain, prefix from the names', () => {
    const stack = identityStack();
    const t = Template.fromStack(stack);
    expect(stack.directory).toBeInstanceOf(UserDirectory);
    expect(stack.directory!.node.id).toBe('Users');
    t.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ DeletionProtection: 'INACTIVE' }) });
    t.hasResourceProperties('AWS::Cognito::UserPoolClient', { CallbackURLs: ['https://app.dev.example.com/callback'], LogoutURLs: ['https://app.dev.example.com/'] });
    t.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'secbase-dev' });
    t.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'https://api.dev.example.com',
      Scopes: [Match.objectLike({ ScopeName: 'notes.read' }), Match.objectLike({ ScopeName: 'notes.write' })],
    });
    expect(stack.tokenIssuer).toMatchObject({ provider: 'cognito', tokenUse: 'access', rolesClaim: 'cognito:groups', redirectUri: 'https://app.dev.example.com/callback', allowedOrigins: ['https://app.dev.example.com'], refreshCookieMaxAgeSeconds: 43200 });
    expect(formatFindings(ruleFindings(stack))).toBe('');
    expect(Object.keys(stack.sessionEnvironment()!).sort()).toEqual(['ALLOWED_ORIGINS', 'CLIENT_ID', 'REDIRECT_URI', 'REFRESH_COOKIE_MAX_AGE_SECONDS', 'REVOCATION_ENDPOINT', 'TOKEN_ENDPOINT']);
  });

  test('prod: retained and deletion-protected', () => {
    const t = Template.fromStack(identityStack(undefined, 'prod'));
    t.hasResource('AWS::Cognito::UserPool', { DeletionPolicy: 'Retain', Properties: Match.objectLike({ DeletionProtection: 'ACTIVE' }) });
  });

  test('oidc provider: no user pool; the issuer settings come from the configuration', () => {
    const stack = identityStack((raw) => {
      raw.identity = {
        provider: 'oidc', issuer: 'https://login.example.org/', audience: ['https://api.example.org'], clientId: 'notes-spa', jwksUri: 'https://login.example.org/jwks',
        tokenEndpoint: 'https://login.example.org/token', revocationEndpoint: 'https://login.example.org/revoke', maxTokenAgeSeconds: 900, algorithms: ['RS256'],
      };
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::Cognito::UserPool', 0);
    expect(stack.directory).toBeUndefined();
    // The API's audience is the API identifier; the client id (the aud of ID tokens) is only the session handler's client.
    expect(stack.tokenIssuer).toMatchObject({ provider: 'oidc', issuer: 'https://login.example.org/', audience: ['https://api.example.org'], clientId: 'notes-spa', requireAccessTokenType: true, scopePrefix: '' });
    expect(stack.tokenIssuer.tokenUse).toBeUndefined();
    expect(stack.sessionEnvironment()).toMatchObject({ CLIENT_ID: 'notes-spa' });
    expect(stack.sessionEnvironment()).toMatchObject({ TOKEN_ENDPOINT: 'https://login.example.org/token', REVOCATION_ENDPOINT: 'https://login.example.org/revoke' });
  });
});
