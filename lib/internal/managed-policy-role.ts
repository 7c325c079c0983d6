import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * An IAM role whose permissions, including every later `grant*()`, live in one
 * customer-managed policy instead of an inline policy (PCI DSS / NIST / HIPAA
 * IAMNoInlinePolicy): versioned, reviewable, and never AWS-managed (AwsSolutions-IAM4).
 */
export class ManagedPolicyRole extends iam.Role {
  /** The customer-managed policy that holds the role's statements. */
  public readonly managedPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: iam.RoleProps) {
    super(scope, id, props);
    this.managedPolicy = new iam.ManagedPolicy(this, 'Policy', {
      description: `Permissions of ${this.node.path}`,
      roles: [this],
    });
  }

  public override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.managedPolicy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.managedPolicy };
  }
}
