/**
 * Typed configuration of the baseline, read from the `baseline` key of the
 * CDK context (`cdk.json`, `-c`, or `cdk.context.json`).
 *
 * This folder is the only place that knows accounts, regions and domains;
 * stacks and constructs receive these values through props.
 */

/** How long a stage keeps stateful resources after their stack is deleted. */
export type StageRemovalPolicy = 'destroy' | 'retain' | 'snapshot';

/** One deployment stage (for example `dev` or `prod`). */
export interface StageConfig {
  /** Stage name, also used in stack names and DNS names. */
  readonly name: string;
  /** 12-digit AWS account id; undefined keeps the stacks account-agnostic. */
  readonly account?: string;
  /** AWS region (concrete: ALB access logs and ACM need one). */
  readonly region: string;
  /** Availability zones named explicitly, so synth never looks them up. */
  readonly availabilityZones: string[];
  /** NAT gateways in the VPC (0 when nothing in the private subnets needs the internet). */
  readonly natGateways: number;
  /** Multi-AZ database and redundant capacity. */
  readonly multiAz: boolean;
  /** CloudWatch Logs retention in days (a value CloudWatch accepts, at least 365). */
  readonly logRetentionDays: number;
  /** What happens to stateful resources when their stack is deleted. */
  readonly removalPolicy: StageRemovalPolicy;
  /** Deletion protection on the load balancer and database, termination protection on stateful stacks. */
  readonly deletionProtection: boolean;
  /** Database backup retention in days (7..35). */
  readonly backupRetentionDays: number;
  /** DNS label of the stage under the domain: `api.<subdomain>.<domainName>`; empty string for the apex. */
  readonly subdomain: string;
  /**
   * One web ACL protects both the REST API stage and the load balancer (the same rules; its body-size rule allows 16 KB, and on
   * the ALB, where AWS WAF inspects only 8 KB, every larger body is blocked as uninspectable, so the ALB keeps its 8 KB limit).
   * Saves one web ACL and its rules per month.
   * @default false (one web ACL each)
   */
  readonly sharedWebAcl?: boolean;
  /**
   * Availability zones that get an interface VPC endpoint (Secrets Manager), from the first zone on. Fewer zones cost less;
   * the endpoint stays private and its policy unchanged, a zone outage can make it unreachable from the other zones.
   * @default - every zone of the stage
   */
  readonly endpointAzs?: number;
  /**
   * The internet-facing load balancer entry at `app.<subdomain>.<domainName>`: the TLS 1.3 ALB, its certificate and DNS
   * records, its access-log buckets, the notes function behind it and its web ACL association. `false` leaves the REST API
   * (`api.<subdomain>.<domainName>`) as the stage's one internet-facing entry point, with every control it has either way,
   * and saves the load balancer's hour and its public IPv4 addresses. `sharedWebAcl` then has nothing to share and changes
   * nothing; it applies again when the load balancer returns.
   * @default true
   */
  readonly loadBalancer?: boolean;
}

/** JWT issuer: the project's Cognito user pool (default) or an external OIDC provider. */
export type IdentityConfig =
  | {
    readonly provider: 'cognito';
    /** Maximum token age accepted by the authorizer, seconds (60..3600). */
    readonly maxTokenAgeSeconds: number;
    /** Allowed JWS algorithms (asymmetric only). */
    readonly algorithms: string[];
  }
  | {
    readonly provider: 'oidc';
    /** Issuer URL, exactly as in the `iss` claim (https). */
    readonly issuer: string;
    /**
     * Accepted audiences (`aud` of access tokens): the API's own identifier at the issuer (resource indicator,
     * API audience), never the OAuth client id, which is the `aud` of ID tokens.
     */
    readonly audience: string[];
    /** OAuth client id of the app (the session handler's `client_id`); required with `tokenEndpoint`; never an audience. */
    readonly clientId?: string;
    /**
     * Require RFC 9068 `typ: at+jwt` on access tokens (refuses ID tokens by type). Set false only for an
     * issuer that does not set it; the audience rule then keeps ID tokens out. Default true.
     */
    readonly requireAccessTokenType: boolean;
    /** What the issuer puts before a scope name in the `scope` claim (for example `https://api.example.com/`). Default "". */
    readonly scopePrefix: string;
    /** JWKS URL (https). */
    readonly jwksUri: string;
    /** Token endpoint for the session endpoints (https). */
    readonly tokenEndpoint?: string;
    /** Revocation endpoint for logout (https). */
    readonly revocationEndpoint?: string;
    readonly maxTokenAgeSeconds: number;
    readonly algorithms: string[];
  };

/** Route 53 hosted zone, imported with `HostedZone.fromHostedZoneAttributes` (never looked up). */
export interface HostedZoneConfig {
  readonly id: string;
  readonly name: string;
}

/** Optional multi-account delivery pipeline (CDK Pipelines). */
export interface PipelineConfig {
  /** Build the pipeline stack (off by default). */
  readonly enabled: boolean;
  /** Account that hosts the pipeline (the tooling account). */
  readonly account?: string;
  /** Region of the pipeline. */
  readonly region: string;
  /** `owner/repository` of the source. */
  readonly repository: string;
  /** Branch that deploys. */
  readonly branch: string;
  /** ARN of the CodeStar/CodeConnections connection to the repository host. */
  readonly connectionArn: string;
}

/** The whole, validated configuration. */
export interface BaselineConfig {
  /** Prefix of every stack name (lowercase letters, digits and hyphens). */
  readonly projectName: string;
  /** Apex domain the stages live under (for example `example.com`). */
  readonly domainName: string;
  readonly hostedZone: HostedZoneConfig;
  readonly identity: IdentityConfig;
  /** Stages by name, in deployment order. */
  readonly stages: StageConfig[];
  /** The delivery pipeline, when enabled. */
  readonly pipeline?: PipelineConfig;
}
