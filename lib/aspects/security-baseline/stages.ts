import { Aspects, CfnResource, IAspect, Stage } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { BaselineError, BaselineErrorCode } from '../../internal/errors';

/**
 * Stages a SecurityBaseline judged: the root of every synthesis the Aspect ran in. Aspects do not cross Stage
 * boundaries, and a Stage is synthesized once (CDK Pipelines does it in `addStage()`), so a nested Stage missing here
 * when its parent is judged was synthesized without the baseline.
 */
const judgedStages = new WeakSet<Stage>();

/** The fix every message about an unjudged Stage gives. */
const STAGE_FIX = 'call SecurityBaseline.applyToStage(this) in the Stage\'s constructor (with the SecurityBaseline added to the App before the stack '
  + 'that creates the Stage), or Aspects.of(stage).add(baseline) before pipeline.addStage(stage) / wave.addStage(stage); '
  + 'to leave the Stage unchecked on purpose, add the SecurityBaseline to the stacks it should judge instead of a scope that holds the Stage';

/**
 * Called for every construct the Aspect visits: records the Stage being synthesized, and fails synth when a Stage
 * directly below the construct was synthesized without a SecurityBaseline (its resources were never judged).
 * A Stage that holds no resource at all passes: nothing in it went unjudged.
 */
export function checkNestedStages(node: IConstruct): void {
  const stage = Stage.isStage(node) ? node : Stage.of(node);
  if (stage) judgedStages.add(stage);
  for (const child of node.node.children) {
    if (!Stage.isStage(child) || judgedStages.has(child) || !child.node.findAll().some(CfnResource.isCfnResource)) continue;
    throw new BaselineError(BaselineErrorCode.STAGE_WITHOUT_BASELINE, `SecurityBaseline: the Stage ${child.node.path} was synthesized without a SecurityBaseline, so none of its resources was judged `
      + '(Aspects do not cross Stage boundaries, and CDK Pipelines synthesizes a Stage as soon as pipeline.addStage() or wave.addStage() adds it, '
      + `so an Aspect added to the Stage afterwards never runs). Fix: ${STAGE_FIX}.`);
  }
}

/** Adds every SecurityBaseline applied to a scope above the Stage to the Stage itself, with the same priority. */
export function applyInheritedBaselines(stage: Stage, isBaseline: (aspect: IAspect) => boolean): void {
  const inherited = stage.node.scopes.slice(0, -1).flatMap((scope) => Aspects.of(scope).applied.filter((a) => isBaseline(a.aspect)));
  if (inherited.length === 0) {
    throw new BaselineError(BaselineErrorCode.STAGE_WITHOUT_BASELINE, `${stage.node.path}: SecurityBaseline.applyToStage found no SecurityBaseline on the App or any scope above the Stage. `
      + 'Fix: add it to the App before creating the stack that creates the Stage (Aspects.of(app).add(new SecurityBaseline(...), { priority: AspectPriority.MUTATING })), '
      + 'or add your instance to the Stage directly (Aspects.of(stage).add(baseline)) before the pipeline adds the Stage.');
  }
  for (const application of inherited) {
    if (!Aspects.of(stage).all.includes(application.aspect)) Aspects.of(stage).add(application.aspect, { priority: application.priority });
  }
}
