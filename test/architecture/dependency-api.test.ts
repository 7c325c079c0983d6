import { join } from 'path';
import { findNonPublicAccess, nonPublicMembers } from './dependency-api-rules';
import { readSources, ROOT } from './sources';

const NODE_MODULES = join(ROOT, 'node_modules');
/** cdk-nag and the cfn-guard validator, whose private and protected members lib/ must not touch. */
const CHECKED = [join(NODE_MODULES, 'cdk-nag', 'lib'), join(NODE_MODULES, '@cdklabs', 'cdk-validator-cfnguard', 'lib')];
/** aws-cdk-lib's core and constructs: a name public there (`node.scope`, `report.violations`) is not flagged. */
const PUBLIC_IN = [join(NODE_MODULES, 'aws-cdk-lib', 'core', 'lib'), join(NODE_MODULES, 'constructs', 'lib')];

describe('the code (lib/, app/, scripts/, bench/, tests) uses only public APIs of its dependencies (cdk-nag, aws-cdk-lib, the cfn-guard validator)', () => {
  const hidden = nonPublicMembers(CHECKED, PUBLIC_IN);

  test('the scan knows cdk-nag\'s non-public members and leaves its public ones alone', () => {
    expect([...hidden]).toEqual(expect.arrayContaining(['isAcknowledged', 'applyRule', 'addViolation', 'walkTree', 'packName']));
    for (const name of ['validate', 'validateScope', 'violations', 'name', 'ruleIds']) expect([name, hidden.has(name)]).toEqual([name, false]);
  });

  test('regression examples: the patterns that reached into cdk-nag and aws-cdk-lib are caught', () => {
    const examples = [
      'const internals = this.pack as unknown as { isAcknowledged(node: IConstruct, ruleId: string): boolean };',
      '    internals.isAcknowledged = (node, ruleId) => {',
      'const rendered = Stack.of(resource).resolve((resource as unknown as { _toCloudFormation(): unknown })._toCloudFormation());',
      'p.applyRule = (params) => {',
      'const internal = node.node as unknown as { _metadata?: unknown[] };',
      "const fn = this.provider.node.tryFindChild('framework-onEvent') as lambda.Function | undefined;",
    ];
    for (const line of examples) expect([line, findNonPublicAccess('example.ts', line, hidden).length > 0]).toEqual([line, true]);
    const fine = [
      'const report = this.pack.validate(context);',
      'for (const v of pack.validateScope(scope).violations) {',
      'const arn = (listener as unknown as { loadBalancerArn?: unknown }).loadBalancerArn;',
      'this._cache = new Map();',
      '      super.applyRule(params);',
      '    protected override applyRule(params: IApplyRule): void {',
    ];
    for (const line of fine) expect([line, findNonPublicAccess('example.ts', line, hidden)]).toEqual([line, []]);
  });

  test('no file of lib/, app/, scripts/, bench/ or the tests touches a private, protected or internal member of a dependency', () => {
    // (test/architecture holds the patterns as examples of what the scan catches)
    const files = new Map([...readSources(['lib', 'app', 'scripts', 'bench', 'test', 'examples'])].filter(([file]) => !file.startsWith('test/architecture/')));
    expect(files.size).toBeGreaterThan(200);
    const violations = [...files].flatMap(([file, text]) => findNonPublicAccess(file, text, hidden));
    expect(violations.map((v) => `${v.file}:${v.line} ${v.why}: ${v.text}`)).toEqual([]);
  });
});
