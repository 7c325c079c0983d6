import { App, AspectPriority, Aspects } from 'aws-cdk-lib';
import { SecurityBaseline, SecurityBaselineProps } from '../../lib';

/** The ids of the controls that only report. */
export const REPORT_ONLY_CONTROLS = SecurityBaseline.controls().filter((c) => !c.fixes).map((c) => c.id);

/** Adds a SecurityBaseline Aspect to the app, as a user would (mutating priority). */
export function addBaseline(app: App, props: SecurityBaselineProps = {}): SecurityBaseline {
  const baseline = new SecurityBaseline(props);
  Aspects.of(app).add(baseline, { priority: AspectPriority.MUTATING });
  return baseline;
}

/** Synthesizes and returns the error synth threw (undefined when it passed). */
export function synthError(app: App): Error | undefined {
  try {
    app.synth();
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

/** `ruleId @ path` of each finding, sorted, for exact comparisons. */
export function findingKeys(baseline: SecurityBaseline, options: { open?: boolean } = {}): string[] {
  return baseline.findings.filter((f) => !options.open || !f.acknowledged).map((f) => `${f.ruleId} @ ${f.path}`).sort();
}

