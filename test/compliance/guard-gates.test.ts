import { readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import * as fc from 'fast-check';
import { runControlTowerChecks } from '../../lib/compliance/control-tower-run';
import { ruleGates } from '../../lib/compliance/guard-gates';
import { ControlTowerChecks } from '../../lib/compliance/rule-packs';
import { scratchFolders } from '../helpers/scratch';

/** The bundled Control Tower rule files: name (as `disabledRules` takes it), text, and the guard rule name they report. */
const RULES_ROOT = join(dirname(require.resolve('@cdklabs/cdk-validator-cfnguard/package.json')), 'rules', 'control-tower', 'cfn-guard');
interface RuleFile { readonly name: string; readonly text: string; readonly ruleName: string; readonly named: readonly string[] }
const ruleFiles: RuleFile[] = [];
(function visit(dir: string): void {
  for (const entry of readdirSync(dir).sort()) {
    const file = join(dir, entry);
    if (statSync(file).isDirectory()) { visit(file); continue; }
    const text = readFileSync(file, 'utf8');
    ruleFiles.push({
      name: entry.replace(/\.guard$/, ''),
      text,
      ruleName: /^rule\s+(\w+)\s+when\s/m.exec(text)![1],
      named: [...new Set(text.match(/AWS::[A-Za-z0-9]+::[A-Za-z0-9]+/g) ?? [])],
    });
  }
})(RULES_ROOT);

const tempDir = scratchFolders('guard-gates-');

/** The plugin as shipped, every rule on every template in one run: the reference. */
function uncached(templatePaths: string[]): Array<{ ruleName: string; violatingResources: Array<{ templatePath: string }> }> {
  return new CfnGuardValidator({ controlTowerRulesEnabled: true, maxBuffer: 256 * 1024 * 1024 }).validate({ templatePaths } as never).violations as never;
}

function writeTemplates(docs: readonly unknown[]): string[] {
  const dir = tempDir();
  return docs.map((doc, i) => {
    const path = join(dir, `S${i}.template.json`);
    writeFileSync(path, JSON.stringify(doc, null, 1));
    return path;
  });
}

/** A rule file in the bundled rules' shape, with the parts a test changes. */
function ruleFile(parts: { lets?: string; rules?: string; hook?: string } = {}): string {
  return `#
# Rule Identifier:
#   example_check
#
let S3_BUCKET_TYPE = "AWS::S3::Bucket"
let INPUT_DOCUMENT = this
${parts.lets ?? 'let s3_buckets = Resources.*[ Type == %S3_BUCKET_TYPE ]'}

${parts.rules ?? `rule example_check when is_cfn_template(%INPUT_DOCUMENT)
                       %s3_buckets not empty {
    check(%s3_buckets.Properties)
        << [CT.S3.PR.1]: a message with { brackets ] and a "quote and a # hash >>
}

rule example_check when is_cfn_hook(%INPUT_DOCUMENT, %S3_BUCKET_TYPE) {
    check(%INPUT_DOCUMENT.%S3_BUCKET_TYPE.resourceProperties)
}`}

rule check(bucket) {
    %bucket {
        VersioningConfiguration exists
        Name != /\\A\\s*\\z/
        Kms == "AWS::KMS::Key"
    }
}

rule is_cfn_template(doc) {
    %doc {
        AWSTemplateFormatVersion exists or
        Resources exists
    }
}

${parts.hook ?? `rule is_cfn_hook(doc, RESOURCE_TYPE) {
    %doc.%RESOURCE_TYPE.resourceProperties exists
}`}
`;
}

describe('ruleGates reads the gates from a rule file of the bundled shape', () => {
  test('a selection by type and a hook clause: the selected type, not the other types the file names', () => {
    expect(ruleGates(ruleFile())).toEqual(['AWS::S3::Bucket']);
  });

  test('a selection of several types joined by `or`, and `Resources[ ... ]` without `.*`', () => {
    const lets = `let ROLE = "AWS::IAM::Role"
let USER = "AWS::IAM::User"
let s3_buckets = Resources[
    Type == %ROLE or
    Type == %USER
]`;
    expect(ruleGates(ruleFile({ lets, rules: 'rule example_check when is_cfn_template(this)\n  %s3_buckets not empty { check(%s3_buckets) }' })))
      .toEqual(['AWS::IAM::Role', 'AWS::IAM::User']);
  });

  test('a hook rule whose type parameter shares a constant\'s name is gated by both values', () => {
    const lets = 'let s3_buckets = Resources.*[ Type == %S3_BUCKET_TYPE ]\nlet OTHER = "AWS::SQS::Queue"';
    const rules = 'rule example_check when is_cfn_hook(%INPUT_DOCUMENT, %OTHER) { check(this) }';
    const hook = 'rule is_cfn_hook(doc, S3_BUCKET_TYPE) {\n    %doc.%S3_BUCKET_TYPE.resourceProperties exists\n}';
    expect(ruleGates(ruleFile({ lets, rules, hook }))).toEqual(['AWS::S3::Bucket', 'AWS::SQS::Queue']);
  });

  test.each([
    ['a bare clause outside any rule', { rules: 'Resources.* { Type exists }' }],
    ['an evaluated rule without a when clause', { rules: 'rule example_check { %s3_buckets.Properties exists }' }],
    ['an evaluated rule whose when clause needs no type', { rules: 'rule example_check when is_cfn_template(%INPUT_DOCUMENT) { check(this) }' }],
    ['one gated rule beside an ungated one', { rules: 'rule a when %s3_buckets not empty { check(this) }\nrule b when is_cfn_template(this) { check(this) }' }],
    ['`or` between when clauses', { rules: 'rule example_check when %s3_buckets not empty or is_cfn_template(this) { check(this) }' }],
    ['a selection by a regular expression', { lets: 'let s3_buckets = Resources.*[ Type == /AWS::S3::.*/ ]' }],
    ['a selection by inequality', { lets: 'let s3_buckets = Resources.*[ Type != %S3_BUCKET_TYPE ]' }],
    ['a selection with another condition joined by `or`', { lets: 'let s3_buckets = Resources.*[ Type == %S3_BUCKET_TYPE or Metadata exists ]' }],
    ['a selection of another path', { lets: 'let s3_buckets = Outputs.*[ Type == %S3_BUCKET_TYPE ]' }],
    ['a type constant that is not a string', { lets: 'let s3_buckets = Resources.*[ Type == %UNDEFINED ]' }],
    ['an is_cfn_hook that checks something else', { hook: 'rule is_cfn_hook(doc, RESOURCE_TYPE) {\n    %doc.resourceProperties exists\n}' }],
    ['an is_cfn_hook with a `when`', { hook: 'rule is_cfn_hook(doc, RESOURCE_TYPE) when %doc exists {\n    %doc.%RESOURCE_TYPE.resourceProperties exists\n}' }],
    ['a string that does not close', { rules: 'rule example_check when %s3_buckets not empty { Name == "open }' }],
    ['a message that does not close', { rules: 'rule example_check when %s3_buckets not empty { Name exists << open }' }],
    ['a constant defined twice', { lets: 'let s3_buckets = Resources.*[ Type == %S3_BUCKET_TYPE ]\nlet S3_BUCKET_TYPE = "AWS::SQS::Queue"' }],
  ])('no gates (the rule runs on every template) for %s', (_what, parts) => {
    expect(ruleGates(ruleFile(parts))).toBeUndefined();
  });

  test('every bundled rule file has gates, and they are the types its header says it reports on', () => {
    // The header is AWS's prose (one spells AutoScalingGroup as AutoscalingGroup); the gates are read from the code.
    for (const rule of ruleFiles) {
      const gates = ruleGates(rule.text);
      expect({ rule: rule.name, gates }).toEqual({ rule: rule.name, gates: expect.any(Array) });
      const reportsOn = /# Reports on:[ \t]*\n((?:#[ \t]{2,}\S.*\n)+)/.exec(rule.text)![1].split(/[\n,]/).map((t) => t.replace(/^#/, '').trim().toLowerCase()).filter(Boolean);
      expect({ rule: rule.name, gates: gates!.map((t) => t.toLowerCase()) }).toEqual({ rule: rule.name, gates: [...new Set(reportsOn)].sort() });
    }
    expect(ruleFiles).toHaveLength(237);
  });
});

describe('a rule is skipped only where cfn-guard finds nothing for it', () => {
  test('each rule, on a template of every other type it names but none of its gates, reports nothing (every rule on every such template, in one run)', () => {
    // GIVEN for each rule naming more types than its gates, one template with a resource of each such type
    const traps = ruleFiles.flatMap((rule) => {
      const gates = ruleGates(rule.text)!;
      const others = rule.named.filter((t) => !gates.includes(t));
      // each type twice: with empty settings and with none (rules treat a missing Properties differently)
      return others.length === 0 ? [] : [{ rule, doc: { Resources: Object.fromEntries(others.flatMap((Type, i) => [[`R${i}`, { Type, Properties: {} }], [`N${i}`, { Type }]])) } }];
    });
    expect(traps.length).toBeGreaterThan(40);
    // WHEN every rule runs on every one of them
    const paths = writeTemplates(traps.map((t) => t.doc));
    const found = uncached(paths);
    // THEN no rule reports on its own trap template
    traps.forEach(({ rule }, i) => {
      const own = found.filter((v) => v.ruleName === rule.ruleName && v.violatingResources.some((r) => r.templatePath === paths[i]));
      expect({ rule: rule.name, own }).toEqual({ rule: rule.name, own: [] });
    });
    // and the run did find things (the templates were read)
    expect(found.length).toBeGreaterThan(0);
  });

  /** A resource of a type some rule names (a gate or not), with settings the rules read, referring to another. */
  const types = [...new Set(ruleFiles.flatMap((r) => r.named))].sort();
  const properties = fc.option(fc.record({
    Encrypted: fc.boolean(),
    KmsKeyId: fc.oneof(fc.constant({ Ref: 'R0' }), fc.constant({ 'Fn::GetAtt': ['R1', 'Arn'] }), fc.constant('arn:aws:kms:eu-west-1:111122223333:key/x')),
    VersioningConfiguration: fc.record({ Status: fc.constantFrom('Enabled', 'Suspended') }),
    PolicyDocument: fc.constant({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
    LoggingConfig: fc.constant({}),
  }, { requiredKeys: [] }), { nil: undefined });
  const resource = fc.record({ Type: fc.constantFrom(...types, 'Custom::Thing'), Properties: properties }, { requiredKeys: ['Type'] });
  const document = fc.oneof(
    // a template
    fc.array(resource, { minLength: 1, maxLength: 6 }).map((rs) => ({ Resources: Object.fromEntries(rs.map((r, i) => [`R${i}`, r])) })),
    // a CloudFormation hook document, keyed by one type
    fc.tuple(fc.constantFrom(...types), properties).map(([t, p]) => ({ [t]: { resourceProperties: p ?? {} } })),
    // a template whose types are written with JSON escapes
    resource.map((r) => ({ Resources: { R0: r }, escaped: true })),
  );

  test('generated templates and hook documents: the same findings as every rule on every template', () => {
    fc.assert(fc.property(fc.array(document, { minLength: 1, maxLength: 10 }), (docs) => {
      const dir = tempDir();
      const paths = docs.map((doc, i) => {
        const path = join(dir, `S${i}.template.json`);
        const { escaped, ...rest } = doc as { escaped?: boolean };
        const text = JSON.stringify(rest, null, 1);
        writeFileSync(path, escaped === true ? text.replace(/::/g, '\\u003a\\u003a') : text);
        return path;
      });
      const ours = runControlTowerChecks(paths, { validatorName: 'cdk-validator-cfnguard', validatorVersion: new ControlTowerChecks().version ?? '', cacheFolder: false });
      expect(ours).toEqual(uncached(paths));
    }), { numRuns: 6 });
  });
});
