import { albAccessLogs, albDeletionProtection, albDesyncMitigation, albDropInvalidHeaders } from './controls/alb-attributes';
import { albHsts } from './controls/alb-hsts';
import { albHttpRedirect } from './controls/alb-http-redirect';
import { albTlsPolicy } from './controls/alb-tls-policy';
import { apiDomainTls } from './controls/apigw-domain-tls';
import { apiExecuteApiEndpoint } from './controls/apigw-execute-api';
import { apiStageAccessLogs, apiStageDataTrace, apiStageThrottling, apiStageTracing } from './controls/apigw-stage';
import { cloudFrontLogging, cloudFrontOriginProtocol, cloudFrontViewerProtocol, cloudFrontViewerTls } from './controls/cloudfront';
import { cognitoMfa, cognitoPasswordLength, cognitoThreatProtection } from './controls/cognito';
import { lambdaRuntime, lambdaSecretEnvironment } from './controls/lambda';
import { httpApiDomainTls, httpApiStageAccessLogs, httpApiStageThrottling } from './controls/http-api';
import { kmsRotation, logEncryption, logRetention } from './controls/logs-kms';
import { securityGroupOpenIngress } from './controls/network';
import { nlbTlsPolicy } from './controls/nlb-tls-policy';
import { rdsBackupRetention, rdsDeletionProtection, rdsForceTls, rdsIamAuthentication, rdsStorageEncryption } from './controls/rds';
import { s3BlockPublicAccess, s3TlsPolicy, s3Versioning } from './controls/s3';
import { secretRotation } from './controls/secrets';
import { webAclAssociated } from './controls/waf';
import { SecurityBaselineControl } from './types';

/** Every control of the baseline, in the order of the controls table. */
export const SECURITY_BASELINE_CONTROLS: readonly SecurityBaselineControl[] = [
  albTlsPolicy, albHttpRedirect, albDropInvalidHeaders, albDesyncMitigation, albHsts, albAccessLogs, albDeletionProtection,
  nlbTlsPolicy,
  apiDomainTls, apiExecuteApiEndpoint, apiStageAccessLogs, apiStageTracing, apiStageThrottling, apiStageDataTrace,
  httpApiStageAccessLogs, httpApiStageThrottling, httpApiDomainTls,
  cloudFrontViewerProtocol, cloudFrontViewerTls, cloudFrontOriginProtocol, cloudFrontLogging,
  s3TlsPolicy, s3BlockPublicAccess, s3Versioning,
  logRetention, logEncryption, kmsRotation,
  lambdaSecretEnvironment, lambdaRuntime,
  securityGroupOpenIngress,
  rdsStorageEncryption, rdsIamAuthentication, rdsDeletionProtection, rdsBackupRetention, rdsForceTls,
  secretRotation,
  cognitoMfa, cognitoPasswordLength, cognitoThreatProtection,
  webAclAssociated,
];

/** The controls that judge each CloudFormation resource type. */
export const CONTROLS_BY_TYPE: ReadonlyMap<string, readonly SecurityBaselineControl[]> = (() => {
  const map = new Map<string, SecurityBaselineControl[]>();
  for (const control of SECURITY_BASELINE_CONTROLS) {
    for (const type of control.resourceTypes) map.set(type, [...(map.get(type) ?? []), control]);
  }
  return map;
})();
