import { Construct } from 'constructs';
import { BaselineConfig, StageConfig } from '../config';
import { ApiStack } from './api-stack';
import { DataStack } from './data-stack';
import { IdentityStack } from './identity-stack';
import { NetworkStack } from './network-stack';

/** The stacks of one stage. */
export interface StageStacks {
  readonly stage: StageConfig;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly identity: IdentityStack;
  readonly api: ApiStack;
}

/** Options of {@link buildStage}. */
export interface BuildStageOptions {
  /**
   * Prefix of the stacks' construct ids. Stack names are always `<project>-<stage>-<kind>`.
   * @default `<project>-<stage>-` (top-level stacks in an App); use '' inside a pipeline `Stage`
   */
  readonly idPrefix?: string;
}

/** Creates the four stacks of one stage, split by lifecycle, under any scope (an App or a pipeline Stage). */
export function buildStage(scope: Construct, config: BaselineConfig, stage: StageConfig, options: BuildStageOptions = {}): StageStacks {
  const name = `${config.projectName}-${stage.name}`;
  const prefix = options.idPrefix ?? `${name}-`;
  const common = { config, stage };
  const network = new NetworkStack(scope, `${prefix}network`, {
    ...common, stackName: `${name}-network`, description: `${config.projectName} ${stage.name}: VPC, flow logs, private endpoints`,
  });
  const data = new DataStack(scope, `${prefix}data`, {
    ...common, stackName: `${name}-data`, vpc: network.vpc, description: `${config.projectName} ${stage.name}: keys, database, secrets (stateful)`,
  });
  const identity = new IdentityStack(scope, `${prefix}identity`, {
    ...common, stackName: `${name}-identity`, description: `${config.projectName} ${stage.name}: Cognito user pool and clients (stateful)`,
  });
  const api = new ApiStack(scope, `${prefix}api`, {
    ...common, stackName: `${name}-api`, vpc: network.vpc, data, identity,
    description: `${config.projectName} ${stage.name}: WAF, REST API, authorizer, handlers${stage.loadBalancer === false ? '' : ', load balancer'} (stateless)`,
  });
  api.addStackDependency(data);
  api.addStackDependency(identity);
  return { stage, network, data, identity, api };
}
