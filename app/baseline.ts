import { App } from 'aws-cdk-lib';
import { BaselineConfig } from './config';
import { buildStage, StageStacks } from './stacks/stage';

export { buildStage } from './stacks/stage';
export type { BuildStageOptions, StageStacks } from './stacks/stage';

/** Creates every stack of every configured stage. */
export function buildBaseline(app: App, config: BaselineConfig): StageStacks[] {
  return config.stages.map((stage) => buildStage(app, config, stage));
}
