/**
 * ElastiCache IAM authentication token: a SigV4-presigned `GET` of
 * `http://<cache-name>/?Action=connect&User=<user-id>[&ResourceType=ServerlessCache]`
 * for the service `elasticache`, valid 15 minutes, sent as the password of
 * `AUTH <user-id> <token>` (the `http://` prefix stripped).
 */
import { AwsCredentials, credentialsFromEnv, presignQuery } from '../aws-presign';

export type { AwsCredentials } from '../aws-presign';

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
   * @default - the function's execution-role credentials from the environment (what the SDK's default chain resolves to in Lambda)
   */
  readonly credentials?: () => AwsCredentials | Promise<AwsCredentials>;
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
  const credentials = options.credentials ?? (() => credentialsFromEnv());
  const now = options.now ?? Date.now;
  return async () => {
    const query: Record<string, string> = { Action: 'connect', User: options.userId };
    if (options.serverless ?? true) query.ResourceType = 'ServerlessCache';
    const signed = presignQuery({
      host: options.cacheName, query, service: 'elasticache', region: options.region, credentials: await credentials(),
      expiresIn: IAM_TOKEN_TTL_SECONDS, date: new Date(now()),
    });
    return `${options.cacheName}/?${signed}`;
  };
}
