/**
 * SigV4 query-string presigning (the `X-Amz-*` query parameters of a presigned
 * `GET`) with node:crypto, for the two auth tokens the handlers sign locally:
 * the RDS IAM database token (`rds-db`) and the ElastiCache IAM token
 * (`elasticache`). Both are a presigned `GET /?Action=connect&...` with only the
 * `host` header signed and an empty payload.
 *
 * Why not the AWS SDK: `@aws-sdk/rds-signer` and `@smithy/signature-v4` bring
 * the SDK's credential chain, config loaders and protocol code (~300 KB of bundle),
 * whose loading was the largest package cost of the API handler's cold start. The
 * algorithm is small and fixed (AWS Signature Version 4, "Authenticating
 * Requests: Using Query Parameters"); tests check the tokens against the SDK's
 * signers and an independent recomputation.
 */
import { createHash, createHmac } from 'crypto';

/** AWS credentials (the shape every AWS SDK credential provider resolves to). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** What to presign. */
export interface PresignRequest {
  /** Host header value, with `:port` when the token includes it (RDS). */
  readonly host: string;
  /** Request parameters before the `X-Amz-*` ones (for example `Action=connect`). */
  readonly query: Readonly<Record<string, string>>;
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** Seconds the signature is valid (1 to 604800). */
  readonly expiresIn: number;
  /** Signing time. */
  readonly date: Date;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const EMPTY_PAYLOAD_SHA256 = createHash('sha256').update('').digest('hex');

/** RFC 3986 encoding as SigV4 requires it (encodeURIComponent leaves `!'()*` alone). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `20261128T120000Z` */
function amzDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * The presigned query string (`Action=connect&...&X-Amz-Signature=...`), every
 * key and value encoded, sorted as signed. Throws on unusable input: a token is
 * never produced from empty credentials.
 */
export function presignQuery(request: PresignRequest): string {
  const { credentials, service, region, host } = request;
  if (!credentials.accessKeyId || !credentials.secretAccessKey) throw new Error('AWS credentials are missing');
  if (!Number.isInteger(request.expiresIn) || request.expiresIn < 1 || request.expiresIn > 604_800) throw new Error(`expiresIn ${request.expiresIn} is out of range`);
  if (!/^[a-z0-9-]+$/.test(region) || !/^[a-z0-9-]+$/.test(service)) throw new Error('region and service must be lowercase names');
  if (host === '' || /[\s/?#@]/.test(host)) throw new Error(`host ${JSON.stringify(host)} is not a host name`);
  const time = amzDate(request.date);
  const day = time.slice(0, 8);
  const scope = `${day}/${region}/${service}/aws4_request`;
  const params: [string, string][] = Object.entries(request.query).map(([k, v]) => [uriEncode(k), uriEncode(v)]);
  params.push(
    ['X-Amz-Algorithm', ALGORITHM],
    ['X-Amz-Credential', uriEncode(`${credentials.accessKeyId}/${scope}`)],
    ['X-Amz-Date', time],
    ['X-Amz-Expires', String(request.expiresIn)],
    ['X-Amz-SignedHeaders', 'host'],
  );
  if (credentials.sessionToken) params.push(['X-Amz-Security-Token', uriEncode(credentials.sessionToken)]);
  params.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalQuery = params.map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host.toLowerCase()}`, '', 'host', EMPTY_PAYLOAD_SHA256].join('\n');
  const stringToSign = [ALGORITHM, time, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  let key = createHmac('sha256', `AWS4${credentials.secretAccessKey}`).update(day).digest();
  for (const part of [region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `${canonicalQuery}&X-Amz-Signature=${signature}`;
}

/**
 * The credentials Lambda puts in the function's environment (its execution role's: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), read at each call. In Lambda these are what the SDK's default chain resolves to.
 */
export function credentialsFromEnv(env: Record<string, string | undefined> = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) throw new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set (Lambda sets them from the execution role).');
  return { accessKeyId, secretAccessKey, ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}) };
}

/** Lifetime of an RDS IAM auth token (seconds). */
export const RDS_TOKEN_TTL_SECONDS = 900;

/** Options of {@link RdsAuthTokenSigner}. */
export interface RdsAuthTokenSignerOptions {
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly region: string;
  /** @default - {@link credentialsFromEnv} at each signing */
  readonly credentials?: () => AwsCredentials | Promise<AwsCredentials>;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * RDS IAM auth tokens (`<host>:<port>/?Action=connect&DBUser=<user>&X-Amz-...`), the same token
 * `@aws-sdk/rds-signer`'s `Signer.getAuthToken()` returns. Fits `AuthTokenSigner` of lambda/shared/db.ts.
 */
export class RdsAuthTokenSigner {
  constructor(private readonly options: RdsAuthTokenSignerOptions) {
    if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new Error(`port ${options.port} is not a port number`);
    if (!options.username) throw new Error('username is empty');
  }

  async getAuthToken(): Promise<string> {
    const { hostname, port, username, region } = this.options;
    const credentials = await (this.options.credentials ?? credentialsFromEnv)();
    const host = `${hostname}:${port}`;
    const query = presignQuery({
      host, query: { Action: 'connect', DBUser: username }, service: 'rds-db', region, credentials,
      expiresIn: RDS_TOKEN_TTL_SECONDS, date: new Date((this.options.now ?? Date.now)()),
    });
    return `${host}/?${query}`;
  }
}
