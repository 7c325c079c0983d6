import { CfnResource } from 'aws-cdk-lib';
import { isTrue, refersTo, resourcesOfType } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { BASE_PATH_MAPPINGS, REST_API } from './apigw';

/** A REST API served on a custom domain does not also answer on its default execute-api endpoint. */
export const apiExecuteApiEndpoint: SecurityBaselineControl = {
  id: 'APIGW2',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'REST APIs with a custom domain disable the default execute-api endpoint',
  reports: '`DisableExecuteApiEndpoint = <value>` while a base path mapping puts the API on a custom domain',
  resourceTypes: [REST_API],
  evaluate(resource: CfnResource, { properties }) {
    if (isTrue(properties.DisableExecuteApiEndpoint)) return [];
    const mappings = BASE_PATH_MAPPINGS.flatMap((type) => resourcesOfType(resource, type))
      .filter((m) => refersTo(m, (m as unknown as { restApiId?: unknown }).restApiId, resource));
    if (mappings.length === 0) return [];
    return [{
      setting: 'DisableExecuteApiEndpoint',
      found: `${properties.DisableExecuteApiEndpoint === undefined ? 'not set (false)' : String(properties.DisableExecuteApiEndpoint)} while the API is mapped to a custom domain (${mappings[0].node.path})`,
      fix: 'set disableExecuteApiEndpoint: true once no client calls the execute-api URL, so the domain\'s TLS policy and WAF cannot be bypassed',
    }];
  },
};
