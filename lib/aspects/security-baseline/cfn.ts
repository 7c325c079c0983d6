import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import {
  CfnResource, DefaultTokenResolver, IInspectable, IResolvable, IResolveContext, IPostProcessor, Lazy, Reference, Stack, Stage, StringConcat, Token,
  Tokenization, TreeInspector,
} from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * CloudFormation properties of a resource as they will appear in the template (overrides included, tokens resolved).
 * Template JSON has no static type: controls read it defensively (every access tolerates a missing or odd value).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- untyped template JSON, read defensively by each control
export type CfnProperties = Record<string, any>;

/**
 * Where controls read resources during one pass: the report reads the synthesized templates (what CloudFormation
 * gets, escape-hatch overrides included); fix mode reads the L1s' public properties while it can still change them.
 * Both index the app's resources by type in one walk of the tree.
 */
export interface ResourceReader {
  /** The resource's CloudFormation properties. */
  properties(resource: CfnResource): CfnProperties;
  /** Every L1 resource of the type in the app. */
  ofType(cfnType: string): readonly CfnResource[];
  /** The L1 resources a value of `scope` refers to (memoized for the pass). */
  targets(scope: IConstruct, value: unknown): ReadonlySet<CfnResource>;
  /** The value resolved in the stack of `scope` (memoized for the pass). */
  resolved(scope: IConstruct, value: unknown): unknown;
}

let activeReader: ResourceReader | undefined;

/** Runs `fn` with `reader` as the source of {@link renderedProperties} and {@link resourcesOfType}. */
export function withReader<T>(reader: ResourceReader, fn: () => T): T {
  const previous = activeReader;
  activeReader = reader;
  try {
    return fn();
  } finally {
    activeReader = previous;
  }
}

/** Every L1 resource below `root`, by CloudFormation type: one walk of the tree. */
export function indexResources(root: IConstruct): Map<string, CfnResource[]> {
  const byType = new Map<string, CfnResource[]>();
  for (const c of root.node.findAll()) {
    if (!CfnResource.isCfnResource(c)) continue;
    const list = byType.get(c.cfnResourceType);
    if (list) list.push(c);
    else byType.set(c.cfnResourceType, [c]);
  }
  return byType;
}

/** The shared part of both readers: the type index and memoized references. */
abstract class IndexedReader implements ResourceReader {
  private readonly memo = new WeakMap<IConstruct, Map<unknown, ReadonlySet<CfnResource>>>();
  private readonly resolvedMemo = new WeakMap<IConstruct, Map<unknown, unknown>>();
  constructor(protected readonly byType: Map<string, CfnResource[]>) {}
  public abstract properties(resource: CfnResource): CfnProperties;
  public ofType(cfnType: string): readonly CfnResource[] {
    return this.byType.get(cfnType) ?? [];
  }
  public targets(scope: IConstruct, value: unknown): ReadonlySet<CfnResource> {
    let perScope = this.memo.get(scope);
    if (!perScope) this.memo.set(scope, perScope = new Map());
    let found = perScope.get(value);
    if (!found) perScope.set(value, found = collectReferences(scope, value));
    return found;
  }
  public resolved(scope: IConstruct, value: unknown): unknown {
    let perScope = this.resolvedMemo.get(scope);
    if (!perScope) this.resolvedMemo.set(scope, perScope = new Map());
    if (!perScope.has(value)) perScope.set(value, Stack.of(scope).resolve(value));
    return perScope.get(value);
  }
}

/** Reads the templates the synthesis wrote (each parsed once): what CloudFormation gets, overrides included. */
export class TemplateReader extends IndexedReader {
  private readonly templates = new Map<string, { Resources?: Record<string, { Properties?: CfnProperties }> }>();
  constructor(root: IConstruct) {
    super(indexResources(root));
  }
  public properties(resource: CfnResource): CfnProperties {
    const stack = Stack.of(resource);
    const stage = Stage.of(stack);
    const file = stage ? join(stage.outdir, stack.templateFile) : undefined;
    if (file === undefined || !existsSync(file)) return publicProperties(resource);
    let template = this.templates.get(file);
    if (!template) this.templates.set(file, template = JSON.parse(readFileSync(file, 'utf8')));
    const body = template?.Resources?.[this.resolved(resource, resource.logicalId) as string];
    return body ? body.Properties ?? {} : publicProperties(resource);
  }
}

/**
 * Reads the L1s' public properties (`inspect()`, resolved in the resource's stack), for fix mode: it judges and
 * changes resources before any template exists. Escape-hatch overrides are not visible here; the report reads the
 * templates afterwards and reports a fix an override undid. The index is built on first use and extended with the
 * resources the Aspect itself adds.
 */
export class PublicReader extends IndexedReader {
  constructor(root: IConstruct) {
    super(indexResources(root));
  }
  public properties(resource: CfnResource): CfnProperties {
    return publicProperties(resource);
  }
  /** Adds the resources below `scope` that the index does not hold yet (those a fix just created). */
  public sync(scope: IConstruct): void {
    for (const c of scope.node.findAll()) {
      if (!CfnResource.isCfnResource(c)) continue;
      const list = this.byType.get(c.cfnResourceType);
      if (!list) this.byType.set(c.cfnResourceType, [c]);
      else if (!list.includes(c)) list.push(c);
    }
  }
}

/** True when the resource exposes its properties publicly (every generated L1 does; a bare `CfnResource` does not). */
export function hasPublicProperties(resource: CfnResource): boolean {
  return typeof (resource as Partial<IInspectable>).inspect === 'function';
}

/**
 * The properties of an L1 through its public API: `inspect()` (what tree.json shows), resolved in the resource's
 * stack, with the top-level names CloudFormation uses (`cfnPropertyName()`); nested names are matched without
 * regard to case (`redirectConfig` answers `RedirectConfig`), so controls read one shape in both passes.
 */
export function publicProperties(resource: CfnResource): CfnProperties {
  if (!hasPublicProperties(resource)) return {};
  const inspector = new TreeInspector();
  (resource as unknown as IInspectable).inspect(inspector);
  const props = Stack.of(resource).resolve(inspector.attributes['aws:cdk:cloudformation:props']) as CfnProperties | undefined;
  const raw: CfnProperties = {};
  for (const [key, value] of Object.entries(props ?? {})) raw[resource.cfnPropertyName(key) ?? key] = value;
  for (const override of FIX_OVERRIDES.get(resource) ?? []) setPath(raw, override.path, override.value);
  const out: CfnProperties = {};
  for (const [key, value] of Object.entries(raw)) out[key] = caseInsensitive(value);
  return out;
}

/** The property overrides fixes made, by resource, so that fix mode reads what the template will carry. */
const FIX_OVERRIDES = new WeakMap<CfnResource, { readonly path: readonly string[]; readonly value: unknown }[]>();

/**
 * Sets a nested property with `addPropertyOverride` (for a value an L1's typed setter cannot reach without replacing
 * what an L2 renders lazily, such as a distribution's cache behaviors), and remembers it: `inspect()` does not show
 * overrides, and fix mode must read the value it just set to confirm the fix and to stay idempotent.
 * `path` is dot-separated, with array indexes as numbers (`DomainNameConfigurations.0.SecurityPolicy`).
 */
export function overrideProperty(resource: CfnResource, path: string, value: unknown): void {
  resource.addPropertyOverride(path, value);
  const overrides = FIX_OVERRIDES.get(resource) ?? [];
  overrides.push({ path: path.split('.'), value });
  FIX_OVERRIDES.set(resource, overrides);
}

/** Sets `value` at `path` in resolved properties, as `addPropertyOverride` merges it (names matched without regard to case). */
function setPath(target: CfnProperties, path: readonly string[], value: unknown): void {
  let node = target;
  path.forEach((part, i) => {
    const key = Object.keys(node).find((k) => k.toLowerCase() === part.toLowerCase()) ?? part;
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key];
  });
}

function caseInsensitive(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(caseInsensitive);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value).map(([k, v]) => [k, caseInsensitive(v)] as const);
  const names = new Map(entries.map(([k]) => [k.toLowerCase(), k]));
  return new Proxy(Object.fromEntries(entries), {
    get: (target, key) => (typeof key === 'string' && !(key in target) ? target[names.get(key.toLowerCase()) ?? key] : Reflect.get(target, key)),
    has: (target, key) => (typeof key === 'string' ? names.has(key.toLowerCase()) : Reflect.has(target, key)),
  });
}

/**
 * The properties a resource renders into its template, as the current pass reads them: the synthesized template in
 * the report, the L1's public properties in fix mode (and outside a pass).
 */
export function renderedProperties(resource: CfnResource): CfnProperties {
  return activeReader ? activeReader.properties(resource) : publicProperties(resource);
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

function collectReferences(scope: IConstruct, value: unknown): Set<CfnResource> {
  const collector = new ReferenceCollector();
  Tokenization.resolve(value, { scope, resolver: collector });
  const out = new Set<CfnResource>();
  for (const target of collector.targets) if (CfnResource.isCfnResource(target)) out.add(target);
  return out;
}

/** The L1 resources a (token) value refers to, such as the load balancer inside a web ACL association's `ResourceArn`. */
export function referencedResources(scope: IConstruct, value: unknown): ReadonlySet<CfnResource> {
  return activeReader ? activeReader.targets(scope, value) : collectReferences(scope, value);
}

/** `value` resolved in the stack of `scope` (memoized while a pass is active). */
export function resolvedValue(scope: IConstruct, value: unknown): unknown {
  return activeReader ? activeReader.resolved(scope, value) : Stack.of(scope).resolve(value);
}

/** True when `value` refers to `resource` (by `Ref`/`Fn::GetAtt` token, or by the resolved `Ref` in the same stack). */
export function refersTo(scope: IConstruct, value: unknown, resource: CfnResource): boolean {
  if (value === undefined || value === null) return false;
  if (referencedResources(scope, value).has(resource)) return true;
  if (Stack.of(scope) !== Stack.of(resource) || !Token.isUnresolved(value) && typeof value !== 'object') return false;
  const logicalId = resolvedValue(resource, resource.logicalId);
  const text = JSON.stringify(resolvedValue(scope, value));
  return text.includes(`{"Ref":"${logicalId}"}`) || text.includes(`["${logicalId}",`);
}

/** Every L1 resource below the root of the app (the scope cross-resource controls look in). */
export function allResources(scope: IConstruct): CfnResource[] {
  return [...indexResources(scope.node.root).values()].flat();
}

/** Every L1 resource of the given CloudFormation type in the app (from the pass's index, built in one walk). */
export function resourcesOfType(scope: IConstruct, cfnType: string): readonly CfnResource[] {
  return activeReader ? activeReader.ofType(cfnType) : indexResources(scope.node.root).get(cfnType) ?? [];
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
