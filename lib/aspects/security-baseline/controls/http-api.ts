import { CfnResource } from 'aws-cdk-lib';
import { CfnProperties, overrideProperty, shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const HTTP_API_STAGE = 'AWS::ApiGatewayV2::Stage';
export const HTTP_API_DOMAIN_NAME = 'AWS::ApiGatewayV2::DomainName';

/** The newest policy an HTTP API domain accepts (`TLS_1_0` and `TLS_1_2` only; enhanced policies cannot map HTTP APIs). */
export const HTTP_API_TLS_POLICY = 'TLS_1_2';

/** HTTP API (and WebSocket API) stages write access logs. */
export const httpApiStageAccessLogs: SecurityBaselineControl = {
  id: 'HTTPAPI1',
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'HTTP API stages write access logs',
  reports: '`AccessLogSettings.DestinationArn = not set`',
  resourceTypes: [HTTP_API_STAGE],
  evaluate(_resource: CfnResource, { properties }) {
    if (properties.AccessLogSettings?.DestinationArn !== undefined) return [];
    return [{
      setting: 'AccessLogSettings.DestinationArn',
      found: 'not set',
      fix: 'set accessLogSettings on the stage (CfnStage accessLogSettings, or HttpStage accessLogSettings) to a KMS-encrypted log group with a JSON format',
    }];
  },
};

/** HTTP API stages set default route throttling (rate and burst limits). */
export const httpApiStageThrottling: SecurityBaselineControl = {
  id: 'HTTPAPI2',
  areas: [SecurityBaselineArea.TRAFFIC],
  title: 'HTTP API stages set default route throttling (rate and burst limits)',
  reports: '`DefaultRouteSettings.ThrottlingRateLimit/ThrottlingBurstLimit = <rate>/<burst>`: no stage-wide limits',
  resourceTypes: [HTTP_API_STAGE],
  evaluate(_resource: CfnResource, { properties }) {
    const settings: CfnProperties | undefined = properties.DefaultRouteSettings;
    if (settings?.ThrottlingRateLimit !== undefined && settings?.ThrottlingBurstLimit !== undefined) return [];
    return [{
      setting: 'DefaultRouteSettings.ThrottlingRateLimit/ThrottlingBurstLimit',
      found: settings ? `${shown(settings.ThrottlingRateLimit)}/${shown(settings.ThrottlingBurstLimit)}` : 'not set (only the account-level limit applies)',
      fix: 'set the stage\'s throttle (HttpStage throttle: { rateLimit, burstLimit }) to what the backend can serve',
    }];
  },
};

/** HTTP API custom domains refuse TLS 1.0 and 1.1. */
export const httpApiDomainTls: SecurityBaselineControl = {
  id: 'HTTPAPI3',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'HTTP API custom domains use the TLS_1_2 security policy',
  reports: '`DomainNameConfigurations[].SecurityPolicy = <policy>`: not TLS_1_2',
  resourceTypes: [HTTP_API_DOMAIN_NAME],
  fixes: `sets SecurityPolicy to ${HTTP_API_TLS_POLICY} in every DomainNameConfigurations entry`,
  evaluate(resource: CfnResource, { properties }) {
    const configurations: CfnProperties[] = Array.isArray(properties.DomainNameConfigurations) ? properties.DomainNameConfigurations : [];
    const weak = configurations.map((c, i) => ({ i, policy: c?.SecurityPolicy })).filter((c) => c.policy !== HTTP_API_TLS_POLICY);
    if (weak.length === 0) return [];
    return [{
      setting: 'DomainNameConfigurations[].SecurityPolicy',
      found: weak.map((c) => (c.policy === undefined ? 'not set' : shown(c.policy))).join(', '),
      fix: `set securityPolicy: SecurityPolicy.${HTTP_API_TLS_POLICY} (HTTP APIs cannot use the TLS 1.3 policies REST APIs have)`,
      apply: weak.every((c) => c.policy === undefined || typeof c.policy === 'string') ? () => {
        for (const c of weak) overrideProperty(resource, `DomainNameConfigurations.${c.i}.SecurityPolicy`, HTTP_API_TLS_POLICY);
        return `DomainNameConfigurations[].SecurityPolicy ${weak.map((c) => shown(c.policy)).join(', ')} -> "${HTTP_API_TLS_POLICY}"`;
      } : undefined,
    }];
  },
};
