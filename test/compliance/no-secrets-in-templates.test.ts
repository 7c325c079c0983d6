import { App, CfnOutput, CfnParameter, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { allStacks, buildTestApp } from '../helpers/baseline';

/**
 * Scans every synthesized template for secret values: Lambda environment variables, parameter
 * defaults and outputs may hold only references (ARNs, names, ids, URLs, hosts, numbers, flags),
 * and no resource property named like a password or secret may hold a literal.
 */

/** Names whose value must be a reference, never the secret itself. */
const SECRETISH_NAME = /(PASSWORD|PASSWD|SECRET|PRIVATE_?KEY|CREDENTIAL|API_?KEY|(^|_)TOKEN$)/i;
/** Names that say the value is a reference. */
const REFERENCE_NAME = /(_ARN|_NAME|_ID|Arn|Name|Id|_URI|_URL|Uri|Url|_ENDPOINT|Endpoint)$/;
/** Property names that carry a secret value when they carry a literal. */
const SECRET_PROPERTY = /^(MasterUserPassword|Password|SecretString|PrivateKey|ClientSecret|AuthToken|SecretAccessKey|SecretKey)$/;

interface Problem { stack: string; where: string; why: string }

function isIntrinsic(value: unknown): boolean {
  return typeof value === 'object' && value !== null && Object.keys(value).length === 1 && /^(Ref|Fn::)/.test(Object.keys(value)[0]);
}

/** True when a literal string looks like key material or a password rather than a name, ARN, URL, number or flag. */
export function looksLikeSecretValue(value: string): boolean {
  if (value.length < 16) return false;
  // Structured configuration (a route table, a limiter policy): judge each string it holds, not the JSON punctuation around them.
  const json = parseJsonContainer(value);
  if (json !== undefined) return jsonStrings(json).some(looksLikeSecretValue);
  if (/^arn:/.test(value) || /^https?:\/\//.test(value) || /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(value)) return false;
  if (/^[A-Z0-9_]+$/.test(value) || /^[a-z0-9-_/.]+$/.test(value)) return false; // constants, names, paths
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value)) return true;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((r) => r.test(value)).length;
  const entropy = shannon(value);
  return classes >= 3 && entropy >= 3.5 && !/\s/.test(value);
}

function parseJsonContainer(value: string): unknown {
  if (!/^[[{]/.test(value)) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

function jsonStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(jsonStrings);
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...jsonStrings(v)]);
  return [];
}

function shannon(s: string): number {
  const counts = new Map<string, number>();
  for (const c of s) counts.set(c, (counts.get(c) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) h -= (n / s.length) * Math.log2(n / s.length);
  return h;
}

/** References by logical id or output name: their text is an identifier, not a value. */
const REFERENCE_INTRINSICS = new Set(['Ref', 'Fn::GetAtt', 'Fn::GetStackOutput', 'Fn::ImportValue']);

/** Literal strings reachable in a value, including inside intrinsics (Fn::Join parts, Fn::Sub templates). */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => (REFERENCE_INTRINSICS.has(k) ? [] : strings(v)));
  }
  return [];
}

function checkValue(stack: string, where: string, name: string, value: unknown, problems: Problem[]): void {
  for (const s of strings(value)) {
    if (/\{\{resolve:(secretsmanager|ssm-secure):/.test(s)) problems.push({ stack, where, why: 'dynamic reference to a secret value (it would be stored in plain text)' });
    if (looksLikeSecretValue(s)) problems.push({ stack, where, why: 'literal that looks like a secret value' });
  }
  if (SECRETISH_NAME.test(name) && !REFERENCE_NAME.test(name) && typeof value === 'string') {
    problems.push({ stack, where, why: `${name} looks like a secret but carries a literal instead of a reference (use ${name}_ARN)` });
  }
  if (JSON.stringify(value ?? '').includes('SecretString')) problems.push({ stack, where, why: 'references a SecretString attribute' });
}

function walkProperties(stack: string, path: string, value: unknown, problems: Problem[]): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => walkProperties(stack, `${path}[${i}]`, v, problems));
  } else if (value && typeof value === 'object' && !isIntrinsic(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_PROPERTY.test(k) && typeof v === 'string') problems.push({ stack, where: `${path}.${k}`, why: 'secret property with a literal value' });
      if (SECRET_PROPERTY.test(k) && strings(v).some((s) => /\{\{resolve:ssm:/.test(s))) problems.push({ stack, where: `${path}.${k}`, why: 'secret property from a plain SSM parameter' });
      walkProperties(stack, `${path}.${k}`, v, problems);
    }
  }
}

/** Every problem in one template. */
export function scanTemplate(stack: string, template: Record<string, any>): Problem[] {
  const problems: Problem[] = [];
  for (const [id, res] of Object.entries<any>(template.Resources ?? {})) {
    if (res.Type === 'AWS::Lambda::Function') {
      for (const [name, value] of Object.entries(res.Properties?.Environment?.Variables ?? {})) {
        checkValue(stack, `${id}.Environment.${name}`, name, value, problems);
      }
    }
    walkProperties(stack, id, res.Properties, problems);
  }
  for (const [id, param] of Object.entries<any>(template.Parameters ?? {})) {
    if (param.Default !== undefined) checkValue(stack, `Parameters.${id}.Default`, id, param.Default, problems);
    if (param.NoEcho && param.Default !== undefined) problems.push({ stack, where: `Parameters.${id}`, why: 'NoEcho parameter with a default value' });
  }
  for (const [id, output] of Object.entries<any>(template.Outputs ?? {})) {
    checkValue(stack, `Outputs.${id}`, id, output.Value, problems);
  }
  return problems;
}

describe('no secret values in any synthesized template', () => {
  test('every stack of every stage holds only references to secrets', () => {
    const { stages } = buildTestApp();
    const stacks = allStacks(stages);
    expect(stacks.length).toBeGreaterThanOrEqual(8);
    const problems = stacks.flatMap((s) => scanTemplate(s.stackName, Template.fromStack(s, { skipCyclicalDependenciesCheck: true }).toJSON()));
    expect(problems.map((p) => `${p.stack} ${p.where}: ${p.why}`).join('\n')).toBe('');
  });

  test('the database master secret is referenced by ARN only (RDS-managed, no password in any template)', () => {
    const { stages } = buildTestApp({ stages: ['dev'] });
    const data = Template.fromStack(stages[0].data).toJSON();
    const text = JSON.stringify(data);
    expect(text).not.toMatch(/"MasterUserPassword"/);
    expect(text).toMatch(/"ManageMasterUserPassword":true/);
    expect(text).toMatch(/MasterUserSecret\.SecretArn/);
  });

  test('the scanner catches a planted secret in an environment variable, a parameter default and an output', () => {
    // GIVEN a stack that does everything wrong
    const app = new App();
    const stack = new Stack(app, 'Bad');
    new lambda.Function(stack, 'Fn', {
      runtime: lambda.Runtime.NODEJS_LATEST, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler=async()=>1'),
      environment: {
        DB_PASSWORD: 'x', // a secret-looking name with a literal
        SIGNING_KEY: 'q8Z!w3@Lr9#Vt2$Kp7^Nm4',
        FROM_VAULT: '{{resolve:secretsmanager:prod/db:SecretString:password}}',
        DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:db-AbCdEf', // fine
      },
    });
    new CfnParameter(stack, 'ApiKey', { default: 'sk_live_9aF3kL0pQ2xZ7vB1nM5c' });
    new CfnOutput(stack, 'Leak', { value: 'P@ssw0rd-Very$ecret-123' });
    // WHEN
    const problems = scanTemplate('Bad', Template.fromStack(stack).toJSON());
    // THEN
    const text = problems.map((p) => `${p.where}: ${p.why}`).join('\n');
    expect(text).toMatch(/Environment\.DB_PASSWORD: DB_PASSWORD looks like a secret/);
    expect(text).toMatch(/Environment\.SIGNING_KEY: literal that looks like a secret value/);
    expect(text).toMatch(/Environment\.FROM_VAULT: dynamic reference/);
    expect(text).toMatch(/Parameters\.ApiKey\.Default/);
    expect(text).toMatch(/Outputs\.Leak: literal that looks like a secret value/);
    expect(text).not.toMatch(/DB_SECRET_ARN/);
  });

  test('names, ARNs, hosts, URLs and constants are not mistaken for secrets', () => {
    for (const ok of ['arn:aws:secretsmanager:eu-west-1:111111111111:secret:x', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC',
      'db.cluster-abc.eu-west-1.rds.amazonaws.com', 'POWERTOOLS_SERVICE_NAME', '/aws/rds/cluster/x/postgresql', 'app_user', '5432']) {
      expect(looksLikeSecretValue(ok)).toBe(false);
    }
  });

  test('JSON configuration is judged by the strings it holds: a route table passes, a key inside JSON does not', () => {
    expect(looksLikeSecretValue('[["GET","/notes/{id}",["user","admin"],["https://api.dev.example.com/notes.read"]]]')).toBe(false);
    expect(looksLikeSecretValue('{"signingKey":"Zx9$kQ2!mP7@wL4#nR8%tV1^"}')).toBe(true);
    expect(looksLikeSecretValue('[["GET","/notes",["user"],["s"]],"q8F!x2#Lm9@Zr4$Tw7%"]')).toBe(true);
  });
});
