import { CfnResource, Stack } from 'aws-cdk-lib';
import { referencedResources, renderedProperties, resourcesOfType } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { isApplicationLoadBalancer, LOAD_BALANCER } from './alb';
import { STAGE } from './apigw';

const WEB_ACL_ASSOCIATION = 'AWS::WAFv2::WebACLAssociation';

const resourceArn = (a: CfnResource): unknown => (a as unknown as { resourceArn?: unknown }).resourceArn;

/** True when a web ACL association in the app names this load balancer or REST API stage. */
export function hasWebAcl(resource: CfnResource, stageName?: unknown, restApi?: CfnResource): boolean {
  return resourcesOfType(resource, WEB_ACL_ASSOCIATION).some((association) => {
    const arn = resourceArn(association);
    const targets = referencedResources(association, arn);
    if (targets.has(resource)) return true;
    if (!restApi || !targets.has(restApi) || typeof stageName !== 'string') return false;
    return JSON.stringify(Stack.of(association).resolve(arn)).includes(`/stages/${stageName}`);
  });
}

/** Internet-facing entry points sit behind a web ACL (managed rules, rate limits). */
export const webAclAssociated: SecurityBaselineControl = {
  id: 'WAF1',
  areas: [SecurityBaselineArea.TRAFFIC],
  title: 'Internet-facing ALBs and REST API stages are associated with a WAF web ACL',
  reports: '`WebACLAssociation = none` on an internet-facing ALB or a non-private REST API stage',
  resourceTypes: [LOAD_BALANCER, STAGE],
  evaluate(resource: CfnResource, { properties }) {
    if (resource.cfnResourceType === LOAD_BALANCER) {
      if (!isApplicationLoadBalancer(properties) || properties.Scheme === 'internal' || hasWebAcl(resource)) return [];
    } else {
      const apiId = (resource as unknown as { restApiId?: unknown }).restApiId;
      const restApi = [...referencedResources(resource, apiId)].find((r) => r.cfnResourceType === 'AWS::ApiGateway::RestApi');
      const types = restApi ? renderedProperties(restApi).EndpointConfiguration?.Types : undefined;
      if ((Array.isArray(types) && types.includes('PRIVATE')) || hasWebAcl(resource, properties.StageName, restApi)) return [];
    }
    return [{
      setting: 'WebACLAssociation',
      found: 'none',
      fix: 'associate a regional web ACL with managed rule groups and rate-based rules (WebFirewall, or wafv2.CfnWebACLAssociation)',
    }];
  },
};
