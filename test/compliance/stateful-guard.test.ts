import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { CfnResource } from 'aws-cdk-lib';
import { allStacks, buildTestApp } from '../helpers/baseline';
import { replacements, STATEFUL_TYPES, statefulResources, StatefulResource } from '../helpers/stateful';

/**
 * Safe change: a deploy must never silently replace a database, key, secret, user pool or log bucket.
 * The committed file lists every stateful resource's logical id and replacement-triggering properties.
 * After a deliberate, reviewed change, refresh it with: UPDATE_STATEFUL_BASELINE=1 npx jest test/compliance/stateful-guard
 */
const BASELINE_FILE = join(__dirname, 'stateful-resources.json');

describe('stateful resources are never replaced by accident', () => {
  const { stages } = buildTestApp();
  const current = statefulResources(allStacks(stages));

  test('no committed stateful resource would be replaced or deleted', () => {
    if (process.env.UPDATE_STATEFUL_BASELINE === '1' || !existsSync(BASELINE_FILE)) {
      writeFileSync(BASELINE_FILE, `${JSON.stringify(current, null, 2)}\n`);
    }
    const baseline = JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as Record<string, StatefulResource>;
    expect(replacements(baseline, current)).toEqual([]);
  });

  test('the committed list covers every stateful resource in the app', () => {
    const baseline = JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as Record<string, StatefulResource>;
    expect(Object.keys(current).filter((k) => !(k in baseline))).toEqual([]);
  });

  test('renaming the database construct id is caught as a replacement', () => {
    // GIVEN the committed baseline and a fresh app
    const baseline = JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as Record<string, StatefulResource>;
    const fresh = buildTestApp({ stages: ['dev'] });
    const db = fresh.stages[0].data.node.findAll().find((c): c is CfnResource => c instanceof CfnResource && c.cfnResourceType in STATEFUL_TYPES && c.cfnResourceType.startsWith('AWS::RDS::'));
    expect(db).toBeDefined();
    // WHEN the construct is renamed (a new id gives a new logical id)
    db!.overrideLogicalId('RenamedDatabase');
    const renamed = statefulResources(allStacks(fresh.stages));
    // THEN the guard names the database that would be deleted
    const problems = replacements(Object.fromEntries(Object.entries(baseline).filter(([k]) => k.startsWith('secbase-dev-'))), renamed);
    expect(problems.join('\n')).toMatch(/secbase-dev-data\/\w+ \(AWS::RDS::DB(Cluster|Instance)\) is gone: a renamed construct id/);
  });

  test('changing a replacement-triggering property is caught', () => {
    const baseline = JSON.parse(readFileSync(BASELINE_FILE, 'utf8')) as Record<string, StatefulResource>;
    const key = Object.keys(baseline).find((k) => baseline[k].type === 'AWS::KMS::Key')!;
    const changed = { ...current, [key]: { ...current[key], replacementProperties: { ...current[key].replacementProperties, KeySpec: 'RSA_2048' } } };
    expect(replacements(baseline, changed).join('\n')).toMatch(/KeySpec was added, which requires replacement/);
  });
});
