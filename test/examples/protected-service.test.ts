import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { ProtectedServiceStack } from '../../examples/protected-service/stack';
import { formatFindings, ruleFindings } from '../helpers/compliance';

describe('example: another team protects its own service with the baseline constructs', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ProtectedServiceStack(app, 'Inventory', { env: { region: 'eu-west-1' }, zoneId: 'Z0123456789EXAMPLEABC', zoneName: 'example.com' });

  test('synthesizes a TLS 1.3 load balancer with WAF in front of a function in a secure VPC', () => {
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' });
    t.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, DefaultActions: [Match.objectLike({ RedirectConfig: Match.objectLike({ StatusCode: 'HTTP_301' }) })] });
    t.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
    t.hasResourceProperties('AWS::Lambda::Function', { VpcConfig: Match.anyValue(), TracingConfig: { Mode: 'Active' } });
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
  });

  test('passes every rule pack with no acknowledgement of its own', () => {
    expect(formatFindings(ruleFindings(app))).toBe('');
  });
});
