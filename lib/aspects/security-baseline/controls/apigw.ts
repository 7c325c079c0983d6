import { CfnResource, Token } from 'aws-cdk-lib';
import { IResolveContext, Lazy } from 'aws-cdk-lib';

export const DOMAIN_NAME = 'AWS::ApiGateway::DomainName';
export const REST_API = 'AWS::ApiGateway::RestApi';
export const STAGE = 'AWS::ApiGateway::Stage';
export const BASE_PATH_MAPPINGS = ['AWS::ApiGateway::BasePathMapping', 'AWS::ApiGateway::BasePathMappingV2'];

/** Stage-wide method settings: the entry for every resource and method (`/*` and `*`). */
export function stageWideSettings(methodSettings: unknown): Record<string, unknown> | undefined {
  if (!Array.isArray(methodSettings)) return undefined;
  return methodSettings.find((s) => s?.ResourcePath === '/*' && s?.HttpMethod === '*');
}

/**
 * Rewrites every entry of a stage's L1 `methodSettings` (camelCase, as the L1 holds them); a list that is a
 * token is rewritten lazily, when the template is resolved.
 */
export function updateMethodSettings(stage: CfnResource, update: (entry: Record<string, unknown>) => Record<string, unknown>): void {
  const holder = stage as unknown as { methodSettings?: unknown };
  const current = holder.methodSettings;
  const rewrite = (list: unknown): unknown => (Array.isArray(list) ? list.map((e) => update({ ...(e as Record<string, unknown>) })) : list);
  holder.methodSettings = Token.isUnresolved(current)
    ? Lazy.uncachedAny({ produce: (ctx: IResolveContext) => rewrite(ctx.resolve(current)) })
    : rewrite(current);
}
