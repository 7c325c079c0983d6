import { Match, Template } from 'aws-cdk-lib/assertions';
import { allStacks, buildTestApp, maskedTemplate } from '../helpers/baseline';

describe('stacks', () => {
  const { stages } = buildTestApp();

  test('every stage has network, data, identity and api stacks with the expected names and environments', () => {
    expect(allStacks(stages).map((s) => s.stackName)).toEqual([
      'secbase-dev-network', 'secbase-dev-data', 'secbase-dev-identity', 'secbase-dev-api',
      'secbase-prod-network', 'secbase-prod-data', 'secbase-prod-identity', 'secbase-prod-api',
    ]);
    for (const s of allStacks(stages)) expect(s.region).toBe('eu-west-1');
  });

  test('stateful stacks are termination-protected in prod', () => {
    const prod = stages.find((s) => s.stage.name === 'prod')!;
    expect(prod.data.terminationProtection).toBe(true);
    expect(prod.identity.terminationProtection).toBe(true);
    const dev = stages.find((s) => s.stage.name === 'dev')!;
    expect(dev.data.terminationProtection).toBe(false);
  });

  test('every resource is tagged with project and stage', () => {
    const t = Template.fromStack(stages[0].network);
    t.hasResourceProperties('AWS::EC2::VPC', {
      Tags: Match.arrayWith([{ Key: 'project', Value: 'secbase' }, { Key: 'stage', Value: 'dev' }]),
    });
  });

  test.each(['dev', 'prod'])('%s stack snapshots', (stageName) => {
    const s = stages.find((x) => x.stage.name === stageName)!;
    for (const stack of [s.network, s.data, s.identity, s.api]) {
      expect(maskedTemplate(stack)).toMatchSnapshot(stack.stackName);
    }
  });
});
