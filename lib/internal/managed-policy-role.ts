import { Stack } from 'aws-cdk-lib';
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

  /**
   * The actions the role's managed policy allows on every resource (`Resource: "*"`), as the policy stands when called
   * (at synth end it holds every grant); undefined when a statement cannot be read that way (`NotAction`, `NotResource`,
   * or a token in place of the actions of a statement on `*`).
   */
  public anyResourceActions(): string[] | undefined {
    const document = Stack.of(this).resolve(this.managedPolicy.document) as { Statement?: Record<string, unknown>[] } | undefined;
    const actions = new Set<string>();
    for (const statement of document?.Statement ?? []) {
      if (statement.Effect === 'Deny') continue;
      if (statement.NotAction !== undefined || statement.NotResource !== undefined) return undefined;
      const resources = [statement.Resource].flat();
      const allowed = [statement.Action].flat();
      if (!resources.includes('*')) continue; // an intrinsic (Fn::GetAtt, Fn::Join) names a resource, never every resource
      if (allowed.some((a) => typeof a !== 'string')) return undefined;
      for (const action of allowed as string[]) actions.add(action);
    }
    return [...actions].sort();
  }
}
