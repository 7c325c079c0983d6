import { CfnResource } from 'aws-cdk-lib';
import { shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const FUNCTION = 'AWS::Lambda::Function';

/** Environment variable names that look like they hold a secret. */
export const SECRET_LIKE_NAME = /(PASSWORD|PASSWD|SECRET|PRIVATE_?KEY|CREDENTIAL|API_?KEY|(^|_)TOKEN$)/i;
/** Names that hold a reference to a secret (ARN, name or id), not the secret. */
export const REFERENCE_NAME = /_(ARN|NAME|ID)$/i;

/**
 * Lambda runtimes past their deprecation date (list as of December 2026, from the AWS Lambda runtime
 * deprecation schedule): functions on them get no security patches.
 */
export const DEPRECATED_RUNTIMES: ReadonlySet<string> = new Set([
  'nodejs', 'nodejs4.3', 'nodejs4.3-edge', 'nodejs6.10', 'nodejs8.10', 'nodejs10.x', 'nodejs12.x', 'nodejs14.x', 'nodejs16.x', 'nodejs18.x', 'nodejs20.x',
  'python2.7', 'python3.6', 'python3.7', 'python3.8', 'python3.9',
  'ruby2.5', 'ruby2.7', 'ruby3.2',
  'java8',
  'go1.x', 'provided',
  'dotnetcore1.0', 'dotnetcore2.0', 'dotnetcore2.1', 'dotnetcore3.1', 'dotnet5.0', 'dotnet6', 'dotnet7', 'dotnet8',
]);

/** Functions never carry secrets in environment variables (readable by anyone with lambda:GetFunction). */
export const lambdaSecretEnvironment: SecurityBaselineControl = {
  id: 'LAMBDA1',
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Function environment variables do not hold secrets (names like PASSWORD, SECRET, TOKEN, API_KEY)',
  reports: '`Environment.Variables = <names>`: names that look like secrets (values are never printed)',
  resourceTypes: [FUNCTION],
  evaluate(_resource: CfnResource, { properties }) {
    const variables: Record<string, unknown> = properties.Environment?.Variables ?? {};
    const names = Object.keys(variables).filter((n) => SECRET_LIKE_NAME.test(n) && !REFERENCE_NAME.test(n));
    if (names.length === 0) return [];
    return [{
      setting: 'Environment.Variables',
      found: names.join(', '),
      fix: 'store the value in Secrets Manager, pass its ARN as <NAME>_ARN and read it at run time (grantRead to the function)',
    }];
  },
};

/** Functions run on a runtime that still gets security patches. */
export const lambdaRuntime: SecurityBaselineControl = {
  id: 'LAMBDA2',
  areas: [SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Functions do not use a deprecated runtime',
  reports: '`Runtime = <runtime>`: deprecated',
  resourceTypes: [FUNCTION],
  evaluate(_resource: CfnResource, { properties }) {
    const runtime = properties.Runtime;
    if (typeof runtime !== 'string' || !DEPRECATED_RUNTIMES.has(runtime)) return [];
    return [{ setting: 'Runtime', found: shown(runtime), fix: 'move to a supported runtime (nodejs24.x, python3.13, java21, ...) and test the code on it' }];
  },
};
