import { Match, Template } from 'aws-cdk-lib/assertions';
import { buildTestApp, exampleBaselineWith } from '../helpers/baseline';

/** Issue 10: the per-identity limiter is deployed with the data and wired into the write and auth handlers. */
describe('rate limiter wiring', () => {
  // dev with its load balancer kept (loadBalancer: true), so the ALB notes function is there too
  const { stages } = buildTestApp({ stages: ['dev'], baseline: exampleBaselineWith('dev', { loadBalancer: true }) });
  const [{ data, api }] = stages;
  const dataTemplate = Template.fromStack(data);
  const apiTemplate = Template.fromStack(api);

  test('the data stack has a Valkey serverless cache with a customer-managed key, in the isolated subnets, with usage limits', () => {
    dataTemplate.hasResourceProperties('AWS::ElastiCache::ServerlessCache', {
      Engine: 'valkey',
      KmsKeyId: Match.anyValue(),
      SubnetIds: Match.anyValue(),
      CacheUsageLimits: { DataStorage: { Maximum: 1, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
    });
  });

  test.each(['NotesFunction', 'AlbFunction', 'SessionFunction'])('%s gets the limiter endpoint, its client security group and elasticache:Connect', (id) => {
    const fn = api.node.findChild(id);
    const logicalId = api.getLogicalId(fn.node.defaultChild as never);
    const resource = apiTemplate.toJSON().Resources[logicalId];
    expect(Object.keys(resource.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['RATE_LIMIT_REDIS_HOST', 'RATE_LIMIT_CACHE_NAME', 'RATE_LIMIT_USER_ID']));
    expect(JSON.stringify(resource.Properties.VpcConfig.SecurityGroupIds)).toMatch(/RateLimiterClientSecurityGroup/);
    const policies = Object.values<any>(apiTemplate.findResources('AWS::IAM::ManagedPolicy'))
      .filter((p) => JSON.stringify(p.Properties.Roles).includes(id));
    expect(JSON.stringify(policies)).toContain('elasticache:Connect');
  });
});
