/**
 * Lambda adapter of the database bootstrap (CloudFormation custom resource, called by the
 * CDK provider framework). Wires the real dependencies into the pure core: Secrets Manager
 * (through the VPC endpoint), `pg` with TLS verified against the Amazon RDS CAs, and the
 * migrations and table privileges given as custom-resource properties. Errors reach CloudFormation as a one-line message without secrets.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { Client } from 'pg';
import { rdsCaBundle } from '../shared/db';
import { runMigrations } from '../shared/migrate';
import { logger } from '../shared/observability';
import { SecretCache } from '../shared/secrets';
import { BootstrapError, BootstrapEvent, BootstrapResponse, ConnectionOptions, handleEvent, parseSchemaSpec, SqlClient } from './core';

// No caching: every run reads the current (possibly just rotated) master password.
const secrets = new SecretCache({ client: new SecretsManagerClient({}), ttlMs: 0 });

/**
 * A `pg` client that requires TLS and verifies the server certificate chain and host name
 * (verify-full) against the Amazon RDS CAs of the function's Region (all Regions' when AWS_REGION is unknown to the
 * index; `ca` is injectable for tests only).
 */
export function createTlsClient(options: ConnectionOptions, ca: string | string[] = rdsCaBundle(process.env.AWS_REGION)): SqlClient {
  return new Client({
    ...options,
    ssl: { ca, rejectUnauthorized: true, servername: options.host },
    connectionTimeoutMillis: 30_000,
    statement_timeout: 60_000,
    application_name: 'db-bootstrap',
  }) as unknown as SqlClient;
}

export async function handler(event: BootstrapEvent): Promise<BootstrapResponse> {
  try {
    // The tables and privileges come from the construct's props (custom-resource properties), never from this bundle:
    // the same bundle serves every app, and one that passes none gets an application role with CONNECT and USAGE only.
    const spec = event.RequestType === 'Delete' ? { migrations: [], tablePrivileges: {} } : parseSchemaSpec(event.ResourceProperties);
    return await handleEvent(event, {
      readSecret: (arn) => secrets.getString(arn),
      createClient: (options) => createTlsClient(options),
      migrate: (client, run) => runMigrations(client as unknown as Parameters<typeof runMigrations>[0], spec.migrations, run),
      // The tables the application role is granted on live in the public schema.
      schema: 'public',
      tablePrivileges: spec.tablePrivileges,
      log: (message, fields) => logger.info(message, { ...fields, requestType: event.RequestType }),
    });
  } catch (err) {
    const message = err instanceof BootstrapError ? err.message : 'Database bootstrap failed: unexpected error (see the function log).';
    logger.error(message, { requestType: event.RequestType, errorName: err instanceof Error ? err.name : 'UnknownError' });
    // A new Error without the original stack or cause: the provider framework reports err.message to CloudFormation.
    // eslint-disable-next-line preserve-caught-error -- the cause may carry driver details; CloudFormation gets only the safe message.
    throw new Error(message);
  }
}
