import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Acknowledgements, SecurityBaseline } from '../../lib';
import { RulePacks } from '../../lib/compliance';
import {
  CONTROL_TOWER_ACK_PREFIX, CONTROL_TOWER_PLUGIN_NAME, CONTROL_TOWER_TITLE, RULE_PACK_NAMES, RULE_PACK_TITLES,
} from '../../lib/compliance/pack-names';
import { createControlTowerValidator, peer } from '../../lib/compliance/rule-packs';
import { isNamespacedNagAcknowledgement, NAG_PLUGIN_NAMES, packRuleIds } from '../../lib/internal/acknowledge';
import { listFiles } from '../architecture/sources';
import { ruleFindings } from '../helpers/compliance';

const ROOT = join(__dirname, '..', '..');
const REASON = 'Test: a reason long enough for the acknowledgement helper to accept it.';

/** A stack that every pack finds something in: an unencrypted topic and a bare function. */
function nonCompliantApp(): App {
  const app = new App();
  const stack = new Stack(app, 'Packs', { env: { account: '111111111111', region: 'eu-west-1' } });
  new sns.Topic(stack, 'Topic');
  new lambda.Function(stack, 'Function', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
  return app;
}

/** The pack a rule id belongs to (`PCI.DSS.321-SNSEncryptedKMS` → `PCI.DSS.321`). */
function packOf(ruleId: string): string | undefined {
  return RULE_PACK_NAMES.find((name) => ruleId.startsWith(`${name}-`));
}

describe('one list of rule packs (lib/compliance/pack-names.ts); every place that runs or names the packs derives from it', () => {
  test('RulePacks.create() creates one cdk-nag pack per name, in order, and cdk-nag names them the same; RulePacks.NAMES is that list, frozen', () => {
    expect(RulePacks.create(new App()).map((p) => p.name)).toEqual([...RULE_PACK_NAMES]);
    expect(RulePacks.NAMES).toEqual([...RULE_PACK_NAMES]);
    expect(Object.isFrozen(RulePacks.NAMES)).toBe(true);
  });

  test('RulePacks.addTo() (what app/main.ts calls) registers exactly the packs and the Control Tower plugin, under the names acknowledgements use', () => {
    // GIVEN a spy on the registration
    const register = jest.spyOn(Validations.prototype, 'addPlugins');
    try {
      // WHEN
      RulePacks.addTo(new App());
      // THEN
      expect(register.mock.calls.flat().map((p) => p.name)).toEqual([...RULE_PACK_NAMES, CONTROL_TOWER_PLUGIN_NAME]);
    } finally {
      register.mockRestore();
    }
    expect(createControlTowerValidator().name).toBe(CONTROL_TOWER_PLUGIN_NAME);
    expect(CONTROL_TOWER_ACK_PREFIX).toBe(`${CONTROL_TOWER_PLUGIN_NAME}::`);
  });

  test('ruleFindings() (the test helpers and scripts/findings.ts) runs every pack and no other', () => {
    const findings = ruleFindings(nonCompliantApp());
    expect(findings.filter((f) => packOf(f.rule) === undefined).map((f) => f.rule)).toEqual([]);
    expect([...new Set(findings.map((f) => packOf(f.rule)))].sort()).toEqual([...RULE_PACK_NAMES].sort());
  });

  test('the compliance report (scripts/compliance.ts → docs/compliance.json) has one row per pack, in order, then Control Tower', () => {
    const report = JSON.parse(readFileSync(join(ROOT, 'docs', 'compliance.json'), 'utf8')) as { packs: { pack: string }[] };
    expect(report.packs.map((p) => p.pack)).toEqual([...RULE_PACK_NAMES, CONTROL_TOWER_TITLE]);
  });

  test('acknowledge() records the pack-namespaced id (which aws-cdk-lib matches and cdk-nag does not) for every pack and the SecurityBaseline plugin, and for nothing else', () => {
    // GIVEN
    expect(NAG_PLUGIN_NAMES).toEqual([...RULE_PACK_NAMES, SecurityBaseline.PLUGIN_NAME]);
    const stack = new Stack(new App(), 'Acks');
    // WHEN
    for (const name of NAG_PLUGIN_NAMES) Acknowledgements.of(stack).add(`${name}-SomeRule`, REASON);
    Acknowledgements.of(stack).add('NIST.800.53.R4-SomeRule', REASON); // a cdk-nag pack the baseline does not run
    Acknowledgements.of(stack).add(`${CONTROL_TOWER_ACK_PREFIX}some_check`, REASON);
    // THEN
    const ids = stack.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data));
    const twins = ids.filter(isNamespacedNagAcknowledgement);
    expect(twins).toEqual(NAG_PLUGIN_NAMES.map((name) => `${name}::${name}-SomeRule`));
  });

  test('packRuleIds() names one rule in the given packs, in order, as ids acknowledge() records under each pack', () => {
    // GIVEN a rule that three packs carry
    const ids = packRuleIds('S3DefaultEncryptionKMS', ['NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']);
    // THEN each id is the pack's own, in the order given
    expect(ids).toEqual(['NIST.800.53.R5-S3DefaultEncryptionKMS', 'HIPAA.Security-S3DefaultEncryptionKMS', 'PCI.DSS.321-S3DefaultEncryptionKMS']);
    const stack = new Stack(new App(), 'PackIds');
    for (const id of ids) Acknowledgements.of(stack).add(id, REASON);
    const recorded = stack.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).flatMap((m) => Object.keys(m.data));
    expect(recorded.filter(isNamespacedNagAcknowledgement)).toEqual(ids.map((id) => `${id.slice(0, id.indexOf('-'))}::${id}`));
    // A misspelt pack does not compile (tsc --noEmit checks this file).
    // @ts-expect-error 'HIPAA' is not a pack name
    expect(packRuleIds('LambdaDLQ', ['HIPAA'])).toEqual(['HIPAA-LambdaDLQ']);
  });

  test('the library writes the ids of a rule that several packs carry only through packRuleIds() (no per-pack literals, no hand-made `${pack}-` loop)', () => {
    const packs = RULE_PACK_NAMES.map((name) => name.replace(/\./g, '\\.')).join('|');
    const id = new RegExp(`['"\`](${packs})-([A-Za-z0-9]+)`, 'g');
    const offenders = listFiles('lib', (name) => name.endsWith('.ts'))
      .filter((path) => !path.startsWith('lib/compliance/') && path !== 'lib/internal/acknowledge.ts')
      .flatMap((path) => {
        const text = readFileSync(join(__dirname, '..', '..', path), 'utf8');
        const packsOfRule = new Map<string, Set<string>>();
        for (const [, pack, rule] of text.matchAll(id)) packsOfRule.set(rule, (packsOfRule.get(rule) ?? new Set()).add(pack));
        const repeated = [...packsOfRule].filter(([, ps]) => ps.size > 1).map(([rule, ps]) => `${path}: ${rule} written for ${[...ps].join(', ')}`);
        return /\$\{pack\}-/.test(text) ? [...repeated, `${path}: builds \`\${pack}-<rule>\` by hand`] : repeated;
      });
    expect(offenders).toEqual([]);
  });

  test('the READMEs that name the packs name every one of them', () => {
    const prose = (path: string) => readFileSync(join(ROOT, path), 'utf8').replace(/\n\s*\*\s*/g, ' ');
    for (const path of ['README.md', 'lib/compliance/index.ts']) {
      const text = prose(path);
      expect([path, RULE_PACK_NAMES.filter((name) => !text.includes(RULE_PACK_TITLES[name]))]).toEqual([path, []]);
    }
  });
});

describe('cdk-nag and the cfn-guard validator are optional peers of the compliance entry', () => {
  test('a missing peer fails with one line that names it and the install command', () => {
    expect(() => peer('@cdklabs/cdk-validator-not-installed', 'running the Control Tower controls', () => require('@cdklabs/cdk-validator-not-installed'))).toThrow(
      'aws-security-baseline/compliance: running the Control Tower controls needs the optional peer dependency @cdklabs/cdk-validator-not-installed, ' +
      'which is not installed. Fix: npm install --save-dev @cdklabs/cdk-validator-not-installed');
  });

  test('package.json declares both as optional peers and installs them only for development', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    // cdk-nag is a peer with a range (so jsii makes it a dependency of the Python and Java packages too); the Control
    // Tower validator is an optional peer through peerDependenciesMeta alone (npm reads that as any version), because
    // a jsii peer would become a Maven dependency and Maven Central does not carry the validator
    const declared = (name: string) => [name, pkg.peerDependenciesMeta[name], pkg.peerDependencies[name], Boolean(pkg.devDependencies[name]), pkg.dependencies?.[name]];
    expect(declared('cdk-nag')).toEqual(['cdk-nag', { optional: true }, '^3.0.2', true, undefined]);
    expect(declared('@cdklabs/cdk-validator-cfnguard')).toEqual(['@cdklabs/cdk-validator-cfnguard', { optional: true }, undefined, true, undefined]);
  });

  test('a missing validator tells Python users what to install and import', () => {
    // the real package name is in the message only when resolving it fails: give peer() a loader that fails as Node does
    const missing = () => {
      throw Object.assign(new Error("Cannot find module '@cdklabs/cdk-validator-cfnguard'"), { code: 'MODULE_NOT_FOUND' });
    };
    expect(() => peer('@cdklabs/cdk-validator-cfnguard', 'running the Control Tower controls', missing)).toThrow(
      'Fix: npm install --save-dev @cdklabs/cdk-validator-cfnguard (from Python: pip install cdklabs.cdk-validator-cfnguard, '
      + 'then import cdklabs.cdk_validator_cfnguard before the packs are added, so jsii loads it)');
  });
});
