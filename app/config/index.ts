import { App } from 'aws-cdk-lib';
import { CONTEXT_KEY, parseConfig } from './load';
import { BaselineConfig } from './types';

export * from './types';
export { ConfigError, CONTEXT_KEY, parseConfig, stageDomain, LOG_RETENTION_DAYS, ASYMMETRIC_JWT_ALGORITHMS } from './load';

/**
 * Reads and validates the configuration from the app's context.
 * `-c stages=dev` (comma-separated) limits synthesis to some stages.
 */
export function loadConfig(app: App): BaselineConfig {
  const only = app.node.tryGetContext('stages') as string | undefined;
  const onlyStages = only === undefined ? undefined : String(only).split(',').map((s) => s.trim()).filter(Boolean);
  return parseConfig(app.node.tryGetContext(CONTEXT_KEY), onlyStages);
}
