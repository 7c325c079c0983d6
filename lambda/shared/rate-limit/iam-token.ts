/**
 * ElastiCache IAM authentication token: a SigV4-presigned `GET` of
 * `http://<cache-name>/?Action=connect&User=<user-id>[&ResourceType=ServerlessCache]`
 * for the service `elasticache`, valid 15 minutes, sent as the password of
 * `AUTH <user-id> <token>` (the `http://` prefix stripped).
 */
import { createHash, createHmac } from 'crypto';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials (the shape every AWS SDK credential provider resolves to). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Options of {@link elastiCacheIamTokenProvider}. */
export interface ElastiCacheIamTokenOptions {
  /** Serverless cache name or replication group id (lowercase). */
  readonly cacheName: string;
  /** ElastiCache user id of the IAM-enabled user (equal to its user name). */
  readonly userId: string;
  readonly region: string;
  /**
   * True for a serverless cache (adds `ResourceType=ServerlessCache`).
   * @default true
   */
  readonly serverless?: boolean;
  /**
   * Where credentials come from.
   * @default - the AWS SDK default chain (in Lambda: the function's role from the environment)
   */
  readonly credentials?: () => Promise<AwsCredentials>;
  /**
   * Clock (tests).
   * @default Date.now
   */
  readonly now?: () => number;
}

/** Token lifetime ElastiCache accepts (15 minutes). */
export const IAM_TOKEN_TTL_SECONDS = 900;

/** Returns a function that signs a fresh token on each call (no network: signing is local). */
export function elastiCacheIamTokenProvider(options: ElastiCacheIamTokenOptions): () => Promise<string> {
  if (!/^[a-z][a-z0-9-]*$/.test(options.cacheName)) throw new Error(`cacheName ${JSON.stringify(options.cacheName)} must be lowercase (ElastiCache IAM auth)`);
  if (!/^[a-z][a-z0-9-]*$/.test(options.userId)) throw new Error(`userId ${JSON.stringify(options.userId)} must be lowercase (ElastiCache IAM auth)`);
  const credentials = options.credentials ?? defaultCredentials();
  const signer = new SignatureV4({ service: 'elasticache', region: options.region, credentials, sha256: NodeSha256 });
  const now = options.now ?? Date.now;
  return async () => {
    const query: Record<string, string> = { Action: 'connect', User: options.userId };
    if (options.serverless ?? true) query.ResourceType = 'ServerlessCache';
    const signed = await signer.presign(
      { method: 'GET', protocol: 'http:', hostname: options.cacheName, path: '/', query, headers: { host: options.cacheName } },
      { expiresIn: IAM_TOKEN_TTL_SECONDS, signingDate: new Date(now()) },
    );
    const q = Object.entries(signed.query ?? {})
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return `${options.cacheName}/?${q}`;
  };
}

function defaultCredentials(): () => Promise<AwsCredentials> {
  let provider: (() => Promise<AwsCredentials>) | undefined;
  return () => {
    // Loaded lazily: tests inject credentials and never touch the SDK chain.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    provider ??= (require('@aws-sdk/credential-providers') as { fromNodeProviderChain: () => () => Promise<AwsCredentials> }).fromNodeProviderChain();
    return provider();
  };
}

/** SHA-256 / HMAC-SHA-256 with node:crypto in the `Checksum` shape the signer expects. */
class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {
    throw new Error('NodeSha256 cannot be reset');
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}
