import { CfnResource } from 'aws-cdk-lib';
import { refersTo, renderedProperties, resourcesOfType } from '../cfn';
import { CfnProperties } from '../cfn';
import { LISTENER_RULE, listenerLoadBalancer, listenersOf } from './alb';

/** The target groups a list of listener actions forwards to, as template JSON (comparable across listeners of one stack). */
export function forwardTargets(actions: unknown): Set<string> {
  const out = new Set<string>();
  if (!Array.isArray(actions)) return out;
  for (const action of actions) {
    if (action?.TargetGroupArn !== undefined) out.add(JSON.stringify(action.TargetGroupArn));
    const groups = action?.ForwardConfig?.TargetGroups;
    if (Array.isArray(groups)) for (const g of groups) if (g?.TargetGroupArn !== undefined) out.add(JSON.stringify(g.TargetGroupArn));
  }
  return out;
}

/** A target group for a message: its logical id when the value is a `Ref`, else the value. */
export function targetName(json: string): string {
  const ref = /^\{"Ref":"([^"]+)"\}$/.exec(json);
  return ref ? ref[1] : json;
}

/** The listener rules attached to a listener, with their rendered properties. */
export function rulesOf(listener: CfnResource): CfnProperties[] {
  return resourcesOfType(listener, LISTENER_RULE)
    .filter((rule) => refersTo(rule, (rule as unknown as { listenerArn?: unknown }).listenerArn, listener))
    .map((rule) => renderedProperties(rule));
}

/** Every target group a listener forwards to: its default actions and its rules. */
export function listenerTargets(listener: CfnResource, properties: CfnProperties): Set<string> {
  const out = forwardTargets(properties.DefaultActions);
  for (const rule of rulesOf(listener)) for (const t of forwardTargets(rule.Actions)) out.add(t);
  return out;
}

/**
 * Target groups that the load balancer's plain-HTTP listeners serve and none of its HTTPS listeners does: content
 * reachable over HTTP only. Moving browsers to HTTPS (a redirect, an HSTS header) would cut them off from it.
 */
export function httpOnlyTargets(listener: CfnResource): { targets: string[]; loadBalancer?: CfnResource } {
  const loadBalancer = listenerLoadBalancer(listener);
  if (!loadBalancer) return { targets: [] };
  const listeners = listenersOf(loadBalancer);
  const https = new Set<string>();
  for (const l of listeners.filter((x) => x.properties.Protocol === 'HTTPS')) for (const t of listenerTargets(l.listener, l.properties)) https.add(t);
  const httpOnly = new Set<string>();
  for (const l of listeners.filter((x) => x.properties.Protocol === 'HTTP')) {
    for (const t of listenerTargets(l.listener, l.properties)) if (!https.has(t)) httpOnly.add(t);
  }
  return { targets: [...httpOnly], loadBalancer };
}
