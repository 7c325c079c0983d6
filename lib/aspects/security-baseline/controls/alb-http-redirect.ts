import { CfnResource } from 'aws-cdk-lib';
import { CfnListener } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { refersTo, renderedProperties, resourcesOfType } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { LISTENER, LISTENER_RULE, listenerLoadBalancer, listenersOf } from './alb';
import { forwardTargets, httpOnlyTargets, targetName } from './alb-targets';

/** True when an action list sends the request on to a target instead of answering it. */
function forwards(actions: unknown): boolean {
  return Array.isArray(actions) && actions.some((a) => a?.Type === 'forward' || a?.TargetGroupArn !== undefined || a?.ForwardConfig !== undefined);
}

/** HTTP listeners answer with a redirect to HTTPS instead of serving content in clear text. */
export const albHttpRedirect: SecurityBaselineControl = {
  id: 'ALB2',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'HTTP listeners redirect to HTTPS instead of forwarding',
  reports: '`DefaultActions = forward`: the HTTP listener (or one of its rules) serves content in clear text',
  resourceTypes: [LISTENER],
  fixes: 'replaces the default action with a 301 redirect to the HTTPS listener of the same load balancer, when it has one that serves the same target groups and no listener rule forwards',
  evaluate(resource: CfnResource, { properties }) {
    if (properties.Protocol !== 'HTTP') return [];
    const forwardingRules = resourcesOfType(resource, LISTENER_RULE)
      .filter((rule) => refersTo(rule, (rule as unknown as { listenerArn?: unknown }).listenerArn, resource))
      .filter((rule) => forwards(renderedProperties(rule).Actions));
    if (!forwards(properties.DefaultActions) && forwardingRules.length === 0) return [];
    const loadBalancer = listenerLoadBalancer(resource);
    const https = loadBalancer ? listenersOf(loadBalancer).find((l) => l.properties.Protocol === 'HTTPS') : undefined;
    const rules = forwardingRules.length > 0 ? ` and ${forwardingRules.length} listener rule(s) (${forwardingRules.map((r) => r.node.path).join(', ')}) forward` : '';
    const port = https?.properties.Port;
    // Content the HTTPS listeners do not serve would be cut off by the redirect: report it instead.
    const servedOverHttpOnly = https ? new Set(httpOnlyTargets(resource).targets) : new Set<string>();
    const httpOnly = [...forwardTargets(properties.DefaultActions)].filter((t) => servedOverHttpOnly.has(t));
    return [{
      setting: 'DefaultActions',
      found: `${forwards(properties.DefaultActions) ? 'forward' : 'redirect'}${rules}`,
      fix: !https
        ? 'add an HTTPS listener to the load balancer and redirect HTTP to it with HTTP_301 (or remove the HTTP listener)'
        : httpOnly.length > 0
          ? `serve target group(s) ${httpOnly.map(targetName).join(', ')} on the HTTPS listener too, then redirect to HTTPS port ${port} with HTTP_301; `
            + 'not fixed: the HTTPS listener does not serve them, so a redirect would cut their clients off'
          : `redirect to HTTPS port ${port} with HTTP_301`,
      apply: https && forwardingRules.length === 0 && httpOnly.length === 0 && (typeof port === 'number' || typeof port === 'string') ? () => {
        (resource as CfnListener).defaultActions = [{
          type: 'redirect',
          redirectConfig: { protocol: 'HTTPS', port: String(port), host: '#{host}', path: '/#{path}', query: '#{query}', statusCode: 'HTTP_301' },
        }];
        return `DefaultActions forward -> redirect to HTTPS:${port} (HTTP_301)`;
      } : undefined,
    }];
  },
};
