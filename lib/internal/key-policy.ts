import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';

/**
 * Adds the key-policy statement Control Tower CT.KMS.PR.3 asks for: nobody may
 * create a grant on the key unless the grant is for an AWS resource or the
 * caller is an AWS service. Services that use grants (RDS, Lambda, Secrets
 * Manager, CloudWatch Logs) keep working; a person or role cannot hand the key
 * to someone else with `kms:CreateGrant`.
 */
export function denyGrantsExceptForAwsServices(key: kms.Key): void {
  key.addToResourcePolicy(new iam.PolicyStatement({
    sid: 'DenyGrantsExceptForAwsResources',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['kms:CreateGrant'],
    resources: ['*'],
    conditions: {
      BoolIfExists: {
        'kms:GrantIsForAWSResource': 'false',
        'aws:PrincipalIsAWSService': 'false',
      },
    },
  }));
}
