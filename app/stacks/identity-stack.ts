import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { type JwtAlgorithm, LogsKey, type TokenUse, UserDirectory } from '../../lib';
import { IdentityConfig, stageDomain } from '../config';
import { BaselineStack, BaselineStackProps, stageRemovalPolicy } from './baseline-stack';

/** Props of {@link IdentityStack}. */
export interface IdentityStackProps extends BaselineStackProps {
  /**
   * Prefix of the Cognito domain (`https://<prefix>.auth.<region>.amazoncognito.com`); globally unique per region.
   * @default `${projectName}-${stage}`
   */
  readonly domainPrefix?: string;
}

/**
 * Where tokens come from and how the API checks them, for either provider: what the JWT authorizer
 * (`JWT_*` env vars) and the session handler (`TOKEN_ENDPOINT`, ...) are configured with.
 */
export interface TokenIssuerSettings {
  readonly provider: 'cognito' | 'oidc';
  /** Exact `iss` claim. */
  readonly issuer: string;
  /**
   * Accepted audiences: Cognito, the app client id matched against `client_id` of access tokens (with `token_use: access`);
   * OIDC, the API's own identifier in `aud` (never the client id, the `aud` of ID tokens).
   */
  readonly audience: string[];
  readonly jwksUri: string;
  readonly algorithms: JwtAlgorithm[];
  /** Largest accepted token age (`now - iat`). */
  readonly maxTokenAge: Duration;
  /** `TokenUse.ACCESS` for Cognito; undefined for a generic OIDC issuer (access tokens then recognised by `typ: at+jwt`). */
  readonly tokenUse?: TokenUse;
  /** Require `typ: at+jwt` (OIDC issuers; off only by configuration for issuers that do not set it). */
  readonly requireAccessTokenType?: boolean;
  /** What the issuer puts before a scope name in `scope` (Cognito: `<resource server identifier>/`). */
  readonly scopePrefix: string;
  /** Claim with the caller's roles. */
  readonly rolesClaim: string;
  /** Token endpoint of the session handler; undefined when an OIDC config has none (no session endpoints then). */
  readonly tokenEndpoint?: string;
  /** Revocation endpoint for logout. */
  readonly revocationEndpoint?: string;
  /** Public OAuth client id the session handler presents. */
  readonly clientId?: string;
  /** The app's callback URL (`https://app.<stage domain>/callback`), the session handler's `REDIRECT_URI`. */
  readonly redirectUri: string;
  /** Origins allowed to call the session endpoints (the app's origin). */
  readonly allowedOrigins: string[];
  /** Refresh cookie lifetime in seconds (the app client's refresh token validity). */
  readonly refreshCookieMaxAgeSeconds: number;
}

/** The configured algorithm names (checked by the configuration) as `JwtAlgorithm` values; `JwtAuthorizer` refuses any other at synth. */
function jwtAlgorithms(names: string[]): JwtAlgorithm[] {
  return names.map((name) => name as JwtAlgorithm);
}

/** Default refresh cookie lifetime for an external OIDC issuer, whose refresh token lifetime we cannot read. */
const OIDC_REFRESH_COOKIE_MAX_AGE_SECONDS = 12 * 60 * 60;

/** The stage's origins and the app's OAuth callback URL. */
interface StageOrigins {
  /** `https://app.<stage domain>`: the browser app, the only origin allowed to call the session endpoints. */
  readonly appOrigin: string;
  /** `https://api.<stage domain>`: the REST API, also the identifier of the user pool's resource server. */
  readonly apiOrigin: string;
  /** `<app origin>/callback`. */
  readonly redirectUri: string;
}

type CognitoIdentityConfig = Extract<IdentityConfig, { provider: 'cognito' }>;
type OidcIdentityConfig = Extract<IdentityConfig, { provider: 'oidc' }>;

/**
 * Identity: the Cognito user pool (MFA, threat protection, groups as roles), app client and resource server. Stateful.
 *
 * With `identity.provider: 'oidc'` in the configuration no user pool is created (the external issuer signs the
 * tokens; an idle pool would only be one more thing to secure and pay for): `directory` is then undefined and
 * {@link tokenIssuer} carries the external issuer's settings instead. Consumers read {@link tokenIssuer}.
 */
export class IdentityStack extends BaselineStack {
  /** Key for this stack's log groups. */
  public readonly logsKey: LogsKey;
  /** The Cognito user pool, app client, resource server and domain; undefined when the configured provider is `oidc`. */
  public readonly directory?: UserDirectory;
  /** Issuer settings for the authorizer and the session handler, for either provider. */
  public readonly tokenIssuer: TokenIssuerSettings;

  constructor(scope: Construct, id: string, props: IdentityStackProps) {
    super(scope, id, { ...props, terminationProtection: props.stage.deletionProtection });
    this.logsKey = new LogsKey(this, 'LogsKey', { removalPolicy: stageRemovalPolicy(this.stage) });
    const origins = this.stageOrigins();
    const identity = this.config.identity;
    if (identity.provider === 'cognito') {
      this.directory = this.userDirectory(props, origins);
      this.tokenIssuer = this.cognitoIssuer(this.directory, identity, origins);
    } else {
      this.tokenIssuer = this.oidcIssuer(identity, origins);
    }
  }

  /** The stage's app and API origins, and the app's OAuth callback URL. */
  private stageOrigins(): StageOrigins {
    const appOrigin = `https://app.${stageDomain(this.config, this.stage)}`;
    const apiOrigin = `https://api.${stageDomain(this.config, this.stage)}`;
    return { appOrigin, apiOrigin, redirectUri: `${appOrigin}/callback` };
  }

  /** The stage's Cognito user pool, with the notes API as its resource server (scopes notes.read and notes.write). */
  private userDirectory(props: IdentityStackProps, origins: StageOrigins): UserDirectory {
    return new UserDirectory(this, 'Users', {
      callbackUrls: [origins.redirectUri],
      logoutUrls: [`${origins.appOrigin}/`],
      domainPrefix: props.domainPrefix ?? `${this.config.projectName}-${this.stage.name}`,
      resourceServer: {
        identifier: origins.apiOrigin,
        name: `${this.config.projectName}-${this.stage.name}-api`,
        scopes: [
          { name: 'notes.read', description: 'Read the caller\'s notes' },
          { name: 'notes.write', description: 'Create, change and delete the caller\'s notes' },
        ],
      },
      removalPolicy: stageRemovalPolicy(this.stage),
      deletionProtection: this.stage.deletionProtection,
    });
  }

  /** Issuer settings of the stage's user pool: access tokens (`token_use: access`, audience matched against `client_id`). */
  private cognitoIssuer(directory: UserDirectory, identity: CognitoIdentityConfig, origins: StageOrigins): TokenIssuerSettings {
    return {
      provider: 'cognito',
      issuer: directory.issuer,
      audience: directory.audience,
      jwksUri: directory.jwksUri,
      algorithms: jwtAlgorithms(identity.algorithms),
      maxTokenAge: Duration.seconds(identity.maxTokenAgeSeconds),
      tokenUse: directory.tokenUse,
      scopePrefix: `${origins.apiOrigin}/`,
      rolesClaim: UserDirectory.ROLES_CLAIM,
      tokenEndpoint: directory.tokenEndpoint,
      revocationEndpoint: directory.revocationEndpoint,
      clientId: directory.clientId,
      redirectUri: origins.redirectUri,
      allowedOrigins: [origins.appOrigin],
      refreshCookieMaxAgeSeconds: directory.refreshTokenValidity.toSeconds(),
    };
  }

  /** Issuer settings of a configured external OIDC issuer (no user pool is created then). */
  private oidcIssuer(identity: OidcIdentityConfig, origins: StageOrigins): TokenIssuerSettings {
    return {
      provider: 'oidc',
      issuer: identity.issuer,
      audience: identity.audience,
      jwksUri: identity.jwksUri,
      algorithms: jwtAlgorithms(identity.algorithms),
      maxTokenAge: Duration.seconds(identity.maxTokenAgeSeconds),
      requireAccessTokenType: identity.requireAccessTokenType,
      scopePrefix: identity.scopePrefix,
      rolesClaim: UserDirectory.ROLES_CLAIM,
      tokenEndpoint: identity.tokenEndpoint,
      revocationEndpoint: identity.revocationEndpoint,
      clientId: identity.clientId,
      redirectUri: origins.redirectUri,
      allowedOrigins: [origins.appOrigin],
      refreshCookieMaxAgeSeconds: OIDC_REFRESH_COOKIE_MAX_AGE_SECONDS,
    };
  }

  /**
   * Environment of the session handler (`app/lambda/session/handler.ts`), or undefined when the issuer has no
   * token or revocation endpoint (then do not deploy the session endpoints: sign-out could not revoke).
   */
  public sessionEnvironment(): Record<string, string> | undefined {
    const t = this.tokenIssuer;
    if (!t.tokenEndpoint || !t.revocationEndpoint || !t.clientId) return undefined;
    return {
      TOKEN_ENDPOINT: t.tokenEndpoint,
      REVOCATION_ENDPOINT: t.revocationEndpoint,
      CLIENT_ID: t.clientId,
      REDIRECT_URI: t.redirectUri,
      ALLOWED_ORIGINS: t.allowedOrigins.join(','),
      REFRESH_COOKIE_MAX_AGE_SECONDS: String(t.refreshCookieMaxAgeSeconds),
    };
  }
}
