import { CfnResource } from 'aws-cdk-lib';
import { isTrue, referencedResources, renderedProperties, shown } from '../cfn';
import { CfnProperties } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const DB_CLUSTER = 'AWS::RDS::DBCluster';
export const DB_INSTANCE = 'AWS::RDS::DBInstance';
const CLUSTER_PARAMETER_GROUP = 'AWS::RDS::DBClusterParameterGroup';
const PARAMETER_GROUP = 'AWS::RDS::DBParameterGroup';

/** True for a database the RDS controls judge: a cluster, or an instance that is not a member of a cluster. */
export function isStandaloneDatabase(resource: CfnResource, properties: CfnProperties): boolean {
  return resource.cfnResourceType === DB_CLUSTER || properties.DBClusterIdentifier === undefined;
}

const engine = (p: CfnProperties): string => (typeof p.Engine === 'string' ? p.Engine.toLowerCase() : '');
const isPostgres = (p: CfnProperties): boolean => engine(p).includes('postgres');
const isMysql = (p: CfnProperties): boolean => engine(p).includes('mysql') || engine(p) === 'mariadb';

/** Databases encrypt their storage. */
export const rdsStorageEncryption: SecurityBaselineControl = {
  id: 'RDS1',
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Databases encrypt their storage',
  reports: '`StorageEncrypted = <value>`',
  resourceTypes: [DB_CLUSTER, DB_INSTANCE],
  evaluate(resource: CfnResource, { properties }) {
    if (!isStandaloneDatabase(resource, properties) || isTrue(properties.StorageEncrypted)) return [];
    return [{ setting: 'StorageEncrypted', found: shown(properties.StorageEncrypted), fix: 'set storageEncrypted: true with a customer-managed key (a new database: encryption cannot be turned on in place)' }];
  },
};

/** Databases accept IAM authentication tokens, so the application holds no database password. */
export const rdsIamAuthentication: SecurityBaselineControl = {
  id: 'RDS2',
  areas: [SecurityBaselineArea.IDENTITY],
  title: 'PostgreSQL and MySQL databases have IAM database authentication on',
  reports: '`EnableIAMDatabaseAuthentication = <value>`',
  resourceTypes: [DB_CLUSTER, DB_INSTANCE],
  evaluate(resource: CfnResource, { properties }) {
    if (!isStandaloneDatabase(resource, properties) || !(isPostgres(properties) || isMysql(properties))) return [];
    if (isTrue(properties.EnableIAMDatabaseAuthentication)) return [];
    return [{ setting: 'EnableIAMDatabaseAuthentication', found: shown(properties.EnableIAMDatabaseAuthentication), fix: 'set iamAuthentication: true and connect with rds-db:connect tokens' }];
  },
};

/** Databases cannot be deleted by accident. */
export const rdsDeletionProtection: SecurityBaselineControl = {
  id: 'RDS3',
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Databases have deletion protection',
  reports: '`DeletionProtection = <value>`',
  resourceTypes: [DB_CLUSTER, DB_INSTANCE],
  evaluate(resource: CfnResource, { properties }) {
    if (!isStandaloneDatabase(resource, properties) || isTrue(properties.DeletionProtection)) return [];
    return [{ setting: 'DeletionProtection', found: shown(properties.DeletionProtection), fix: 'set deletionProtection: true' }];
  },
};

/** Databases keep automated backups at least as long as the threshold (7 days by default). */
export const rdsBackupRetention: SecurityBaselineControl = {
  id: 'RDS4',
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Databases keep automated backups at least the threshold (7 days)',
  reports: '`BackupRetentionPeriod = <days>`: below the threshold',
  resourceTypes: [DB_CLUSTER, DB_INSTANCE],
  evaluate(resource: CfnResource, { properties, thresholds }) {
    if (!isStandaloneDatabase(resource, properties)) return [];
    const days = properties.BackupRetentionPeriod;
    if (days !== undefined && Number(days) >= thresholds.backupRetentionDays) return [];
    return [{
      setting: 'BackupRetentionPeriod',
      found: days === undefined ? 'not set (1 day)' : shown(days),
      fix: `set backup retention to at least ${thresholds.backupRetentionDays} days`,
    }];
  },
};

/** The parameter group a database uses, when it is defined in this app. */
function parameterGroup(resource: CfnResource): CfnProperties | undefined {
  const name = resource.cfnResourceType === DB_CLUSTER
    ? (resource as unknown as { dbClusterParameterGroupName?: unknown }).dbClusterParameterGroupName
    : (resource as unknown as { dbParameterGroupName?: unknown }).dbParameterGroupName;
  const wanted = resource.cfnResourceType === DB_CLUSTER ? CLUSTER_PARAMETER_GROUP : PARAMETER_GROUP;
  const group = [...referencedResources(resource, name)].find((r) => r.cfnResourceType === wanted);
  return group ? renderedProperties(group) : undefined;
}

/** Databases refuse connections without TLS (`rds.force_ssl`, `require_secure_transport` on MySQL). */
export const rdsForceTls: SecurityBaselineControl = {
  id: 'RDS5',
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.IDENTITY],
  title: 'Databases force TLS for every connection (rds.force_ssl=1; require_secure_transport=ON on MySQL)',
  reports: '`(cluster) parameter group rds.force_ssl = <value>` (`require_secure_transport` on MySQL)',
  resourceTypes: [DB_CLUSTER, DB_INSTANCE],
  evaluate(resource: CfnResource, { properties }) {
    if (!isStandaloneDatabase(resource, properties)) return [];
    const postgres = isPostgres(properties) || engine(properties).startsWith('sqlserver');
    if (!postgres && !isMysql(properties)) return [];
    const parameter = postgres ? 'rds.force_ssl' : 'require_secure_transport';
    const group = parameterGroup(resource);
    const value = group?.Parameters?.[parameter];
    if (postgres ? ['1', 1, true, 'true'].includes(value) : ['ON', 'on', '1', 1].includes(value)) return [];
    // RDS for PostgreSQL 15 and later forces TLS by default (rds.force_ssl=1 in the default parameter group).
    const major = Number(String(properties.EngineVersion ?? '').split('.')[0]);
    if (engine(properties) === 'postgres' && major >= 15 && value === undefined) return [];
    const groupKind = resource.cfnResourceType === DB_CLUSTER ? 'cluster parameter group' : 'parameter group';
    return [{
      setting: `${groupKind} ${parameter}`,
      found: group ? shown(value) : `not set (no ${groupKind} in the app)`,
      fix: `use a ${groupKind} with ${parameter}=${postgres ? '1' : 'ON'} and connect with sslmode=verify-full`,
    }];
  },
};
