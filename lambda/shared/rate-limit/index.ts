/**
 * Per-identity rate limiting backed by Redis / Valkey (ElastiCache Serverless).
 * The core (`RateLimiter`) is pure; `createRedisRateLimitStore` is the ioredis adapter.
 */
export * from './config';
export * from './limiter';
export { DeadlineQueue, RateLimitTimeoutError } from './deadlines';
export type { Deadline } from './deadlines';
export { GCRA_SCRIPT, GCRA_SCRIPT_SHA1 } from './script';
export { elastiCacheIamTokenProvider, IAM_TOKEN_TTL_SECONDS } from './iam-token';
export type { AwsCredentials, ElastiCacheIamTokenOptions } from './iam-token';
