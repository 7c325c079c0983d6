import { CfnResource } from 'aws-cdk-lib';
import { attributeMap, refersTo, renderedProperties, resourcesOfType, setKeyValueAttribute } from '../cfn';
import { CfnProperties } from '../cfn';

/** CloudFormation types the load-balancer controls judge. */
export const LOAD_BALANCER = 'AWS::ElasticLoadBalancingV2::LoadBalancer';
export const LISTENER = 'AWS::ElasticLoadBalancingV2::Listener';
export const LISTENER_RULE = 'AWS::ElasticLoadBalancingV2::ListenerRule';

/** True for an Application Load Balancer (CloudFormation's default `Type`). */
export function isApplicationLoadBalancer(properties: CfnProperties): boolean {
  return properties.Type === undefined || properties.Type === 'application';
}

/** Sets one load-balancer attribute and says what changed. */
export function setLoadBalancerAttribute(resource: CfnResource, key: string, value: string, old: unknown): string {
  setKeyValueAttribute(resource, 'loadBalancerAttributes', key, value);
  return `LoadBalancerAttributes[${key}] ${old === undefined ? 'not set' : JSON.stringify(old)} -> "${value}"`;
}

/** The value of one load-balancer attribute. */
export function loadBalancerAttribute(properties: CfnProperties, key: string): unknown {
  return attributeMap(properties.LoadBalancerAttributes).get(key);
}

/** The L1 load balancer a listener belongs to, when it is in this app. */
export function listenerLoadBalancer(listener: CfnResource): CfnResource | undefined {
  const arn = (listener as unknown as { loadBalancerArn?: unknown }).loadBalancerArn;
  return resourcesOfType(listener, LOAD_BALANCER).find((lb) => refersTo(listener, arn, lb));
}

/** The listeners of a load balancer with their rendered properties. */
export function listenersOf(loadBalancer: CfnResource): { listener: CfnResource; properties: CfnProperties }[] {
  return resourcesOfType(loadBalancer, LISTENER)
    .filter((l) => refersTo(l, (l as unknown as { loadBalancerArn?: unknown }).loadBalancerArn, loadBalancer))
    .map((listener) => ({ listener, properties: renderedProperties(listener) }));
}
