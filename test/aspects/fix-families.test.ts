import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as fc from 'fast-check';
import { SecurityBaseline, SecurityBaselineMode } from '../../lib';
const API_SECURITY_POLICIES = [...Object.values(apigateway.SecurityPolicy), 'SecurityPolicy_TLS13_1_2_2021_06', 'SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09', 'SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09'];
import { addBaseline, synthError } from './helpers';

/**
 * The rule of fix mode for TLS policies: a fix keeps the family of the user's policy (FIPS stays FIPS, post-quantum
 * stays post-quantum) and only raises the TLS version; where no policy of that family is TLS 1.3-only, the listener
 * or domain keeps its policy and the finding is reported. The reference model below reads the family from the policy
 * name alone, independently of the controls' tables.
 */
const family = (name: string) => ({ fips: /FIPS/.test(name), pq: /(^|[-_])PQ([-_]|$)/.test(name) });

/** Runs one control in fix mode on a stack and returns the resulting properties of `id`, the findings and the changes. */
function fixOne(controlId: string, build: (s: Stack) => void, id: string) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { region: 'eu-west-1' } });
  build(stack);
  const baseline = addBaseline(app, { mode: SecurityBaselineMode.FIX, disabledControls: SecurityBaseline.controls().map((c) => c.id).filter((c) => c !== controlId) });
  synthError(app);
  // the templates are written before the validation plugins run, so they can be read even when synth failed on a finding
  const template = JSON.parse(readFileSync(join(app.outdir, stack.templateFile), 'utf8'));
  return { properties: template.Resources[id].Properties, findings: baseline.findings, changes: baseline.changes };
}

// ---- ALB1: every ELB security policy aws-cdk-lib lists, and the unset default ----

const ELB_POLICIES: (string | undefined)[] = [undefined, ...new Set<string>(Object.values(elbv2.SslPolicy))];
const elbTls13Only = (name: string) => /^ELBSecurityPolicy-TLS13-1-3-/.test(name);

function fixListener(policy: string | undefined) {
  return fixOne('ALB1', (s) => new elbv2.CfnListener(s, 'L', {
    loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/x/1', port: 443, protocol: 'HTTPS',
    defaultActions: [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '200' } }], sslPolicy: policy,
  }), 'L');
}

/** The model's verdict on one ELB fix: compliant policies stay; others become TLS 1.3-only of the same family, or stay and are reported. */
function checkElbFix(before: string | undefined, after: string | undefined, findings: number): void {
  if (before !== undefined && elbTls13Only(before)) {
    expect({ before, after, findings }).toEqual({ before, after: before, findings: 0 });
  } else if (after !== before) {
    expect({ before, tls13Only: elbTls13Only(after!), family: family(after!), findings }).toEqual({ before, tls13Only: true, family: family(before ?? ''), findings: 0 });
  } else {
    expect({ before, findings }).toEqual({ before, findings: 1 });
  }
}

describe('ALB1 fix keeps the policy family (every elbv2.SslPolicy value)', () => {
  test.each(ELB_POLICIES.map((p) => [p ?? '(not set)', p]))('%s', (_name, policy) => {
    const { properties, findings } = fixListener(policy as string | undefined);
    checkElbFix(policy as string | undefined, properties.SslPolicy, findings.length);
    // every policy aws-cdk-lib lists has a TLS 1.3-only twin of its family, so every one is fixed
    expect(elbTls13Only(properties.SslPolicy)).toBe(true);
  });

  test('the issue\'s example: a FIPS post-quantum TLS 1.2+1.3 policy becomes the FIPS post-quantum TLS 1.3-only policy', () => {
    expect(fixListener(elbv2.SslPolicy.FIPS_TLS13_12_PQ).properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09');
    expect(fixListener(elbv2.SslPolicy.TLS13_12_RES_PQ).properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-3-PQ-2025-09');
    expect(fixListener(elbv2.SslPolicy.FIPS_TLS13_10).properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04');
    expect(fixListener(undefined).properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-3-2021-06');
  });

  test('a policy aws-cdk-lib does not list is reported, never replaced', () => {
    const { properties, findings, changes } = fixListener('ELBSecurityPolicy-TLS13-1-2-Example-FIPS-2027-01');
    expect(properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-Example-FIPS-2027-01');
    expect(changes).toEqual([]);
    expect(findings[0].message).toMatch(/Fix: choose the TLS 1.3-only policy that keeps this policy's properties/);
  });

  test('generated policy names (listed and unknown): a fix never changes the family and never keeps TLS below 1.3 silently', () => {
    const names = fc.oneof(
      fc.constantFrom(...ELB_POLICIES),
      fc.tuple(fc.constantFrom('ELBSecurityPolicy-TLS13-1-2', 'ELBSecurityPolicy-TLS13-1-0', 'ELBSecurityPolicy-FS-1-2'),
        fc.constantFrom('', '-FIPS', '-PQ', '-FIPS-PQ', '-Res'), fc.constantFrom('-2023-04', '-2025-09', '-2030-01')).map((parts) => parts.join('')),
    );
    fc.assert(fc.property(names, (policy) => {
      const { properties, findings } = fixListener(policy);
      checkElbFix(policy, properties.SslPolicy, findings.length);
    }), { numRuns: 40 });
  });
});

// ---- NLB1: the same rule on Network Load Balancer TLS listeners ----

function fixTlsListener(policy: string | undefined) {
  return fixOne('NLB1', (s) => new elbv2.CfnListener(s, 'L', {
    loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/x/1', port: 443, protocol: 'TLS',
    defaultActions: [{ type: 'forward', targetGroupArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/t/1' }], sslPolicy: policy,
  }), 'L');
}

describe('NLB1 fix keeps the policy family (every elbv2.SslPolicy value)', () => {
  test.each(ELB_POLICIES.map((p) => [p ?? '(not set)', p]))('%s', (_name, policy) => {
    const { properties, findings } = fixTlsListener(policy as string | undefined);
    checkElbFix(policy as string | undefined, properties.SslPolicy, findings.length);
    expect(elbTls13Only(properties.SslPolicy)).toBe(true);
  });

  test('FIPS, post-quantum and FIPS post-quantum TLS listeners keep their family; an unlisted policy is reported, never replaced', () => {
    expect(fixTlsListener(elbv2.SslPolicy.FIPS_TLS13_12_PQ).properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09');
    expect(fixTlsListener(elbv2.SslPolicy.TLS13_12_RES_PQ).properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-3-PQ-2025-09');
    expect(fixTlsListener(elbv2.SslPolicy.FIPS_TLS13_12).properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04');
    const unknown = fixTlsListener('ELBSecurityPolicy-TLS13-1-2-Example-FIPS-2027-01');
    expect(unknown.properties.SslPolicy).toBe('ELBSecurityPolicy-TLS13-1-2-Example-FIPS-2027-01');
    expect(unknown.changes).toEqual([]);
    expect(unknown.findings[0].message).toMatch(/Fix: choose the TLS 1.3-only policy that keeps this policy's properties/);
  });
});

// ---- APIGW1: every API Gateway security policy, on regional and edge domains ----

const apiTls13Only = (name: string) => /^SecurityPolicy_TLS13_(1_3_|2025_EDGE)/.test(name);

function fixDomain(policy: string | undefined, edge: boolean, mode?: string) {
  return fixOne('APIGW1', (s) => new apigateway.CfnDomainName(s, 'D', {
    domainName: 'a.example.com', securityPolicy: policy, endpointAccessMode: mode,
    ...(edge ? { certificateArn: 'arn:cert', endpointConfiguration: { types: ['EDGE'] } }
      : { regionalCertificateArn: 'arn:cert', endpointConfiguration: { types: ['REGIONAL'] } }),
  }), 'D');
}

describe('APIGW1 fix keeps the policy family (every API Gateway security policy, regional and edge)', () => {
  const cases = [undefined, ...API_SECURITY_POLICIES].flatMap((p) => [false, true].map((edge) => [`${p ?? '(not set)'} on ${edge ? 'an edge' : 'a regional'} domain`, p, edge]));
  test.each(cases)('%s', (_name, policy, edge) => {
    const before = policy as string | undefined;
    const { properties, findings } = fixDomain(before, edge as boolean, 'BASIC');
    const after: string | undefined = properties.SecurityPolicy;
    if (after === before) {
      // kept: either it was already TLS 1.3-only (then only the access mode changed) or no like-for-like policy exists
      if (before !== undefined && apiTls13Only(before)) expect({ mode: properties.EndpointAccessMode, findings: findings.length }).toEqual({ mode: 'STRICT', findings: 0 });
      else expect(findings.map((f) => f.ruleId)).toEqual(['SecurityBaseline-APIGW1']);
    } else {
      expect({ before, tls13Only: apiTls13Only(after!), family: family(after!), edge: after!.endsWith('_EDGE'), mode: properties.EndpointAccessMode })
        .toEqual({ before, tls13Only: true, family: family(before ?? ''), edge, mode: 'STRICT' });
    }
  });

  test('the issue\'s example: a FIPS post-quantum TLS 1.2+1.3 policy is kept and reported (API Gateway has no TLS 1.3-only PQ policy)', () => {
    const { properties, findings, changes } = fixDomain('SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09', false, 'STRICT');
    expect(properties.SecurityPolicy).toBe('SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09');
    expect(changes).toEqual([]);
    expect(findings[0].message).toContain('API Gateway has no TLS 1.3-only policy with the properties of "SecurityPolicy_TLS13_1_2_FIPS_PQ_2025_09"');
  });

  test('a FIPS TLS 1.3-only policy with BASIC access keeps its policy; only the access mode changes', () => {
    const { properties, changes } = fixDomain('SecurityPolicy_TLS13_1_3_FIPS_2025_09', false, 'BASIC');
    expect(properties).toMatchObject({ SecurityPolicy: 'SecurityPolicy_TLS13_1_3_FIPS_2025_09', EndpointAccessMode: 'STRICT' });
    expect(changes.map((c) => c.change)).toEqual(['EndpointAccessMode "BASIC" -> "STRICT"']);
  });

  test('the fix of a legacy policy acknowledges Control Tower\'s TLS_1_2-only rule on the domain, with the policy it set', () => {
    const app = new App();
    const domain = new apigateway.CfnDomainName(new Stack(app, 'S'), 'D', { domainName: 'a.example.com', securityPolicy: 'TLS_1_2',
      regionalCertificateArn: 'arn:cert', endpointConfiguration: { types: ['REGIONAL'] } });
    addBaseline(app, { mode: SecurityBaselineMode.FIX, disabledControls: SecurityBaseline.controls().map((c) => c.id).filter((c) => c !== 'APIGW1') });
    app.synth();
    const acks = domain.node.metadata.filter((m) => m.type === 'aws:cdk:acknowledged-rules').map((m) => m.data as Record<string, string>);
    expect(acks).toEqual([{ 'cdk-validator-cfnguard::api_gw_domain_tls_check': expect.stringContaining('SecurityBaseline fix mode set SecurityPolicy_TLS13_1_3_2025_09') }]);
  });
});
