/**
 * Powertools logger, metrics and tracer, configured once and imported by every
 * handler (the authorizer excepted: it stays dependency-free for cold start).
 * Never log a token, a password, a secret or a whole request.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'aws-security-baseline';

export const logger = new Logger({
  serviceName,
  logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
  // Header values that carry credentials never reach the logs, even if someone logs an event.
  jsonReplacerFn: (key: string, value: unknown) => (/^(authorization|cookie|set-cookie|x-api-key|password|token|refresh_token|access_token|id_token|code_verifier)$/i.test(key) ? '[REDACTED]' : value),
});

export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'SecurityBaseline' });

export const tracer = new Tracer({ serviceName, enabled: process.env.POWERTOOLS_TRACE_DISABLED !== 'true' && process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined });
