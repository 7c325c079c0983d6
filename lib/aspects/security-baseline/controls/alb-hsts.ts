import { CfnResource } from 'aws-cdk-lib';
import { attributeMap, setKeyValueAttribute, shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { LISTENER } from './alb';
import { httpOnlyTargets, targetName } from './alb-targets';

export const HSTS_ATTRIBUTE = 'routing.http.response.strict_transport_security.header_value';

/** The `max-age` of an HSTS header value, or undefined when it has none. */
export function hstsMaxAge(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?\s*(?:;|$)/i.exec(value);
  return match ? Number(match[1]) : undefined;
}

/** HTTPS listeners send an HSTS header, so browsers never fall back to HTTP. */
export const albHsts: SecurityBaselineControl = {
  id: 'ALB5',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'HTTPS listeners send an HSTS header with a max-age of at least the threshold (one year)',
  reports: '`ListenerAttributes[...strict_transport_security.header_value] = <value>`: no HSTS or max-age below the threshold',
  resourceTypes: [LISTENER],
  fixes: 'sets the listener attribute routing.http.response.strict_transport_security.header_value to max-age=<threshold>, keeping any other directives, unless an HTTP listener of the load balancer serves target groups its HTTPS listeners do not',
  evaluate(resource: CfnResource, { properties, thresholds }) {
    if (properties.Protocol !== 'HTTPS') return [];
    const value = attributeMap(properties.ListenerAttributes).get(HSTS_ATTRIBUTE);
    const maxAge = hstsMaxAge(value);
    if (maxAge !== undefined && maxAge >= thresholds.hstsMaxAgeSeconds) return [];
    const wanted = typeof value === 'string' && maxAge !== undefined
      ? value.replace(/max-age\s*=\s*"?\d+"?/i, `max-age=${thresholds.hstsMaxAgeSeconds}`)
      : `max-age=${thresholds.hstsMaxAgeSeconds}`;
    // HSTS moves browsers to HTTPS on every port of the host: content served over HTTP only would be cut off.
    const httpOnly = httpOnlyTargets(resource).targets;
    return [{
      setting: `ListenerAttributes[${HSTS_ATTRIBUTE}]`,
      found: value === undefined ? 'not set (no HSTS header)' : shown(value),
      fix: httpOnly.length > 0
        ? `serve target group(s) ${httpOnly.map(targetName).join(', ')} over HTTPS too, then set it to "${wanted}"; not fixed: an HTTP listener of this load balancer serves them, and HSTS would make browsers stop reaching them over HTTP`
        : `set it to "${wanted}" (at least ${thresholds.hstsMaxAgeSeconds} seconds)`,
      apply: httpOnly.length === 0 && (value === undefined || typeof value === 'string') ? () => {
        setKeyValueAttribute(resource, 'listenerAttributes', HSTS_ATTRIBUTE, wanted);
        return `ListenerAttributes[${HSTS_ATTRIBUTE}] ${shown(value)} -> "${wanted}"`;
      } : undefined,
    }];
  },
};
