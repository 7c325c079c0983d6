import { CfnResource } from 'aws-cdk-lib';
import { CfnProperties, isTrue, shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { isApplicationLoadBalancer, LOAD_BALANCER, loadBalancerAttribute, setLoadBalancerAttribute } from './alb';

const DROP_INVALID_HEADERS = 'routing.http.drop_invalid_header_fields.enabled';
const DESYNC_MODE = 'routing.http.desync_mitigation_mode';
const ACCESS_LOGS = 'access_logs.s3.enabled';
const DELETION_PROTECTION = 'deletion_protection.enabled';

/** True for a load balancer the internet reaches (CloudFormation's default `Scheme`). */
const internetFacing = (properties: CfnProperties): boolean => properties.Scheme !== 'internal';

/** ALBs drop header fields that are not valid HTTP (request smuggling, header injection). */
export const albDropInvalidHeaders: SecurityBaselineControl = {
  id: 'ALB3',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'Application Load Balancers drop invalid HTTP header fields',
  reports: '`LoadBalancerAttributes[routing.http.drop_invalid_header_fields.enabled] = <value>`',
  resourceTypes: [LOAD_BALANCER],
  fixes: `sets ${DROP_INVALID_HEADERS} to "true"`,
  evaluate(resource: CfnResource, { properties }) {
    if (!isApplicationLoadBalancer(properties)) return [];
    const value = loadBalancerAttribute(properties, DROP_INVALID_HEADERS);
    if (isTrue(value)) return [];
    return [{
      setting: `LoadBalancerAttributes[${DROP_INVALID_HEADERS}]`,
      found: value === undefined ? 'not set (false)' : shown(value),
      fix: 'set it to "true"',
      apply: () => setLoadBalancerAttribute(resource, DROP_INVALID_HEADERS, 'true', value),
      review: internetFacing(properties)
        ? 'the internet-facing load balancer now removes header fields whose names are not valid HTTP (underscores, for example) before they reach the targets; a client or target that relies on such a header stops working'
        : undefined,
    }];
  },
};

/** ALBs use the strictest HTTP desync mitigation (rejects every ambiguous request). */
export const albDesyncMitigation: SecurityBaselineControl = {
  id: 'ALB4',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'Application Load Balancers use the strictest desync mitigation mode',
  reports: '`LoadBalancerAttributes[routing.http.desync_mitigation_mode] = <value>`: not strictest',
  resourceTypes: [LOAD_BALANCER],
  fixes: `sets ${DESYNC_MODE} to "strictest"`,
  evaluate(resource: CfnResource, { properties }) {
    if (!isApplicationLoadBalancer(properties)) return [];
    const value = loadBalancerAttribute(properties, DESYNC_MODE);
    if (value === 'strictest') return [];
    return [{
      setting: `LoadBalancerAttributes[${DESYNC_MODE}]`,
      found: value === undefined ? 'not set ("defensive")' : shown(value),
      fix: 'set it to "strictest"',
      apply: () => setLoadBalancerAttribute(resource, DESYNC_MODE, 'strictest', value),
      review: internetFacing(properties)
        ? 'the internet-facing load balancer now rejects every request that is not RFC 7230 compliant (classified acceptable or ambiguous), which "defensive" forwarded; a client that sends such requests stops working'
        : undefined,
    }];
  },
};

/** ALBs write access logs (evidence of every request). */
export const albAccessLogs: SecurityBaselineControl = {
  id: 'ALB6',
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Application Load Balancers write access logs',
  reports: '`LoadBalancerAttributes[access_logs.s3.enabled] = <value>`',
  resourceTypes: [LOAD_BALANCER],
  evaluate(_resource: CfnResource, { properties }) {
    if (!isApplicationLoadBalancer(properties)) return [];
    const value = loadBalancerAttribute(properties, ACCESS_LOGS);
    if (isTrue(value)) return [];
    return [{
      setting: `LoadBalancerAttributes[${ACCESS_LOGS}]`,
      found: value === undefined ? 'not set (false)' : shown(value),
      fix: 'enable access logs to an SSE-S3 bucket in the same region (ApplicationLoadBalancer.logAccessLogs(bucket))',
    }];
  },
};

/** ALBs cannot be deleted by accident. */
export const albDeletionProtection: SecurityBaselineControl = {
  id: 'ALB7',
  areas: [SecurityBaselineArea.TRANSIT, SecurityBaselineArea.INFRASTRUCTURE],
  title: 'Application Load Balancers have deletion protection',
  reports: '`LoadBalancerAttributes[deletion_protection.enabled] = <value>`',
  resourceTypes: [LOAD_BALANCER],
  evaluate(_resource: CfnResource, { properties }) {
    if (!isApplicationLoadBalancer(properties)) return [];
    const value = loadBalancerAttribute(properties, DELETION_PROTECTION);
    if (isTrue(value)) return [];
    return [{
      setting: `LoadBalancerAttributes[${DELETION_PROTECTION}]`,
      found: value === undefined ? 'not set (false)' : shown(value),
      fix: 'set deletionProtection: true (turn it off on purpose before deleting the load balancer)',
    }];
  },
};
