import { readFileSync } from 'fs';
import { join } from 'path';
import { App, CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StageStacks } from '../../app/baseline';
import { CONTROL_TOWER_PLUGIN_NAME, RULE_PACK_NAMES } from '../../lib/compliance/pack-names';
import { RulePacks } from '../../lib/compliance';
import { parseConfig } from '../../app/config';
import { ApiStack } from '../../app/stacks';
import { buildTestApp, exampleBaselineConfig, exampleBaselineWith, maskedTemplate } from '../helpers/baseline';

/**
 * The stage option `loadBalancer`: `false` (the example dev) leaves the REST API as the stage's one internet-facing entry
 * point; `true` or unset keeps the load balancer entry (the TLS 1.3 ALB at app.<stage domain>, the notes function behind it
 * and the ALB's web ACL association) exactly as a stage without the option has it.
 */

type Resources = Record<string, { Type: string; Properties?: Record<string, any> }>;

/** A synth with every rule pack and the Control Tower controls takes about 25 s alone; on 2 busy cores it can take several times that. */
const FULL_SYNTH_TIMEOUT_MS = 300_000;

function resourcesOf(stack: ApiStack): Resources {
  return Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }).toJSON().Resources;
}

/** Logical ids of the load balancer entry: everything under the TlsLoadBalancer and the ALB notes function, its security group and the ALB's WAF association. */
function loadBalancerEntryIds(api: ApiStack): string[] {
  const entry = /^(LoadBalancer|AlbFunction|AlbFunctionSecurityGroup)$/;
  return api.node.findAll()
    .filter((c): c is CfnResource => c instanceof CfnResource)
    .filter((c) => entry.test(c.node.scopes[2].node.id) || /AlbLoadBalancerResourceAssociation/.test(api.getLogicalId(c)))
    .map((c) => api.getLogicalId(c))
    .sort();
}

/** Synthesizes with every rule pack and the Control Tower controls, as `npx cdk synth` does, and returns the open findings per plugin. */
function openFindings(app: App): { plugin: string; open: number }[] {
  RulePacks.addTo(app);
  const assembly = app.synth();
  const report = JSON.parse(readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; violations: unknown[] }[];
  };
  expect(report.pluginReports.map((p) => p.pluginName)).toEqual(expect.arrayContaining([...RULE_PACK_NAMES, CONTROL_TOWER_PLUGIN_NAME]));
  return report.pluginReports.map((p) => ({ plugin: p.pluginName, open: p.violations.length }));
}

describe('stage option loadBalancer', () => {
  // GIVEN the example dev stage (loadBalancer: false) and the same stage with loadBalancer: true
  const without = buildTestApp({ stages: ['dev'] });
  const withLb = buildTestApp({ stages: ['dev'], baseline: exampleBaselineWith('dev', { loadBalancer: true }) });
  const [devWithout]: StageStacks[] = without.stages;
  const [devWith]: StageStacks[] = withLb.stages;
  const resourcesWithout = resourcesOf(devWithout.api);
  const resourcesWith = resourcesOf(devWith.api);

  test('the example configuration turns it off in dev only; prod keeps the default (true)', () => {
    const [dev, prod] = parseConfig(exampleBaselineConfig()).stages;
    expect(dev.loadBalancer).toBe(false);
    expect(prod).not.toHaveProperty('loadBalancer');
  });

  test('dev without the load balancer has no Elastic Load Balancing resource, no ALB function, no app.dev record or certificate, no log bucket', () => {
    const types = Object.values(resourcesWithout).map((r) => r.Type);
    expect(types.filter((t) => t.startsWith('AWS::ElasticLoadBalancingV2::'))).toEqual([]);
    expect(types).not.toContain('AWS::S3::Bucket');
    expect(devWithout.api.loadBalancer).toBeUndefined();
    expect(devWithout.api.albFunction).toBeUndefined();
    expect(devWithout.api.edgeFirewall).toBeUndefined();
    expect(devWithout.api.node.tryFindChild('LoadBalancer')).toBeUndefined();
    expect(devWithout.api.node.tryFindChild('AlbFunction')).toBeUndefined();
    expect(devWithout.api.node.tryFindChild('AlbFunctionSecurityGroup')).toBeUndefined();
    const names = JSON.stringify(resourcesWithout);
    expect(names).not.toContain('app.dev.example.com.');
    const certificates = Object.values(resourcesWithout).filter((r) => r.Type === 'AWS::CertificateManager::Certificate').map((r) => r.Properties!.DomainName);
    expect(certificates).toEqual(['api.dev.example.com']);
    expect(Object.values(resourcesWithout).filter((r) => r.Type === 'AWS::Lambda::Function').map((r) => r.Properties!.Description))
      .not.toContainEqual(expect.stringMatching(/behind the ALB/));
  });

  test('dev without the load balancer keeps the REST API whole: the same domain, routes, validators, authorizer and throttles as with it', () => {
    // THEN every REST API, authorizer, handler and WAF resource is there, byte-identical, except the web ACL's description,
    // which no longer names a load balancer
    const kept = Object.keys(resourcesWith).filter((id) => !loadBalancerEntryIds(devWith.api).includes(id));
    expect(Object.keys(resourcesWithout).sort()).toEqual(kept.sort());
    for (const id of kept) {
      if (id === devWith.api.getLogicalId(devWith.api.firewall.webAcl)) continue;
      expect({ id, resource: resourcesWithout[id] }).toEqual({ id, resource: resourcesWith[id] });
    }
    // AND its one web ACL protects the REST API stage (and only it), with the REST API's description and 16 KB body limit
    const template = Template.fromStack(devWithout.api);
    template.resourceCountIs('AWS::WAFv2::WebACL', 1);
    template.hasResourceProperties('AWS::WAFv2::WebACL', { Description: 'REST API - rate limits, managed rules, 16 KB body limit' });
    const associations = Object.values(resourcesWithout).filter((r) => r.Type === 'AWS::WAFv2::WebACLAssociation');
    expect(associations).toHaveLength(1);
    expect(JSON.stringify(associations[0].Properties!.ResourceArn)).toContain('/stages/');
    template.hasResourceProperties('AWS::ApiGateway::DomainName', { DomainName: 'api.dev.example.com', SecurityPolicy: 'SecurityPolicy_TLS13_1_3_2025_09', EndpointAccessMode: 'STRICT' });
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', { Type: 'REQUEST', IdentitySource: Match.stringLikeRegexp('Authorization') });
  });

  test('dev without the load balancer synthesizes with zero open findings in every rule pack and the Control Tower controls', () => {
    for (const finding of openFindings(buildTestApp({ stages: ['dev'] }).app)) expect(finding).toEqual({ plugin: finding.plugin, open: 0 });
  }, FULL_SYNTH_TIMEOUT_MS);

  test('loadBalancer: true brings back the whole entry: the load balancer, its certificate and record at app.dev, the ALB function and the shared web ACL association', () => {
    const template = Template.fromStack(devWith.api);
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::LoadBalancer', 1);
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'HTTPS', SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06' });
    template.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'app.dev.example.com' });
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'app.dev.example.com.', Type: 'A' });
    expect(devWith.api.edgeFirewall).toBe(devWith.api.firewall); // sharedWebAcl applies again
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: { Ref: devWith.api.getLogicalId(devWith.api.loadBalancer!.loadBalancer.node.defaultChild as CfnResource) },
    });
    expect(loadBalancerEntryIds(devWith.api)).toEqual(expect.arrayContaining([
      devWith.api.getLogicalId(devWith.api.albFunction!.function.node.defaultChild as CfnResource),
    ]));
    expect(devWith.api.templateOptions.description).toMatch(/load balancer/);
    expect(devWithout.api.templateOptions.description).not.toMatch(/load balancer/);
  });

  test('loadBalancer: true synthesizes exactly what a stage without the option does (the default)', () => {
    // GIVEN dev with the key removed (the default)
    const baseline = exampleBaselineConfig();
    delete baseline.stages.dev.loadBalancer;
    const [devDefault] = buildTestApp({ stages: ['dev'], baseline }).stages;
    // THEN every stack is byte-identical to dev with loadBalancer: true
    for (const kind of ['network', 'data', 'identity', 'api'] as const) {
      expect({ kind, template: maskedTemplate(devDefault[kind]) }).toEqual({ kind, template: maskedTemplate(devWith[kind]) });
    }
  });

  test('loadBalancer: true: the load balancer entry of dev, resource by resource (snapshot)', () => {
    const entry = Object.fromEntries(Object.entries(maskedTemplate(devWith.api) as { Resources: Resources }).flatMap(([k, v]) => k === 'Resources'
      ? Object.entries(v as Resources).filter(([id]) => loadBalancerEntryIds(devWith.api).includes(id) || id === devWith.api.getLogicalId(devWith.api.firewall.webAcl))
      : []));
    expect(Object.keys(entry).length).toBeGreaterThanOrEqual(19);
    expect(entry).toMatchSnapshot();
  });

  test('loadBalancer: true with deletionProtection: false (dev) has zero open findings: the opt-out acknowledgements still apply', () => {
    const app = buildTestApp({ stages: ['dev'], baseline: exampleBaselineWith('dev', { loadBalancer: true }) }).app;
    for (const finding of openFindings(app)) expect(finding).toEqual({ plugin: finding.plugin, open: 0 });
  }, FULL_SYNTH_TIMEOUT_MS);
});
