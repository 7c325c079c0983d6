import { CfnResource } from 'aws-cdk-lib';
import { CfnProperties, overrideProperty, refersTo, resourcesOfType, shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const DISTRIBUTION = 'AWS::CloudFront::Distribution';
const DELIVERY_SOURCE = 'AWS::Logs::DeliverySource';

/** The lowest viewer TLS policy accepted, and the one `fix` sets: TLS 1.2 with the 2021 ciphers. */
export const CLOUDFRONT_TLS_POLICY = 'TLSv1.2_2021';
/** Viewer TLS policies that accept nothing older than TLS 1.2 with the 2021 ciphers. */
export const CLOUDFRONT_TLS_POLICIES: ReadonlySet<string> = new Set([CLOUDFRONT_TLS_POLICY, 'TLSv1.2_2025', 'TLSv1.3_2025']);
/** Methods a read-only cache behavior allows: a browser follows a redirect for them without losing a request body. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const distributionConfig = (p: CfnProperties): CfnProperties => p.DistributionConfig ?? {};

/** Every cache behavior with the override path of its `ViewerProtocolPolicy`. */
function behaviors(config: CfnProperties): { behavior: CfnProperties; path: string; name: string }[] {
  const out: { behavior: CfnProperties; path: string; name: string }[] = [];
  if (config.DefaultCacheBehavior) {
    out.push({ behavior: config.DefaultCacheBehavior, path: 'DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy', name: 'DefaultCacheBehavior' });
  }
  if (Array.isArray(config.CacheBehaviors)) {
    config.CacheBehaviors.forEach((b: CfnProperties, i: number) => out.push({ behavior: b ?? {}, path: `DistributionConfig.CacheBehaviors.${i}.ViewerProtocolPolicy`, name: `CacheBehaviors[${shown(b?.PathPattern)}]` }));
  }
  return out;
}

/** True when a behavior allows only methods that carry no request body (CloudFront's default: GET and HEAD). */
function readOnly(behavior: CfnProperties): boolean {
  const methods = behavior.AllowedMethods;
  return methods === undefined || (Array.isArray(methods) && methods.every((m) => READ_METHODS.has(String(m))));
}

/** Viewers reach the distribution over HTTPS only (HTTP is redirected or refused). */
export const cloudFrontViewerProtocol: SecurityBaselineControl = {
  id: 'CF1',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'CloudFront cache behaviors send viewers to HTTPS (redirect-to-https or https-only)',
  reports: '`<behavior>.ViewerProtocolPolicy = "allow-all"`: the distribution serves viewers over HTTP',
  resourceTypes: [DISTRIBUTION],
  fixes: 'sets ViewerProtocolPolicy to redirect-to-https, when every allow-all behavior allows only GET, HEAD and OPTIONS (a redirect of a POST can lose its body)',
  evaluate(resource: CfnResource, { properties }) {
    const open = behaviors(distributionConfig(properties)).filter((b) => b.behavior.ViewerProtocolPolicy === 'allow-all');
    if (open.length === 0) return [];
    const writable = open.filter((b) => !readOnly(b.behavior));
    return [{
      setting: open.map((b) => `${b.name}.ViewerProtocolPolicy`).join(', '),
      found: '"allow-all"',
      fix: writable.length > 0
        ? `set viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS (HTTPS_ONLY for API clients) once every client of ${writable.map((b) => b.name).join(', ')} uses https://; `
          + 'not fixed: these behaviors accept requests with a body, which a redirect can turn into a GET or drop'
        : 'set viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS',
      apply: writable.length === 0 ? () => {
        for (const b of open) overrideProperty(resource, b.path, 'redirect-to-https');
        return `${open.map((b) => `${b.name}.ViewerProtocolPolicy`).join(', ')} "allow-all" -> "redirect-to-https"`;
      } : undefined,
    }];
  },
};

/** Viewers connect with TLS 1.2 or newer (the 2021 cipher suites at least). */
export const cloudFrontViewerTls: SecurityBaselineControl = {
  id: 'CF2',
  areas: [SecurityBaselineArea.TRANSIT],
  title: `CloudFront distributions accept viewer TLS ${CLOUDFRONT_TLS_POLICY} or newer`,
  reports: '`ViewerCertificate.MinimumProtocolVersion = <policy>` below TLSv1.2_2021, or the default *.cloudfront.net certificate (TLSv1)',
  resourceTypes: [DISTRIBUTION],
  fixes: `sets MinimumProtocolVersion to ${CLOUDFRONT_TLS_POLICY} on a distribution with its own certificate (SNI); a distribution on the default certificate is reported`,
  evaluate(resource: CfnResource, { properties }) {
    const certificate: CfnProperties = distributionConfig(properties).ViewerCertificate ?? {};
    const own = certificate.AcmCertificateArn !== undefined || certificate.IamCertificateId !== undefined;
    const version = certificate.MinimumProtocolVersion;
    if (own && typeof version === 'string' && CLOUDFRONT_TLS_POLICIES.has(version)) return [];
    if (!own) {
      return [{
        setting: 'ViewerCertificate',
        found: 'the default *.cloudfront.net certificate (viewers may use TLSv1)',
        fix: `serve the distribution on your own domain with an ACM certificate from US East (N. Virginia) and minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021 or newer`,
      }];
    }
    return [{
      setting: 'ViewerCertificate.MinimumProtocolVersion',
      found: version === undefined ? 'not set (TLSv1)' : shown(version),
      fix: `set minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021 (or TLS_V1_2_2025, TLS_V1_3_2025)`,
      apply: version === undefined || typeof version === 'string' ? () => {
        overrideProperty(resource, 'DistributionConfig.ViewerCertificate.MinimumProtocolVersion', CLOUDFRONT_TLS_POLICY);
        return `ViewerCertificate.MinimumProtocolVersion ${shown(version)} -> "${CLOUDFRONT_TLS_POLICY}"`;
      } : undefined,
    }];
  },
};

const OLD_ORIGIN_PROTOCOLS = new Set(['SSLv3', 'TLSv1', 'TLSv1.1']);

/** CloudFront reaches custom origins over HTTPS with TLS 1.2. */
export const cloudFrontOriginProtocol: SecurityBaselineControl = {
  id: 'CF3',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'CloudFront reaches custom origins over HTTPS only, with TLS 1.2',
  reports: '`Origins[<id>].CustomOriginConfig.OriginProtocolPolicy = <policy>` (http-only or match-viewer), or OriginSSLProtocols below TLSv1.2',
  resourceTypes: [DISTRIBUTION],
  evaluate(_resource: CfnResource, { properties }) {
    const origins: CfnProperties[] = Array.isArray(distributionConfig(properties).Origins) ? distributionConfig(properties).Origins : [];
    const weak = origins.filter((o) => o?.CustomOriginConfig).map((o) => {
      const c = o.CustomOriginConfig;
      const protocols: unknown[] = Array.isArray(c.OriginSSLProtocols) ? c.OriginSSLProtocols : [];
      const old = protocols.filter((p) => OLD_ORIGIN_PROTOCOLS.has(String(p)));
      if (c.OriginProtocolPolicy !== 'https-only') return `Origins[${shown(o.Id)}].CustomOriginConfig.OriginProtocolPolicy = ${shown(c.OriginProtocolPolicy)}`;
      return old.length > 0 ? `Origins[${shown(o.Id)}].CustomOriginConfig.OriginSSLProtocols = ${shown(protocols)}` : undefined;
    }).filter((d): d is string => d !== undefined);
    if (weak.length === 0) return [];
    const [setting, ...found] = weak[0].split(' = ');
    return [{
      setting,
      found: `${found.join(' = ')}${weak.length > 1 ? ` (and ${weak.slice(1).join('; ')})` : ''}`,
      fix: 'serve the origin over HTTPS and set protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY with originSslProtocols [TLS_V1_2] '
        + '(an S3 website endpoint serves HTTP only: use S3BucketOrigin with origin access control instead)',
    }];
  },
};

/** Distributions log every request (standard logging to S3, or a CloudWatch Logs delivery source). */
export const cloudFrontLogging: SecurityBaselineControl = {
  id: 'CF4',
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'CloudFront distributions log requests (standard logging to S3 or a log delivery source)',
  reports: '`Logging.Bucket = not set` and no AWS::Logs::DeliverySource for the distribution',
  resourceTypes: [DISTRIBUTION],
  evaluate(resource: CfnResource, { properties }) {
    if (distributionConfig(properties).Logging?.Bucket !== undefined) return [];
    const delivered = resourcesOfType(resource, DELIVERY_SOURCE).some((s) => refersTo(s, (s as unknown as { resourceArn?: unknown }).resourceArn, resource));
    if (delivered) return [];
    return [{
      setting: 'Logging.Bucket',
      found: 'not set (and no log delivery source)',
      fix: 'turn on standard logging (enableLogging: true with a logBucket that allows ACLs for log delivery) or add a CloudWatch Logs delivery source for the distribution',
    }];
  },
};
