import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildBaseline, StageStacks } from '../../app/baseline';
import { loadConfig } from '../../app/config';
import { validateLikeCdkSynth } from './builtin-validation';

/** The committed example context from cdk.json. */
export function exampleContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'cdk.json'), 'utf8')).context;
}

/**
 * An App with the project's context (cdk.json's feature flags and example configuration, then `context`), that validates
 * its templates as `cdk synth` does: aws-cdk-lib's built-in validator, whose findings fail synth under the project's
 * `@aws-cdk/core:validateAgainstDefaultRules` flag (see ./builtin-validation). A key of `context` set to undefined is
 * left out (`{ baseline: undefined }`: the flags without the example configuration).
 */
export function projectApp(context: Record<string, unknown> = {}): App {
  const merged = Object.entries({ ...exampleContext(), ...context }).filter(([, value]) => value !== undefined);
  return validateLikeCdkSynth(new App({ context: Object.fromEntries(merged) }));
}

/** The example `baseline` configuration object, deep-copied so tests may change it. */
export function exampleBaselineConfig(): Record<string, any> {
  return JSON.parse(JSON.stringify(exampleContext().baseline));
}

/** The example `baseline` configuration with some keys of one stage changed, for example `('dev', { loadBalancer: true })`. */
export function exampleBaselineWith(stage: string, overrides: Record<string, unknown>): Record<string, any> {
  const baseline = exampleBaselineConfig();
  baseline.stages[stage] = { ...baseline.stages[stage], ...overrides };
  return baseline;
}

export interface TestAppOptions {
  /** Replaces the `baseline` context. */
  readonly baseline?: Record<string, unknown>;
  /** Extra context. */
  readonly context?: Record<string, unknown>;
  /** Bundle Lambda code with esbuild (slower); off by default in unit tests. */
  readonly bundle?: boolean;
  /** Stages to build. @default ['dev', 'prod'] */
  readonly stages?: string[];
}

/** Builds the whole baseline app from the example configuration, as `app/main.ts` does, validated as `cdk synth` validates it. */
export function buildTestApp(options: TestAppOptions = {}): { app: App; stages: StageStacks[] } {
  const context: Record<string, unknown> = { ...options.context };
  if (options.baseline) context.baseline = options.baseline;
  if (options.stages) context.stages = options.stages.join(',');
  if (!options.bundle) context['aws:cdk:bundling-stacks'] = [];
  const app = projectApp(context);
  const stages = buildBaseline(app, loadConfig(app));
  return { app, stages };
}

/** Every stack of a built app. */
export function allStacks(stages: StageStacks[]): Stack[] {
  return stages.flatMap((s) => [s.network, s.data, s.identity, s.api]);
}

/** A template with asset hashes and other run-specific values masked, for snapshots. */
export function maskedTemplate(stack: Stack): unknown {
  const json = JSON.stringify(Template.fromStack(stack, { skipCyclicalDependenciesCheck: true }).toJSON());
  return JSON.parse(json
    .replace(/[0-9a-f]{64}(\.zip|\.json)?/g, (_m, ext: string | undefined) => `[ASSET HASH]${ext ?? ''}`)
    .replace(/"aws:asset:path":"[^"]*"/g, '"aws:asset:path":"[ASSET PATH]"')
    // DatabaseBootstrap's CodeHash is the hash of its handler bundle: it changes with the bundle, like an asset hash.
    .replace(/"CodeHash":"[0-9a-f]{16}"/g, '"CodeHash":"[BUNDLE HASH]"'));
}
