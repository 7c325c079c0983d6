import { App } from 'aws-cdk-lib';
import { BaselineConfig, StageConfig } from './config';
import { ApiStack, DataStack, IdentityStack, NetworkStack } from './stacks';

/** The stacks of one stage. */
export interface StageStacks {
  readonly stage: StageConfig;
  readonly network: NetworkStack;
  readonly data: DataStack;
  readonly identity: IdentityStack;
  readonly api: ApiStack;
}

/** Creates every stack of every configured stage, split by lifecycle. */
export function buildBaseline(app: App, config: BaselineConfig): StageStacks[] {
  return config.stages.map((stage) => {
    const prefix = `${config.projectName}-${stage.name}`;
    const common = { config, stage };
    const network = new NetworkStack(app, `${prefix}-network`, {
      ...common, description: `${config.projectName} ${stage.name}: VPC, flow logs, private endpoints`,
    });
    const data = new DataStack(app, `${prefix}-data`, {
      ...common, vpc: network.vpc, description: `${config.projectName} ${stage.name}: keys, database, secrets (stateful)`,
    });
    const identity = new IdentityStack(app, `${prefix}-identity`, {
      ...common, description: `${config.projectName} ${stage.name}: Cognito user pool and clients (stateful)`,
    });
    const api = new ApiStack(app, `${prefix}-api`, {
      ...common, vpc: network.vpc, data, identity, description: `${config.projectName} ${stage.name}: WAF, REST API, authorizer, handlers, load balancer (stateless)`,
    });
    api.addStackDependency(data);
    api.addStackDependency(identity);
    return { stage, network, data, identity, api };
  });
}
