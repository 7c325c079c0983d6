import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as fc from 'fast-check';
import { SecurityBaseline, SecurityBaselineMode } from '../../lib';
import { addBaseline, synthError } from './helpers';

/**
 * A fix never changes who can reach a resource, or over which protocol, when the template shows the resource serving
 * that traffic: on those shapes fix mode reports, saying why, and leaves the template as it was.
 */
function fix(controlIds: string[], build: (stack: Stack) => void) {
  const app = new App();
  const stack = new Stack(app, 'S', { env: { region: 'eu-west-1' } });
  build(stack);
  const plain = new App();
  build(new Stack(plain, 'S', { env: { region: 'eu-west-1' } }));
  const baseline = addBaseline(app, { mode: SecurityBaselineMode.FIX, disabledControls: SecurityBaseline.controls().map((c) => c.id).filter((id) => !controlIds.includes(id)) });
  // Synth fails on the findings after it has written the templates: read them from the assembly directory.
  synthError(app);
  const template = JSON.parse(readFileSync(join(app.outdir, 'S.template.json'), 'utf8'));
  const before = Template.fromStack(plain.node.findChild('S') as Stack).toJSON();
  return { baseline, stack, template, unchanged: JSON.stringify(template) === JSON.stringify(before) };
}

const websiteBucket = (s: Stack) => new s3.Bucket(s, 'Site', {
  websiteIndexDocument: 'index.html',
  publicReadAccess: true,
  blockPublicAccess: new s3.BlockPublicAccess({ blockPublicAcls: false, blockPublicPolicy: false, ignorePublicAcls: false, restrictPublicBuckets: false }),
});

describe('S3 buckets that serve the public', () => {
  test('a website bucket (websiteIndexDocument, public-read policy) gets no aws:SecureTransport deny: reported with "put CloudFront with HTTPS in front"', () => {
    const { baseline, unchanged } = fix(['BUCKET1', 'BUCKET2'], websiteBucket);
    expect(unchanged).toBe(true);
    expect(baseline.changes).toEqual([]);
    const bucket1 = baseline.findings.find((f) => f.controlId === 'BUCKET1')!;
    expect(bucket1.path).toBe('S/Site/Resource');
    expect(bucket1.message).toContain('put CloudFront with HTTPS in front');
    expect(bucket1.message).toContain('S3 website endpoints serve HTTP only');
    expect(baseline.findings.map((f) => f.controlId).sort()).toEqual(['BUCKET1', 'BUCKET2']);
  });

  test('a website bucket made with the L1 (WebsiteConfiguration) and no policy gets no policy', () => {
    const { baseline, template } = fix(['BUCKET1'], (s) => new s3.CfnBucket(s, 'Site', { websiteConfiguration: { indexDocument: 'index.html' } }));
    expect(Object.values(template.Resources).map((r: any) => r.Type)).not.toContain('AWS::S3::BucketPolicy');
    expect(baseline.findings.map((f) => f.controlId)).toEqual(['BUCKET1']);
  });

  test('a bucket whose policy lets everyone read is reported, not changed', () => {
    const { baseline, unchanged } = fix(['BUCKET1'], (s) => {
      const b = new s3.Bucket(s, 'Public', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY });
      b.addToResourcePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], principals: [new iam.AnyPrincipal()], resources: [b.arnForObjects('*')] }));
    });
    expect(unchanged).toBe(true);
    expect(baseline.findings[0].message).toContain('not fixed: the bucket serves anonymous readers (public policy)');
  });

  test('a private bucket still gets both deny statements', () => {
    const { baseline, template } = fix(['BUCKET1'], (s) => new s3.Bucket(s, 'Private'));
    expect(baseline.findings).toEqual([]);
    expect(JSON.stringify(template)).toContain('"aws:SecureTransport":"false"');
  });

  test('generated buckets: fix adds the aws:SecureTransport deny exactly when the template shows no public serving', () => {
    fc.assert(fc.property(fc.record({ website: fc.boolean(), publicAcl: fc.boolean(), publicPolicy: fc.boolean(), conditionalPolicy: fc.boolean() }), (shape) => {
      // Reference model: public serving is a website configuration, a Public* canned ACL, or an unconditional Allow to everyone.
      const servesPublic = shape.website || shape.publicAcl || shape.publicPolicy;
      const { template, baseline } = fix(['BUCKET1'], (s) => {
        const b = new s3.CfnBucket(s, 'B', {
          websiteConfiguration: shape.website ? { indexDocument: 'index.html' } : undefined,
          accessControl: shape.publicAcl ? 'PublicRead' : undefined,
        });
        const statements = [];
        if (shape.publicPolicy) statements.push({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${b.attrArn}/*` });
        if (shape.conditionalPolicy) {
          statements.push({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${b.attrArn}/*`, Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } } });
        }
        if (statements.length > 0) new s3.CfnBucketPolicy(s, 'P', { bucket: b.ref, policyDocument: { Version: '2012-10-17', Statement: statements } });
      });
      const denies = JSON.stringify(template).includes('"aws:SecureTransport":"false"');
      expect(denies).toBe(!servesPublic);
      expect(baseline.findings.length).toBe(servesPublic ? 1 : 0);
    }), { numRuns: 24 });
  });
});

describe('BUCKET2 on a bucket without PublicAccessBlockConfiguration', () => {
  test('passes when nothing in the template makes the bucket public (S3 blocks public access on new buckets since April 2023)', () => {
    const { baseline, unchanged } = fix(['BUCKET2'], (s) => new s3.CfnBucket(s, 'B'));
    expect(baseline.findings).toEqual([]);
    expect(unchanged).toBe(true);
  });

  test('is reported when the template makes the bucket public (a website)', () => {
    const { baseline } = fix(['BUCKET2'], (s) => new s3.CfnBucket(s, 'B', { websiteConfiguration: { indexDocument: 'index.html' } }));
    expect(baseline.findings.map((f) => f.message)).toEqual([expect.stringContaining('PublicAccessBlockConfiguration = not set')]);
  });

  test('settings turned off explicitly are still reported and fixed on a private bucket', () => {
    const { baseline, template } = fix(['BUCKET2'], (s) => new s3.Bucket(s, 'B', { blockPublicAccess: s3.BlockPublicAccess.BLOCK_ACLS_ONLY }));
    expect(baseline.changes.map((c) => c.controlId)).toEqual(['BUCKET2']);
    expect(JSON.stringify(template)).toContain('"BlockPublicPolicy":true');
  });
});

/** An ALB with an HTTPS listener forwarding to `httpsTarget` and an HTTP listener forwarding to `httpTarget`. */
function twoListeners(httpTarget: 'App' | 'Legacy', httpsTarget: 'App' | 'Legacy') {
  return (s: Stack) => {
    const lb = new elbv2.CfnLoadBalancer(s, 'Lb', { subnets: ['subnet-1', 'subnet-2'] });
    const groups = { App: new elbv2.CfnTargetGroup(s, 'App', { port: 80, protocol: 'HTTP', vpcId: 'vpc-1' }), Legacy: new elbv2.CfnTargetGroup(s, 'Legacy', { port: 80, protocol: 'HTTP', vpcId: 'vpc-1' }) };
    new elbv2.CfnListener(s, 'Https', { loadBalancerArn: lb.ref, port: 443, protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
      certificates: [{ certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' }], defaultActions: [{ type: 'forward', targetGroupArn: groups[httpsTarget].ref }] });
    new elbv2.CfnListener(s, 'Http', { loadBalancerArn: lb.ref, port: 80, protocol: 'HTTP', defaultActions: [{ type: 'forward', targetGroupArn: groups[httpTarget].ref }] });
  };
}

describe('load balancer listeners that serve content over HTTP', () => {
  test('ALB2: HTTP forwards to a target group the HTTPS listener does not serve: no redirect, reported saying why', () => {
    const { baseline, unchanged } = fix(['ALB2'], twoListeners('Legacy', 'App'));
    expect(unchanged).toBe(true);
    expect(baseline.findings.map((f) => f.path)).toEqual(['S/Http']);
    expect(baseline.findings[0].message).toContain('not fixed: the HTTPS listener does not serve them, so a redirect would cut their clients off');
  });

  test('ALB2: HTTP forwards to the target group the HTTPS listener serves: redirected', () => {
    const { baseline, template } = fix(['ALB2'], twoListeners('App', 'App'));
    expect(baseline.findings).toEqual([]);
    expect(template.Resources.Http.Properties.DefaultActions[0].Type).toBe('redirect');
  });

  test('ALB2: an HTTP listener whose listener rule forwards is reported, not redirected', () => {
    const { baseline, unchanged } = fix(['ALB2'], (s) => {
      twoListeners('App', 'App')(s);
      const http = s.node.findChild('Http') as elbv2.CfnListener;
      http.defaultActions = [{ type: 'fixed-response', fixedResponseConfig: { statusCode: '404' } }];
      new elbv2.CfnListenerRule(s, 'Rule', { listenerArn: http.ref, priority: 1, actions: [{ type: 'forward', targetGroupArn: (s.node.findChild('App') as elbv2.CfnTargetGroup).ref }],
        conditions: [{ field: 'path-pattern', values: ['/*'] }] });
    });
    expect(unchanged).toBe(true);
    expect(baseline.findings.map((f) => f.path)).toEqual(['S/Http']);
  });

  test('ALB2: a load balancer without an HTTPS listener keeps its HTTP listener, reported with the fix', () => {
    const { baseline, unchanged } = fix(['ALB2'], (s) => {
      const lb = new elbv2.CfnLoadBalancer(s, 'Lb', { subnets: ['subnet-1', 'subnet-2'] });
      new elbv2.CfnListener(s, 'Http', { loadBalancerArn: lb.ref, port: 80, protocol: 'HTTP', defaultActions: [{ type: 'forward', targetGroupArn: 'arn:tg' }] });
    });
    expect(unchanged).toBe(true);
    expect(baseline.findings[0].message).toContain('add an HTTPS listener to the load balancer');
  });

  test('ALB5: no HSTS header while an HTTP listener serves content the HTTPS listener does not', () => {
    const { baseline, unchanged } = fix(['ALB5'], twoListeners('Legacy', 'App'));
    expect(unchanged).toBe(true);
    expect(baseline.findings.map((f) => f.path)).toEqual(['S/Https']);
    expect(baseline.findings[0].message).toContain('HSTS would make browsers stop reaching them over HTTP');
  });

  test('ALB5: HSTS is added when HTTP serves nothing HTTPS does not', () => {
    const { baseline, template } = fix(['ALB5'], twoListeners('App', 'App'));
    expect(baseline.changes.map((c) => c.path)).toEqual(['S/Https']);
    expect(JSON.stringify(template.Resources.Https.Properties.ListenerAttributes)).toContain('max-age=31536000');
  });
});

describe('changes that can reject traffic are recorded as warnings', () => {
  const build = (scheme: 'internet-facing' | 'internal') => (s: Stack) => new elbv2.CfnLoadBalancer(s, 'Lb', { subnets: ['subnet-1', 'subnet-2'], scheme });

  test('ALB3 and ALB4 on an internet-facing load balancer: a warning each, naming what clients may see', () => {
    const { baseline, stack } = fix(['ALB3', 'ALB4'], build('internet-facing'));
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/S/Lb', Match.stringLikeRegexp('routing.http.drop_invalid_header_fields.enabled.*SecurityBaseline-ALB3 fix\\). Review before deploying: .*underscores'));
    annotations.hasWarning('/S/Lb', Match.stringLikeRegexp('routing.http.desync_mitigation_mode.*SecurityBaseline-ALB4 fix\\). Review before deploying: .*RFC 7230'));
    expect(annotations.findInfo('*', Match.stringLikeRegexp('SecurityBaseline-ALB[34] fix'))).toEqual([]);
    expect(baseline.changes.map((c) => [c.controlId, c.review !== undefined])).toEqual([['ALB3', true], ['ALB4', true]]);
  });

  test('the same changes on an internal load balancer stay info lines', () => {
    const { baseline, stack } = fix(['ALB3', 'ALB4'], build('internal'));
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findWarning('*', Match.stringLikeRegexp('SecurityBaseline-ALB'))).toEqual([]);
    expect(annotations.findInfo('/S/Lb', Match.stringLikeRegexp('SecurityBaseline-ALB[34] fix'))).toHaveLength(2);
    expect(baseline.changes.every((c) => c.review === undefined)).toBe(true);
  });

  test('Template assertions see the fixed attributes either way', () => {
    Template.fromJSON(fix(['ALB3', 'ALB4'], build('internet-facing')).template).hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
      LoadBalancerAttributes: Match.arrayWith([{ Key: 'routing.http.desync_mitigation_mode', Value: 'strictest' }]) });
  });
});

describe('generated shapes against a reference model', () => {
  test('ALB2 redirects exactly when every target group the HTTP listener forwards to is served by an HTTPS listener', () => {
    const groups = ['A', 'B', 'C'] as const;
    fc.assert(fc.property(fc.subarray([...groups], { minLength: 1 }), fc.subarray([...groups], { minLength: 1 }), (httpGroups, httpsGroups) => {
      // Reference model: a redirect cuts off the clients of any group only HTTP serves.
      const safe = httpGroups.every((g) => httpsGroups.includes(g));
      const { template, baseline } = fix(['ALB2'], (s) => {
        const lb = new elbv2.CfnLoadBalancer(s, 'Lb', { subnets: ['subnet-1', 'subnet-2'] });
        const tg = Object.fromEntries(groups.map((g) => [g, new elbv2.CfnTargetGroup(s, g, { port: 80, protocol: 'HTTP', vpcId: 'vpc-1' })]));
        const forward = (list: readonly string[]) => [{ type: 'forward', forwardConfig: { targetGroups: list.map((g) => ({ targetGroupArn: tg[g].ref })) } }];
        new elbv2.CfnListener(s, 'Https', { loadBalancerArn: lb.ref, port: 443, protocol: 'HTTPS', sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
          certificates: [{ certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/x' }], defaultActions: forward(httpsGroups) });
        new elbv2.CfnListener(s, 'Http', { loadBalancerArn: lb.ref, port: 80, protocol: 'HTTP', defaultActions: forward(httpGroups) });
      });
      expect(template.Resources.Http.Properties.DefaultActions[0].Type).toBe(safe ? 'redirect' : 'forward');
      expect(baseline.findings.length).toBe(safe ? 0 : 1);
    }), { numRuns: 20 });
  });

  test('CF1 redirects exactly when every allow-all behavior allows only GET, HEAD and OPTIONS', () => {
    const policy = fc.constantFrom('allow-all', 'redirect-to-https', 'https-only');
    const methods = fc.constantFrom(['GET', 'HEAD'], ['GET', 'HEAD', 'OPTIONS'], ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE']);
    fc.assert(fc.property(fc.array(fc.record({ policy, methods }), { minLength: 1, maxLength: 3 }), (behaviors) => {
      // Reference model: a redirect is safe only where no request carries a body.
      const open = behaviors.filter((b) => b.policy === 'allow-all');
      const safe = open.every((b) => b.methods.every((m) => ['GET', 'HEAD', 'OPTIONS'].includes(m)));
      const { template, baseline } = fix(['CF1'], (s) => {
        const [first, ...rest] = behaviors.map((b) => ({ targetOriginId: 'o', viewerProtocolPolicy: b.policy, allowedMethods: [...b.methods],
          cachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' }));
        new cloudfront.CfnDistribution(s, 'D', { distributionConfig: { enabled: true, defaultCacheBehavior: first,
          cacheBehaviors: rest.map((b, i) => ({ ...b, pathPattern: `/p${i}/*` })),
          origins: [{ id: 'o', domainName: 'origin.example.com', customOriginConfig: { originProtocolPolicy: 'https-only' } }] } });
      });
      const config = template.Resources.D.Properties.DistributionConfig;
      const after = [config.DefaultCacheBehavior, ...(config.CacheBehaviors ?? [])].map((b: { ViewerProtocolPolicy: string }) => b.ViewerProtocolPolicy);
      const expected = behaviors.map((b) => (b.policy === 'allow-all' && safe ? 'redirect-to-https' : b.policy));
      expect(after).toEqual(expected);
      expect(baseline.findings.length).toBe(open.length > 0 && !safe ? 1 : 0);
    }), { numRuns: 20 });
  });
});
