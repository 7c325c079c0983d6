import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import Ajv from 'ajv';
import AjvDraft4 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { App, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { main } from '../../lib/compliance/cli';
import { nistControls, uuidV5 } from '../../lib/compliance/evidence/oscal';
import { createNagPacks } from '../../lib/compliance/rule-packs';
import { Acknowledgements, BaselineErrorCode, BaselineErrors, compliance } from '../../lib';
import { Evidence, RulePacks } from '../../lib/compliance';
import { validatedApp } from '../helpers/builtin-validation';
import { validationReport } from '../helpers/compliance';

const ROOT = join(__dirname, '..', '..');
const SHARED = join(ROOT, '..', 'shared', 'reference');
const REASON = 'Test fixture: the bucket holds only public build artifacts, so server access logs would record nothing of value.';

/** The line of this file that creates the topic (the SARIF result must point here). */
let topicLine = 0;

function fixtureApp(outdir: string): App {
  const app = new App({ outdir });
  RulePacks.addTo(app);
  const stack = new Stack(app, 'Evidence', { env: { account: '111111111111', region: 'eu-west-1' } });
  topicLine = Number(new Error().stack!.split('\n')[1].match(/:(\d+):\d+\)?$/)![1]) + 1;
  new sns.Topic(stack, 'Topic');
  const bucket = new s3.Bucket(stack, 'Bucket', { enforceSSL: true });
  Acknowledgements.of(bucket.node.defaultChild!).add('AwsSolutions-S1', REASON);
  return app;
}

const ajvOscal = (): ((data: unknown) => boolean) & { errors?: unknown } => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(join(SHARED, 'oscal', 'oscal_component_schema_1.1.3.json'), 'utf8')));
};
const ajvSarif = (): ((data: unknown) => boolean) & { errors?: unknown } => {
  const ajv = new AjvDraft4({ strict: false, allErrors: true });
  return ajv.compile(JSON.parse(readFileSync(join(SHARED, 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')));
};

describe('compliance evidence from a cloud assembly', () => {
  let work: string;
  let assembly: string;
  let findings: compliance.ValidationFindings;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'evidence-'));
    assembly = join(work, 'cdk.out');
    findings = Evidence.validationFindings(fixtureApp(assembly));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('Evidence.validationFindings() returns open and acknowledged findings, with a message like the synth error', () => {
    // THEN the topic's findings are open, the bucket's S1 is acknowledged with its reason
    expect(findings.open.some((f) => f.rule === 'AwsSolutions-SNS3' && f.path === 'Evidence/Topic/Resource')).toBe(true);
    expect(findings.acknowledged.filter((f) => f.rule === 'AwsSolutions-S1').map((f) => [f.path, f.acknowledgement?.reason]))
      .toEqual([['Evidence/Bucket/Resource', REASON]]);
    expect(findings.open.some((f) => f.rule === 'AwsSolutions-S1')).toBe(false);
    const file = relative(ROOT, __filename);
    expect(findings.message).toMatch(/^Validation failed: \d+ open findings\n\(AwsSolutions\)\n/);
    expect(findings.message).toContain(`[error] AwsSolutions-SNS3: Evidence/Topic/Resource (${file}:${topicLine})`);
  });

  test('the command writes the three files; OSCAL and SARIF are valid against their schemas', () => {
    const out = join(work, 'out1');
    const lines: string[] = [];
    const code = main(['evidence', assembly, '--markdown', join(out, 'c.md'), '--oscal', join(out, 'o.json'), '--sarif', join(out, 's.sarif'),
      '--source-root', ROOT], (l) => lines.push(l), (l) => lines.push(l));
    expect([code, lines.length]).toEqual([0, 1]);
    const oscal = JSON.parse(readFileSync(join(out, 'o.json'), 'utf8'));
    const sarif = JSON.parse(readFileSync(join(out, 's.sarif'), 'utf8'));
    const validOscal = ajvOscal();
    expect([validOscal(oscal), validOscal.errors ?? null]).toEqual([true, null]);
    const validSarif = ajvSarif();
    expect([validSarif(sarif), validSarif.errors ?? null]).toEqual([true, null]);
    // a schema-valid file that says nothing would pass too: the content is checked below
    expect(oscal['component-definition'].components.map((c: { title: string }) => c.title)).toEqual(['Evidence']);
    expect(sarif.runs.map((r: { tool: { driver: { name: string } } }) => r.tool.driver.name)).toEqual(
      ['AwsSolutions', 'HIPAA.Security', 'NIST.800.53.R5', 'PCI.DSS.321', 'cdk-validator-cfnguard']); // Serverless finds nothing here, so it leaves no record
  });

  test('SARIF: the finding on the app\'s own construct points at its source file and line; acknowledged findings are suppressed with the reason', () => {
    const out = join(work, 'out2');
    Evidence.write(assembly, { sarif: join(out, 's.sarif'), sourceRoot: ROOT });
    const run = JSON.parse(readFileSync(join(out, 's.sarif'), 'utf8')).runs.find((r: { tool: { driver: { name: string } } }) => r.tool.driver.name === 'AwsSolutions');
    const sns2 = run.results.find((r: { ruleId: string }) => r.ruleId === 'AwsSolutions-SNS3');
    expect(sns2.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: relative(ROOT, __filename), uriBaseId: '%SRCROOT%' }, region: { startLine: topicLine, startColumn: expect.any(Number) },
    });
    expect(sns2.locations[0].logicalLocations[0].fullyQualifiedName).toBe('Evidence/Topic/Resource');
    expect(sns2.suppressions).toBeUndefined();
    const s1 = run.results.find((r: { ruleId: string }) => r.ruleId === 'AwsSolutions-S1');
    expect(s1.suppressions).toEqual([{ kind: 'external', status: 'accepted', justification: expect.stringContaining(REASON) }]);
    const rule = run.tool.driver.rules[sns2.ruleIndex];
    expect([rule.id, rule.help.text]).toEqual(['AwsSolutions-SNS3', expect.stringMatching(/\n\nFix: .*AwsSolutions::AwsSolutions-SNS3/)]);
  });

  test('OSCAL: NIST 800-53 R5 controls of the pack\'s findings, each with a statement naming resources, rules, acknowledgements and open findings', () => {
    const out = join(work, 'out3');
    Evidence.write(assembly, { oscal: join(out, 'o.json'), sourceRoot: ROOT });
    const component = JSON.parse(readFileSync(join(out, 'o.json'), 'utf8'))['component-definition'].components[0];
    const reqs = component['control-implementations'][0]['implemented-requirements'];
    const nistTopic = findings.open.find((f) => f.plugin === 'NIST.800.53.R5' && f.path === 'Evidence/Topic/Resource')!;
    const expected = nistControls(nistTopic.description).map((c) => c.controlId);
    expect(expected.length).toBeGreaterThan(0);
    for (const id of expected) {
      const req = reqs.find((r: { 'control-id': string }) => r['control-id'] === id);
      expect([id, req.statements[0].description]).toEqual([id, expect.stringMatching(/Resources: .*Evidence\/Topic\/Resource.*Rules evaluated: .*NIST\.800\.53\.R5-.*Open findings: /)]);
      expect(req.props).toEqual([{ name: 'implementation-status', value: 'partial' }]);
    }
  });

  test('the same assembly twice gives byte-identical files', () => {
    const a = join(work, 'a');
    const b = join(work, 'b');
    for (const dir of [a, b]) Evidence.write(assembly, { markdown: join(dir, 'c.md'), oscal: join(dir, 'o.json'), sarif: join(dir, 's.sarif'), sourceRoot: ROOT });
    for (const f of ['c.md', 'o.json', 's.sarif']) expect([f, readFileSync(join(a, f), 'utf8') === readFileSync(join(b, f), 'utf8')]).toEqual([f, true]);
  });

  test('Markdown: plugins, acknowledgements with reasons, open findings, and the checklist controls this app does not implement', () => {
    const out = join(work, 'out4');
    Evidence.write(assembly, { markdown: join(out, 'c.md'), sourceRoot: ROOT });
    const md = readFileSync(join(out, 'c.md'), 'utf8');
    expect(md).toContain('| AwsSolutions | - | failure |');
    expect(md).toContain(`| AwsSolutions | AwsSolutions-S1 | \`Evidence/Bucket/Resource\``);
    expect(md).toContain(REASON);
    expect(md).toMatch(/## Open findings\n\n\| plugin \| rule \| construct path \| finding \|[\s\S]*AwsSolutions-SNS3 \| `Evidence\/Topic\/Resource`/);
    // the fixture uses none of the library's constructs: no checklist control is implemented
    expect(md).toMatch(/0 of \d+ controls are implemented by the library's constructs in this app; these have no implementation by them here: "Load balancer serves HTTPS only/);
  });

  describe('bad input: one clear line, exit code 1, no file written', () => {
    const run = (dir: string): { code: number; lines: string[]; wrote: boolean } => {
      const out = mkdtempSync(join(tmpdir(), 'evidence-out-'));
      const lines: string[] = [];
      const code = main(['evidence', dir, '--markdown', join(out, 'c.md'), '--oscal', join(out, 'o.json'), '--sarif', join(out, 's.sarif')], (l) => lines.push(l), (l) => lines.push(l));
      const wrote = ['c.md', 'o.json', 's.sarif'].some((f) => existsSync(join(out, f)));
      rmSync(out, { recursive: true, force: true });
      return { code, lines, wrote };
    };
    const copyOf = (edit: (dir: string) => void): string => {
      const dir = join(work, `bad-${Math.random().toString(36).slice(2)}`);
      mkdirSync(dir);
      for (const f of ['manifest.json', 'Evidence.template.json', 'Evidence.metadata.json', 'validation-report.json']) {
        if (existsSync(join(assembly, f))) writeFileSync(join(dir, f), readFileSync(join(assembly, f)));
      }
      edit(dir);
      return dir;
    };

    test.each([
      ['a missing folder', () => join(work, 'nowhere'), /is not a folder/],
      ['a folder that is not a cloud assembly', () => copyOf((d) => rmSync(join(d, 'manifest.json'))), /is not a cloud assembly: it has no manifest\.json/],
      ['an assembly synthesized without any validation plugin', () => copyOf((d) => rmSync(join(d, 'validation-report.json'))), /without any validation plugin.*RulePacks\.addTo\(app\).*AwsSolutionsChecks/],
      ['a report that names no plugin', () => copyOf((d) => writeFileSync(join(d, 'validation-report.json'), '{"version":"55.0.0","title":"Validation Report","pluginReports":[]}')), /names no validation plugin/],
      ['an unreadable report', () => copyOf((d) => writeFileSync(join(d, 'validation-report.json'), '{"version": "55.0.0", "pluginRep')), /validation-report\.json is not valid JSON/],
      ['an older-format report', () => copyOf((d) => writeFileSync(join(d, 'validation-report.json'), JSON.stringify({ title: 'Validation Report', pluginReports: [{ summary: { pluginName: 'AwsSolutions', status: 'failure' }, violations: [] }] }))), /older format/],
    ])('%s', (_name, make, message) => {
      const r = run(make());
      expect({ code: r.code, lines: r.lines.length, wrote: r.wrote }).toEqual({ code: 1, lines: 1, wrote: false });
      expect(r.lines[0]).toMatch(message);
      expect(r.lines[0]).toMatch(/Fix: /);
    });

    test('an assembly without plugins, synthesized for real, is refused the same way', () => {
      // GIVEN an app with no plugin of its own, validated as `cdk synth` validates any app: aws-cdk-lib's built-in
      // validator writes the report, and, finding nothing, names no plugin in it
      const dir = join(work, 'no-plugins');
      const app = validatedApp({ outdir: dir });
      new sns.Topic(new Stack(app, 'Bare'), 'Topic');
      app.synth();
      expect(validationReport(dir).pluginReports.map((p) => p.pluginName)).toEqual([]);
      const r = run(dir);
      expect([r.code, r.wrote, r.lines[0]]).toEqual([1, false, expect.stringMatching(/names no validation plugin/)]);
      expect(() => Evidence.read(dir)).toThrow(/AwsSolutionsChecks/);
      let error: unknown;
      try { Evidence.read(dir); } catch (e) { error = e; }
      expect([BaselineErrors.isBaselineError(error), BaselineErrors.codeOf(error)]).toEqual([true, BaselineErrorCode.INVALID_ASSEMBLY]);
    });
  });

  test('a pack\'s warning is an open error finding at synth (RulePackChecks), not a pass: the pack alone calls it a warning', () => {
    // GIVEN a table without point-in-time recovery, which AwsSolutions-DDB3 reports as a warning
    const app = new App({ outdir: join(work, 'warning') });
    RulePacks.addTo(app);
    const stack = new Stack(app, 'Warn', { env: { account: '111111111111', region: 'eu-west-1' } });
    new dynamodb.Table(stack, 'Table', { partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING } });
    const bare = createNagPacks(app)[0].validateScope(app).violations.find((v) => v.ruleName === 'AwsSolutions-DDB3');
    expect(bare?.severity).toBe('warning');
    // WHEN synthesized with the packs as validation plugins  THEN synth fails and the report holds it as an open error
    expect(() => app.synth()).toThrow(/AwsSolutions-DDB3/);
    const ddb3 = Evidence.read(join(work, 'warning')).plugins.flatMap((p) => p.open).filter((f) => f.rule === 'AwsSolutions-DDB3');
    expect(ddb3.map((f) => [f.path, f.severity])).toEqual([['Warn/Table/Resource', 'error']]);
  });

  test('NIST control ids become OSCAL control ids of the Rev. 5 catalog; UUIDs are version 5 and stable', () => {
    expect(nistControls('x - (Control IDs: AC-4(21), CM-7b, AU-12(1), CM-5(1)(b), PM-14a.1, SC-8).').map((c) => c.controlId))
      .toEqual(['ac-4.21', 'cm-7', 'au-12.1', 'cm-5.1', 'pm-14', 'sc-8']);
    expect(nistControls('x - (Control ID: AC-4(21)).').map((c) => c.controlId)).toEqual(['ac-4.21']);
    expect(uuidV5('a')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([uuidV5('a') === uuidV5('a'), uuidV5('a') === uuidV5('b')]).toEqual([true, false]);
  });
});
