import { CfnResource, DefaultTokenResolver, IResolvable, IResolveContext, IPostProcessor, Lazy, Reference, Stack, StringConcat, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * CloudFormation properties of a resource as they will appear in the template (overrides included, tokens resolved).
 * Template JSON has no static type: controls read it defensively (every access tolerates a missing or odd value).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped template JSON, read defensively by each control
export type CfnProperties = Record<string, any>;

/**
 * The properties a resource renders into its template: the L1 props (L2 lazies included) with every escape-hatch
 * override applied, resolved in the resource's own stack. Controls judge this, so an override that weakens a
 * setting is seen as the template would carry it.
 */
export function renderedProperties(resource: CfnResource): CfnProperties {
  const rendered = Stack.of(resource).resolve((resource as unknown as { _toCloudFormation(): unknown })._toCloudFormation()) as
    { Resources?: Record<string, { Properties?: CfnProperties }> } | undefined;
  const body = Object.values(rendered?.Resources ?? {})[0];
  return body?.Properties ?? {};
}

/** Records every resource a value references (`Ref`, `Fn::GetAtt`, ARNs built from them), also across stacks. */
class ReferenceCollector extends DefaultTokenResolver {
  public readonly targets = new Set<IConstruct>();
  constructor() {
    super(new StringConcat());
  }
  public override resolveToken(token: IResolvable, context: IResolveContext, postProcessor: IPostProcessor): unknown {
    if (token instanceof Reference) this.targets.add(token.target);
    return super.resolveToken(token, context, postProcessor);
  }
}

/** The L1 resources a (token) value refers to, such as the load balancer inside a web ACL association's `ResourceArn`. */
export function referencedResources(scope: IConstruct, value: unknown): Set<CfnResource> {
  const collector = new ReferenceCollector();
  Tokenization.resolve(value, { scope, resolver: collector });
  const out = new Set<CfnResource>();
  for (const target of collector.targets) if (CfnResource.isCfnResource(target)) out.add(target);
  return out;
}

/** True when `value` refers to `resource` (by `Ref`/`Fn::GetAtt` token, or by the resolved `Ref` in the same stack). */
export function refersTo(scope: IConstruct, value: unknown, resource: CfnResource): boolean {
  if (value === undefined || value === null) return false;
  if (referencedResources(scope, value).has(resource)) return true;
  if (Stack.of(scope) !== Stack.of(resource)) return false;
  const logicalId = Stack.of(resource).resolve(resource.logicalId);
  const text = JSON.stringify(Stack.of(scope).resolve(value));
  return text.includes(`{"Ref":"${logicalId}"}`) || text.includes(`["${logicalId}",`);
}

/** Every L1 resource below the root of the app (the scope cross-resource controls look in). */
export function allResources(scope: IConstruct): CfnResource[] {
  return scope.node.root.node.findAll().filter((c): c is CfnResource => CfnResource.isCfnResource(c));
}

/** Every L1 resource of the given CloudFormation type below the app root. */
export function resourcesOfType(scope: IConstruct, cfnType: string): CfnResource[] {
  return allResources(scope).filter((r) => r.cfnResourceType === cfnType);
}

/** A value for a message: strings quoted, unset shown as "not set". */
export function shown(value: unknown): string {
  if (value === undefined || value === null) return 'not set';
  if (typeof value === 'string') return JSON.stringify(value);
  const text = JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** True for `true`/`"true"` (CloudFormation accepts both for booleans). */
export function isTrue(value: unknown): boolean {
  return value === true || value === 'true';
}

/** Key/value attributes of a load balancer or listener as a map (`LoadBalancerAttributes`, `ListenerAttributes`). */
export function attributeMap(list: unknown): Map<string, unknown> {
  const map = new Map<string, unknown>();
  if (Array.isArray(list)) for (const entry of list) if (entry && typeof entry === 'object') map.set(String(entry.Key), entry.Value);
  return map;
}

/**
 * Sets one key/value attribute of a load balancer or listener. Through the L2's `setAttribute()` when the L1 is
 * the default child of an elbv2 construct (so the L2 keeps rendering every attribute), otherwise on the L1 list
 * itself; a list that is a token is merged lazily, at the time the template is resolved.
 */
export function setKeyValueAttribute(resource: CfnResource, l1Property: 'loadBalancerAttributes' | 'listenerAttributes', key: string, value: string): void {
  const parent = resource.node.scope as unknown as { setAttribute?: (k: string, v?: string) => void; node: { defaultChild?: IConstruct } } | undefined;
  if (parent && typeof parent.setAttribute === 'function' && parent.node.defaultChild === resource) {
    parent.setAttribute(key, value);
    return;
  }
  const holder = resource as unknown as Record<string, unknown>;
  const current = holder[l1Property];
  const merge = (list: unknown): unknown[] => {
    const entries = Array.isArray(list) ? (list as { key: unknown; value: unknown }[]).filter((e) => e?.key !== key) : [];
    return [...entries, { key, value }];
  };
  holder[l1Property] = Token.isUnresolved(current)
    ? Lazy.uncachedAny({ produce: (ctx: IResolveContext) => merge(ctx.resolve(current)) })
    : merge(current);
}
