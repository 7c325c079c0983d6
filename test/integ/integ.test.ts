import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildIntegApp, INTEG_CHECKS } from './integ.baseline';
import { maskedTemplate } from '../helpers/baseline';

describe('integration tests for a real account (synthesized only)', () => {
  const { app, probe, stacks } = buildIntegApp({ 'aws:cdk:bundling-stacks': [] });

  test('the integ app synthesizes: a disposable stage, a probe outside the VPC, and one assertion per check', () => {
    const assembly = app.synth();
    const names = assembly.stacks.map((s) => s.stackName);
    expect(names).toEqual(expect.arrayContaining(['secbase-integ-integ-network', 'secbase-integ-integ-data', 'secbase-integ-integ-identity', 'secbase-integ-integ-api', 'secbase-integ-probe']));
    const probeTemplate = Template.fromStack(probe);
    probeTemplate.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'secbase-integ-probe', VpcConfig: Match.absent() });
    const assertionStack = assembly.stacks.find((s) => s.stackName.startsWith('BaselineIntegDefaultTestDeployAssert'));
    expect(assertionStack).toBeDefined();
    const invokes = Object.values<any>(assertionStack!.template.Resources).filter((r) => r.Type === 'Custom::DeployAssert@SdkCallLambdainvoke');
    const checks = invokes.map((r) => JSON.parse(JSON.parse(r.Properties.parameters.Payload)).check);
    expect(checks.sort()).toEqual([...INTEG_CHECKS].sort());
    for (const r of invokes) expect(JSON.parse(r.Properties.expected)).toEqual({ $ObjectLike: { Payload: '"PASS"' } });
  });

  test('the integ stage keeps the load balancer entry the alb-tls and http-redirect checks probe, though the example dev turns it off', () => {
    expect(INTEG_CHECKS).toEqual(expect.arrayContaining(['alb-tls', 'http-redirect']));
    expect(stacks.stage.loadBalancer).toBe(true);
    Template.fromStack(stacks.api, { skipCyclicalDependenciesCheck: true }).hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.integ.example.com.', Type: 'A' });
  });

  test('the probe stack matches its snapshot', () => {
    expect(maskedTemplate(probe)).toMatchSnapshot();
  });
});
