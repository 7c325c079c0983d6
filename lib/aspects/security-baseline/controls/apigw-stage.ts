import { CfnResource } from 'aws-cdk-lib';
import { isTrue, shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { STAGE, stageWideSettings, updateMethodSettings } from './apigw';

/** REST API stages write access logs. */
export const apiStageAccessLogs: SecurityBaselineControl = {
  id: 'APIGW3',
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'REST API stages write access logs',
  reports: '`AccessLogSetting.DestinationArn = not set`',
  resourceTypes: [STAGE],
  evaluate(_resource: CfnResource, { properties }) {
    if (properties.AccessLogSetting?.DestinationArn !== undefined) return [];
    return [{
      setting: 'AccessLogSetting.DestinationArn',
      found: 'not set',
      fix: 'set deployOptions.accessLogDestination to a KMS-encrypted log group (with accessLogFormat jsonWithStandardFields)',
    }];
  },
};

/** REST API stages are traced with X-Ray. */
export const apiStageTracing: SecurityBaselineControl = {
  id: 'APIGW4',
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'REST API stages have X-Ray tracing on',
  reports: '`TracingEnabled = <value>`',
  resourceTypes: [STAGE],
  evaluate(_resource: CfnResource, { properties }) {
    if (isTrue(properties.TracingEnabled)) return [];
    return [{ setting: 'TracingEnabled', found: shown(properties.TracingEnabled), fix: 'set deployOptions.tracingEnabled: true' }];
  },
};

/** REST API stages throttle every method (stage-wide rate and burst limits). */
export const apiStageThrottling: SecurityBaselineControl = {
  id: 'APIGW5',
  areas: [SecurityBaselineArea.TRAFFIC],
  title: 'REST API stages set stage-wide throttling (rate and burst limits)',
  reports: '`MethodSettings[/*/*].ThrottlingRateLimit/ThrottlingBurstLimit = <rate>/<burst>`: no stage-wide limits',
  resourceTypes: [STAGE],
  evaluate(_resource: CfnResource, { properties }) {
    const all = stageWideSettings(properties.MethodSettings);
    if (all && all.ThrottlingRateLimit !== undefined && all.ThrottlingBurstLimit !== undefined) return [];
    return [{
      setting: 'MethodSettings[/*/*].ThrottlingRateLimit/ThrottlingBurstLimit',
      found: all ? `${shown(all.ThrottlingRateLimit)}/${shown(all.ThrottlingBurstLimit)}` : 'not set (only the account-level limit applies)',
      fix: 'set deployOptions.throttlingRateLimit and throttlingBurstLimit to what the backend can serve',
    }];
  },
};

/** REST API stages never log full requests and responses (they carry tokens and personal data). */
export const apiStageDataTrace: SecurityBaselineControl = {
  id: 'APIGW6',
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'REST API stages keep data trace (full request/response logging) off',
  reports: '`MethodSettings[].DataTraceEnabled = true on <methods>`',
  resourceTypes: [STAGE],
  fixes: 'sets DataTraceEnabled to false in every MethodSettings entry',
  evaluate(resource: CfnResource, { properties }) {
    const settings: Record<string, unknown>[] = Array.isArray(properties.MethodSettings) ? properties.MethodSettings : [];
    const on = settings.filter((s) => isTrue(s?.DataTraceEnabled));
    if (on.length === 0) return [];
    return [{
      setting: 'MethodSettings[].DataTraceEnabled',
      found: `true on ${on.map((s) => `${s.HttpMethod} ${s.ResourcePath}`).join(', ')}`,
      fix: 'set deployOptions.dataTraceEnabled: false (use access logs instead; data trace writes bodies and tokens to logs)',
      apply: () => {
        updateMethodSettings(resource, (entry) => (isTrue(entry.dataTraceEnabled) ? { ...entry, dataTraceEnabled: false } : entry));
        return `MethodSettings[].DataTraceEnabled true -> false on ${on.length} entr${on.length === 1 ? 'y' : 'ies'}`;
      },
    }];
  },
};
