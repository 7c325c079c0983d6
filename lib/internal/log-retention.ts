import * as logs from 'aws-cdk-lib/aws-logs';

/**
 * Every retention (days) CloudWatch Logs offers, ascending: the values of aws-cdk-lib's `logs.RetentionDays` without
 * `INFINITE`, so the list follows the service's through aws-cdk-lib instead of a copy written here.
 */
export const LOG_RETENTION_DAYS: readonly number[] = Object.freeze(Object.values(logs.RetentionDays)
  .filter((v): v is number => typeof v === 'number' && v !== logs.RetentionDays.INFINITE)
  .sort((a, b) => a - b));
