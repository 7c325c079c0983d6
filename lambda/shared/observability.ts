/**
 * Powertools logger and metrics, configured once and imported by every
 * handler (the authorizer excepted: it stays dependency-free for cold start).
 * Never log a token, a password, a secret or a whole request.
 *
 * No Powertools tracer: it loads the X-Ray SDK (aws-xray-sdk-core, cls-hooked,
 * semver) at import, one of the largest costs of a cold start, and the handlers
 * used it only to annotate cold starts and the service name. The functions keep
 * active X-Ray tracing (SecureFunction): Lambda records each invocation's segment
 * and an `Initialization` subsegment on every cold start without any SDK in the bundle.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'aws-security-baseline';

export const logger = new Logger({
  serviceName,
  logLevel: (process.env.LOG_LEVEL as 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | undefined) ?? 'INFO',
  // Header values that carry credentials never reach the logs, even if someone logs an event.
  jsonReplacerFn: (key: string, value: unknown) => (/^(authorization|cookie|set-cookie|x-api-key|password|token|refresh_token|access_token|id_token|code_verifier)$/i.test(key) ? '[REDACTED]' : value),
});

export const metrics = new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'SecurityBaseline' });
