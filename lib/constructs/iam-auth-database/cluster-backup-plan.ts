import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeEach, packRuleIds } from '../../internal/acknowledge';
import { nagText } from '../../internal/nag-reference';

/**
 * An AWS Backup plan for an Aurora cluster, created in `scope` (the database construct, so the ids `BackupVault` and
 * `BackupPlan` sit beside its cluster): daily at 04:00 UTC, into a vault encrypted with `encryptionKey` whose recovery
 * points cannot be deleted by hand and which outlives the stack, kept `retentionDays` days. It selects the cluster:
 * Aurora keeps all data in the cluster volume and AWS Backup protects it at the cluster level.
 */
export function clusterBackupPlan(scope: Construct, cluster: rds.DatabaseCluster, encryptionKey: kms.IKey, retentionDays: number): backup.BackupPlan {
  const vault = new backup.BackupVault(scope, 'BackupVault', {
    encryptionKey,
    removalPolicy: RemovalPolicy.RETAIN,
    blockRecoveryPointDeletion: true,
  });
  const plan = new backup.BackupPlan(scope, 'BackupPlan', {
    backupVault: vault,
    backupPlanRules: [new backup.BackupPlanRule({
      ruleName: 'Daily',
      scheduleExpression: events.Schedule.cron({ hour: '4', minute: '0' }),
      deleteAfter: Duration.days(retentionDays),
    })],
  });
  const selection = plan.addSelection('Cluster', {
    resources: [backup.BackupResource.fromRdsDatabaseCluster(cluster)],
  });
  const role = selection.node.tryFindChild('Role');
  if (role) {
    const servicePolicy = iam.ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSBackupServiceRolePolicyForBackup');
    acknowledge(role, `AwsSolutions-IAM4[Policy::${nagText(role, servicePolicy.managedPolicyArn)}]`,
      'AWS Backup assumes this role to snapshot the selected Aurora cluster; AWSBackupServiceRolePolicyForBackup is the AWS-maintained service ' +
      'policy AWS Backup documents for selections, kept current by AWS as Backup adds resource types, and the role trusts only backup.amazonaws.com.');
  }
  for (const instance of cluster.node.children) {
    if (!(instance.node.defaultChild instanceof rds.CfnDBInstance) && !(instance instanceof rds.CfnDBInstance)) continue;
    const target = instance instanceof rds.CfnDBInstance ? instance : instance.node.defaultChild!;
    acknowledgeEach(target, packRuleIds('RDSInBackupPlan', ['NIST.800.53.R5', 'HIPAA.Security']),
      'Aurora keeps all data in the cluster volume; AWS Backup protects Aurora at the cluster level, and this instance\'s cluster is selected ' +
      'in the AWS Backup plan of this construct. Instances hold no data of their own, so AWS Backup cannot select them.');
  }
  return plan;
}
