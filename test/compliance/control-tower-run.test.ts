import { copyFileSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { basename, join } from 'path';
import { CfnGuardValidator } from '@cdklabs/cdk-validator-cfnguard';
import * as fc from 'fast-check';
import { documentStrings, inapplicableRules, runControlTowerChecks } from '../../lib/compliance/control-tower-run';
import { ControlTowerChecks } from '../../lib/compliance/rule-packs';
import { buildTestApp } from '../helpers/baseline';
import { scratchFolders } from '../helpers/scratch';

/** The plugin as shipped, run once over the given templates: the reference every faster run must equal. */
function uncached(templatePaths: string[]): unknown[] {
  const report = new CfnGuardValidator({ controlTowerRulesEnabled: true, maxBuffer: 256 * 1024 * 1024 }).validate({ templatePaths } as never);
  return report.violations as unknown[];
}

function ours(templatePaths: string[], cacheFolder?: string): unknown[] {
  return runControlTowerChecks(templatePaths, { validatorName: 'cdk-validator-cfnguard', validatorVersion: new ControlTowerChecks().version ?? '', cacheFolder });
}

const tempDir = scratchFolders('control-tower-run-');

describe('ControlTowerChecks finds what the plugin finds', () => {
  // GIVEN the reference app's templates, every stage
  const assembly = buildTestApp().app.synth();
  const templatePaths = assembly.stacksRecursively.map((s) => join(assembly.directory, s.templateFile));

  test('the same violations, in the same order, as one uncached run over every template; then the same from the cache', () => {
    // WHEN
    const reference = uncached(templatePaths);
    const cold = new ControlTowerChecks().validate({ templatePaths } as never);
    const warm = new ControlTowerChecks().validate({ templatePaths } as never);
    // THEN
    expect(templatePaths.length).toBe(8);
    expect(reference.length).toBeGreaterThan(0);
    const withoutSeverity = (vs: readonly object[]) => vs.map((v) => {
      expect(v).toHaveProperty('severity', 'error');
      const { severity: _severity, ...rest } = v as { severity: string };
      return rest;
    });
    expect(withoutSeverity(cold.violations)).toEqual(reference);
    expect(withoutSeverity(warm.violations)).toEqual(reference);
    expect(cold.success).toBe(false);
    // the cache is inside the cloud assembly, one entry per template
    expect(readdirSync(join(assembly.directory, '.control-tower-cache')).filter((f) => f.endsWith('.json'))).toHaveLength(templatePaths.length);
  });
});

describe('the cache never answers for a template it was not computed on', () => {
  /** A small CloudFormation template from generated resources (types and settings the Control Tower rules check). */
  const resource = fc.oneof(
    fc.record({ Type: fc.constant('AWS::S3::Bucket'), Properties: fc.option(fc.record({ VersioningConfiguration: fc.record({ Status: fc.constantFrom('Enabled', 'Suspended') }) }), { nil: undefined }) }),
    fc.record({ Type: fc.constant('AWS::SQS::Queue'), Properties: fc.record({ SqsManagedSseEnabled: fc.boolean() }) }),
    fc.record({ Type: fc.constant('AWS::Logs::LogGroup'), Properties: fc.record({ RetentionInDays: fc.constantFrom(1, 365) }) }),
    fc.record({ Type: fc.constant('AWS::SNS::Topic'), Properties: fc.option(fc.record({ KmsMasterKeyId: fc.constant('alias/aws/sns') }), { nil: undefined }) }),
    fc.record({ Type: fc.constant('Custom::Thing'), Properties: fc.record({ Value: fc.string({ maxLength: 4 }) }) }),
  );
  const template = fc.dictionary(fc.stringMatching(/^[A-Z][A-Za-z0-9]{0,6}$/), resource, { minKeys: 1, maxKeys: 4 })
    .map((Resources) => JSON.stringify({ Resources }, null, 1));

  test('every version of a changing template gets the uncached plugin\'s findings (generated templates)', () => {
    fc.assert(fc.property(fc.array(template, { minLength: 2, maxLength: 3 }), (versions) => {
      // GIVEN one template file and one cache folder that live through every version
      const dir = tempDir();
      const path = join(dir, 'Stack.template.json');
      for (const text of versions) {
        // WHEN the template changes in place and the checks run again
        writeFileSync(path, text);
        // THEN the answer is the plugin's answer for this content, never an earlier version's
        expect(ours([path], join(dir, 'cache'))).toEqual(uncached([path]));
      }
    }), { numRuns: 5 });
  });

  test('a changed template (one property of one resource) is checked again: its new finding appears', () => {
    // GIVEN an encrypted queue, checked once (its result now cached)
    const dir = tempDir();
    const path = join(dir, 'Stack.template.json');
    const queue = (sse: boolean) => JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: sse } } } });
    writeFileSync(path, queue(true));
    const before = ours([path], join(dir, 'cache')) as Array<{ ruleName: string }>;
    expect(before.map((v) => v.ruleName)).not.toContain('sqs_queue_encrypted_check');
    // WHEN one property changes
    writeFileSync(path, queue(false));
    // THEN
    const after = ours([path], join(dir, 'cache')) as Array<{ ruleName: string }>;
    expect(after).toEqual(uncached([path]));
    expect(after.map((v) => v.ruleName)).toContain('sqs_queue_encrypted_check');
  });

  test('an entry is served only under the key it was written with; a damaged entry is recomputed', () => {
    // GIVEN a template checked once
    const dir = tempDir();
    const cache = join(dir, 'cache');
    const path = join(dir, 'Stack.template.json');
    writeFileSync(path, JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: false } } } }));
    const first = ours([path], cache);
    const [entryFile] = readdirSync(cache);
    const entry = JSON.parse(readFileSync(join(cache, entryFile), 'utf8'));
    // WHEN the stored answer is replaced (same key): it is what the next run returns, so the cache is really read
    writeFileSync(join(cache, entryFile), JSON.stringify({ ...entry, violations: [] }));
    expect(ours([path], cache)).toEqual([]);
    // WHEN the entry names another key, or is not JSON: it is not used
    writeFileSync(join(cache, entryFile), JSON.stringify({ key: 'another', violations: [] }));
    expect(ours([path], cache)).toEqual(first);
    writeFileSync(join(cache, entryFile), '{');
    expect(ours([path], cache)).toEqual(first);
  });

  test('a cached result is reported for the template path of this run, not the one it was computed for', () => {
    // GIVEN the same template content in two folders sharing one cache
    const a = tempDir();
    const b = tempDir();
    const cache = join(a, 'cache');
    writeFileSync(join(a, 'S.template.json'), JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { SqsManagedSseEnabled: false } } } }));
    copyFileSync(join(a, 'S.template.json'), join(b, 'S.template.json'));
    ours([join(a, 'S.template.json')], cache);
    // WHEN / THEN
    expect(ours([join(b, 'S.template.json')], cache)).toEqual(uncached([join(b, 'S.template.json')]));
    expect(basename(readdirSync(cache)[0])).toMatch(/^[0-9a-f]{64}\.json$/);
  });
});

describe('failures are reported, never hidden', () => {
  test('a template cfn-guard cannot read fails the checks, naming the template, as the plugin fails', () => {
    const dir = tempDir();
    const path = join(dir, 'Broken.template.json');
    writeFileSync(path, '{ "Resources": ');
    expect(() => uncached([path])).toThrow(/CfnGuardValidator plugin failed/);
    expect(() => ours([path], join(dir, 'cache'))).toThrow(/Control Tower checks failed:\n.*Broken\.template\.json/);
  });
});

describe('inapplicableRules', () => {
  const gates = new Map<string, readonly string[]>([
    ['ct-s3-pr-1', ['AWS::S3::Bucket']],
    ['ct-multi', ['AWS::SQS::Queue', 'AWS::SNS::Topic']],
    ['ct-any', []],
  ]);
  const skipped = (json: string): string[] => inapplicableRules(documentStrings(JSON.parse(json)), gates);

  test('skips a rule only when none of its gates is a string of the template', () => {
    expect(skipped('{"Resources":{"Q":{"Type":"AWS::SNS::Topic"}}}')).toEqual(['ct-s3-pr-1']);
    // a CloudFormation hook document is keyed by the type: that counts as occurring
    expect(skipped('{"AWS::S3::Bucket":{"resourceProperties":{}}}')).toEqual(['ct-multi']);
    // a type written with JSON escapes is the same string
    expect(skipped('{"Resources":{"B":{"Type":"AWS\\u003a\\u003aS3\\u003a\\u003aBucket"}}}')).toEqual(['ct-multi']);
    // a type inside a longer string is not that type
    expect(skipped('{"Resources":{"B":{"Type":"AWS::S3::BucketPolicy"}}}')).toEqual(['ct-s3-pr-1', 'ct-multi']);
  });

  test('never skips a rule without gates; skips a gated rule exactly when no string of the document equals a gate', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom(...gates.values()), (doc, types) => {
      const strings = documentStrings(doc);
      expect(inapplicableRules(strings, gates)).not.toContain('ct-any');
      const text = JSON.stringify(doc) ?? '';
      if (types.some((t) => text.includes(JSON.stringify(t)))) expect(types.some((t) => strings.has(t))).toBe(true);
    }));
    fc.assert(fc.property(fc.jsonValue(), fc.constantFrom('AWS::S3::Bucket', 'AWS::SNS::Topic'), fc.nat(3), (doc, type, where) => {
      // GIVEN a type placed as a key or a value, at some depth
      const placed = [{ [type]: doc }, { Resources: { R: { Type: type, Properties: doc } } }, [doc, [type]], { a: { b: type } }][where];
      // THEN a rule it gates runs
      const rule = type === 'AWS::S3::Bucket' ? 'ct-s3-pr-1' : 'ct-multi';
      expect(inapplicableRules(documentStrings(placed), gates)).not.toContain(rule);
    }));
  });
});
