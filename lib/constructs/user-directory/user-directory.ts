/**
 * {@link UserDirectory}, the construct. The constructor hands each part to a private `xxxConfiguration` method
 * (user pool, threat protection, resource server, app client, domain, groups); its props are in props.ts, the
 * secure defaults in defaults.ts and the prop checks in validation.ts.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { TokenUse } from '../../contracts/jwt-config';
import { acknowledge } from '../../internal/acknowledge';
import { ManagedPolicyRole } from '../../internal/managed-policy-role';
import { warn } from '../../internal/warnings';
import { COGNITO_ROLES_CLAIM, USER_DIRECTORY_DEFAULTS } from './defaults';
import type { ResourceServerOptions, UserDirectoryProps } from './props';
import { validateUserDirectoryProps } from './validation';

/**
 * The project's identity provider: a Cognito user pool with required MFA (TOTP), a 14-character password policy,
 * threat protection, email-only recovery and no self sign-up; a public app client for the authorization-code
 * flow with PKCE (no secret, no implicit grant) with 15-minute tokens, rotating refresh tokens and revocation;
 * groups as roles; a resource server with scopes; and a domain that serves the OAuth endpoints.
 */
export class UserDirectory extends Construct {
  /** The user pool. */
  public readonly userPool: cognito.UserPool;
  /** The public app client (authorization code + PKCE). */
  public readonly userPoolClient: cognito.UserPoolClient;
  /** The domain that serves managed login and the OAuth endpoints. */
  public readonly domain: cognito.UserPoolDomain;
  /** The resource server. */
  public readonly resourceServer: cognito.UserPoolResourceServer;
  /** Groups (roles) by name, frozen: groups are added through props, never by changing this record. */
  public readonly groups: Record<string, cognito.IUserPoolGroup>;
  /** Group names, highest precedence first (frozen). */
  public readonly groupNames: string[];
  /** App client id (public). */
  public readonly clientId: string;
  /** Accepted audiences for the JWT verifier: the client id (Cognito access tokens carry it as `client_id`; use `tokenUse: TokenUse.ACCESS`). */
  public readonly audience: string[];
  /** Token issuer, exactly as in the `iss` claim: `https://cognito-idp.<region>.amazonaws.com/<poolId>`. */
  public readonly issuer: string;
  /** JWKS URL: `<issuer>/.well-known/jwks.json`. */
  public readonly jwksUri: string;
  /** OAuth 2.0 token endpoint (`<domain>/oauth2/token`). */
  public readonly tokenEndpoint: string;
  /** OAuth 2.0 revocation endpoint (`<domain>/oauth2/revoke`). */
  public readonly revocationEndpoint: string;
  /** Authorization endpoint (`<domain>/oauth2/authorize`), where the browser starts the PKCE flow. */
  public readonly authorizeEndpoint: string;
  /** Managed login sign-out endpoint (`<domain>/logout`). */
  public readonly logoutEndpoint: string;
  /** Full names of the resource server scopes (`<identifier>/<name>`). */
  public readonly scopes: string[];
  /**
   * The claim of every user directory's tokens that holds the caller's roles (its groups): `cognito:groups`. Pass it
   * as `JwtAuthorizer`'s `rolesClaim` (that is also its default).
   */
  public static readonly ROLES_CLAIM: string = COGNITO_ROLES_CLAIM;

  /** Token use the authorizer should require: `TokenUse.ACCESS` (pass it as `JwtAuthorizer`'s `tokenUse`). */
  public readonly tokenUse: TokenUse = TokenUse.ACCESS;
  /** Access token lifetime. */
  public readonly accessTokenValidity: Duration;
  /** Refresh token lifetime (the session cookie's `Max-Age`). */
  public readonly refreshTokenValidity: Duration;
  /** Whether threat protection is enforced. */
  public readonly threatProtection: boolean;

  constructor(scope: Construct, id: string, props: UserDirectoryProps) {
    super(scope, id);
    const d = USER_DIRECTORY_DEFAULTS;
    validateUserDirectoryProps(this, props);

    this.threatProtection = props.threatProtection ?? d.threatProtection;
    this.userPool = this.userPoolConfiguration(props, this.threatProtection);
    this.node.defaultChild = this.userPool.node.defaultChild;
    this.threatProtectionConfiguration(props, this.threatProtection);

    const rs = props.resourceServer ?? d.resourceServer;
    this.resourceServer = this.resourceServerConfiguration(rs);
    this.scopes = rs.scopes.map((s) => `${rs.identifier}/${s.name}`);

    this.accessTokenValidity = props.accessTokenValidity ?? d.accessTokenValidity;
    this.refreshTokenValidity = props.refreshTokenValidity ?? d.refreshTokenValidity;
    this.userPoolClient = this.appClientConfiguration(props, rs);
    this.clientId = this.userPoolClient.userPoolClientId;
    this.audience = [this.clientId];

    this.domain = this.domainConfiguration(props);
    // The names in precedence order (Object.keys would put a numeric name first).
    this.groupNames = Object.freeze([...(props.groups ?? d.groups)]) as string[];
    this.groups = this.groupsConfiguration(this.groupNames);

    const baseUrl = props.customDomain ? `https://${props.customDomain.domainName}` : this.domain.baseUrl();
    this.tokenEndpoint = `${baseUrl}/oauth2/token`;
    this.revocationEndpoint = `${baseUrl}/oauth2/revoke`;
    this.authorizeEndpoint = `${baseUrl}/oauth2/authorize`;
    this.logoutEndpoint = `${baseUrl}/logout`;
    this.issuer = `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`;
    this.jwksUri = `${this.issuer}/.well-known/jwks.json`;
  }

  /** The user pool: email sign-in, required MFA, the password policy, email-only recovery, the feature plan. */
  private userPoolConfiguration(props: UserDirectoryProps, threatProtection: boolean): cognito.UserPool {
    const d = USER_DIRECTORY_DEFAULTS;
    const smsMfa = props.smsMfa ?? d.smsMfa;
    const smsRole = smsMfa ? this.createSmsRole() : undefined;
    return new cognito.UserPool(this, 'Resource', {
      userPoolName: props.userPoolName,
      selfSignUpEnabled: props.selfSignUpEnabled ?? d.selfSignUpEnabled,
      signInAliases: { email: true },
      autoVerify: { email: true },
      // A changed email address takes effect only once verified: no takeover through an unverified address.
      keepOriginal: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      signInCaseSensitive: false,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: smsMfa },
      ...(smsRole ? { smsRole: smsRole.role, smsRoleExternalId: smsRole.externalId } : { enableSmsRole: false }),
      passwordPolicy: {
        minLength: props.passwordPolicy?.minLength ?? d.passwordMinLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: props.passwordPolicy?.tempPasswordValidity ?? d.tempPasswordValidity,
        passwordHistorySize: props.passwordPolicy?.passwordHistorySize ?? d.passwordHistorySize,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: threatProtection ? cognito.FeaturePlan.PLUS : cognito.FeaturePlan.ESSENTIALS,
      ...(threatProtection ? {
        standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
        customThreatProtectionMode: cognito.CustomThreatProtectionMode.FULL_FUNCTION,
      } : {}),
      email: props.email,
      removalPolicy: props.removalPolicy ?? d.removalPolicy,
      deletionProtection: props.deletionProtection ?? d.deletionProtection,
    });
  }

  /** Warns about loosened sign-up and MFA options; adds the risk configuration, or warns and acknowledges when threat protection is off. */
  private threatProtectionConfiguration(props: UserDirectoryProps, threatProtection: boolean): void {
    if (props.selfSignUpEnabled) {
      warn(this, 'user-directory:self-sign-up',
        'Self sign-up is on: anyone can create an account. Keep threat protection on and rate-limit sign-up in the web ACL, or set selfSignUpEnabled: false.');
    }
    if (props.smsMfa ?? USER_DIRECTORY_DEFAULTS.smsMfa) {
      warn(this, 'user-directory:sms-mfa',
        'SMS is offered as a second factor: SMS codes can be phished or taken over by SIM swap, and each message is billed. Prefer TOTP only (smsMfa: false).');
    }
    if (threatProtection) {
      this.addRiskConfiguration();
    } else {
      warn(this, 'user-directory:threat-protection-off',
        'Threat protection is off: no compromised-credential check and no risk-based blocking of sign-ins. Set threatProtection: true (feature plan PLUS).');
      acknowledge(this.userPool, 'AwsSolutions-COG8',
        'Threat protection (feature plan PLUS) was turned off explicitly with threatProtection: false by the owner of this user pool (with a synth warning), accepting the documented loss of compromised-credential and adaptive-authentication checks.');
    }
  }

  /** The resource server (the API) and its scopes. */
  private resourceServerConfiguration(rs: ResourceServerOptions): cognito.UserPoolResourceServer {
    return this.userPool.addResourceServer('ResourceServer', {
      identifier: rs.identifier,
      userPoolResourceServerName: rs.name ?? (rs.identifier.replace(/[^\w\s+=,.@-]/g, '-').slice(0, 256) || 'api'),
      scopes: rs.scopes.map((s) => new cognito.ResourceServerScope({ scopeName: s.name, scopeDescription: s.description })),
    });
  }

  /** The public app client: authorization code with PKCE, short-lived tokens, rotating and revocable refresh tokens. */
  private appClientConfiguration(props: UserDirectoryProps, rs: ResourceServerOptions): cognito.UserPoolClient {
    const d = USER_DIRECTORY_DEFAULTS;
    const client = this.userPool.addClient('AppClient', {
      // A browser app cannot keep a secret: a public client, protected by PKCE instead.
      generateSecret: false,
      // No direct sign-in flow by default (ExplicitAuthFlows: [], not left out: an absent list means SRP, custom and
      // refresh): sign-in goes through managed login with PKCE. SRP only when allowSrpSignIn; never USER_PASSWORD_AUTH
      // (password sent to the API) or custom auth. Rotation replaces ALLOW_REFRESH_TOKEN_AUTH, which aws-cdk-lib leaves
      // out when a rotation grace period is set.
      authFlows: { userSrp: props.allowSrpSignIn === true },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        callbackUrls: props.callbackUrls,
        logoutUrls: props.logoutUrls,
        scopes: [
          cognito.OAuthScope.OPENID,
          cognito.OAuthScope.EMAIL,
          ...rs.scopes.map((s) => cognito.OAuthScope.resourceServer(this.resourceServer, new cognito.ResourceServerScope({ scopeName: s.name, scopeDescription: s.description }))),
        ],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: this.accessTokenValidity,
      idTokenValidity: props.idTokenValidity ?? d.idTokenValidity,
      refreshTokenValidity: this.refreshTokenValidity,
      refreshTokenRotationGracePeriod: props.refreshTokenRotationGracePeriod ?? d.refreshTokenRotationGracePeriod,
      authSessionValidity: Duration.minutes(3),
    });
    client.node.addDependency(this.resourceServer);
    if (props.allowSrpSignIn === true) {
      warn(this, 'user-directory:srp-sign-in',
        'allowSrpSignIn is true: the app can sign in directly with SRP; those tokens carry only aws.cognito.signin.user.admin (no API route, but Cognito self-service calls).');
    }
    return client;
  }

  /** The domain that serves managed login and the OAuth endpoints, with Cognito's default branding for managed login v2. */
  private domainConfiguration(props: UserDirectoryProps): cognito.UserPoolDomain {
    const managedLoginVersion = props.managedLoginVersion ?? cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN;
    const domain = this.userPool.addDomain('Domain', {
      ...(props.customDomain ? { customDomain: props.customDomain } : { cognitoDomain: { domainPrefix: props.domainPrefix! } }),
      managedLoginVersion,
    });
    if (managedLoginVersion === cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN) {
      // Managed login v2 shows nothing for a client without a branding style: use Cognito's default style.
      const branding = new cognito.CfnManagedLoginBranding(this, 'Branding', {
        userPoolId: this.userPool.userPoolId,
        clientId: this.userPoolClient.userPoolClientId,
        useCognitoProvidedValues: true,
      });
      branding.node.addDependency(domain);
    }
    return domain;
  }

  /** One group per role, highest precedence first; returns them by name, in that order, frozen. */
  private groupsConfiguration(groups: readonly string[]): Record<string, cognito.IUserPoolGroup> {
    const byName: Record<string, cognito.IUserPoolGroup> = {};
    groups.forEach((name, index) => {
      byName[name] = this.userPool.addGroup(`Group${groupIdSuffix(name)}`, {
        groupName: name,
        description: `Role "${name}" (carried in the ${COGNITO_ROLES_CLAIM} claim)`,
        precedence: index,
      });
    });
    return Object.freeze(byName);
  }

  /** Blocks compromised credentials and answers risky sign-ins, for every app client of the pool. */
  private addRiskConfiguration(): void {
    const action = (eventAction: string) => ({ eventAction, notify: false });
    new cognito.CfnUserPoolRiskConfigurationAttachment(this, 'RiskConfiguration', {
      userPoolId: this.userPool.userPoolId,
      clientId: 'ALL',
      compromisedCredentialsRiskConfiguration: {
        actions: { eventAction: 'BLOCK' },
        eventFilter: ['SIGN_IN', 'PASSWORD_CHANGE', 'SIGN_UP'],
      },
      accountTakeoverRiskConfiguration: {
        actions: {
          lowAction: action('MFA_IF_CONFIGURED'),
          mediumAction: action('MFA_REQUIRED'),
          highAction: action('BLOCK'),
        },
      },
    });
  }

  /** The role Cognito assumes to send SMS codes: `sns:Publish` only, behind an external id. */
  private createSmsRole(): { role: iam.IRole; externalId: string } {
    const externalId = `${Stack.of(this).stackName}-${this.node.addr}`.slice(0, 1224);
    const role = new ManagedPolicyRole(this, 'SmsRole', {
      assumedBy: new iam.ServicePrincipal('cognito-idp.amazonaws.com', { conditions: { StringEquals: { 'sts:ExternalId': externalId } } }),
      description: 'Lets Cognito send SMS MFA codes through SNS',
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sns:Publish'], resources: ['*'] }));
    acknowledge(role.managedPolicy, 'AwsSolutions-IAM5[Resource::*]',
      'Cognito publishes SMS codes directly to phone numbers, which have no ARN; sns:Publish on * is the only form SNS accepts for that, and the role is assumable only by cognito-idp with this pool\'s external id.');
    return { role, externalId };
  }
}

/** A construct id suffix from a group name (ids stay stable as long as the name does). */
function groupIdSuffix(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9]/g, '');
  return clean.length > 0 && clean.toLowerCase() === name.toLowerCase()
    ? clean.charAt(0).toUpperCase() + clean.slice(1)
    : `${clean}${Buffer.from(name).toString('hex').slice(0, 16)}`;
}
