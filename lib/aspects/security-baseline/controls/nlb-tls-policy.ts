import { CfnResource } from 'aws-cdk-lib';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';
import { LISTENER } from './alb';
import { evaluateListenerTlsPolicy } from './alb-tls-policy';

/** Network Load Balancer TLS listeners accept TLS 1.3 only (the same ELB security policies as HTTPS listeners). */
export const nlbTlsPolicy: SecurityBaselineControl = {
  id: 'NLB1',
  areas: [SecurityBaselineArea.TRANSIT],
  title: 'Network Load Balancer TLS listeners use a TLS 1.3-only security policy',
  reports: '`SslPolicy = <policy>`: the TLS listener accepts TLS below 1.3 (or has no policy)',
  resourceTypes: [LISTENER],
  fixes: 'sets SslPolicy to the TLS 1.3-only policy of the same family, as ALB1 does (FIPS stays FIPS, post-quantum stays post-quantum); '
    + 'a policy aws-cdk-lib does not list is reported',
  evaluate(resource: CfnResource, { properties }) {
    return evaluateListenerTlsPolicy(resource, properties, 'TLS', 'not set (ELBSecurityPolicy-2016-08 applies: TLS 1.0 to 1.2)');
  },
};
