import { readFileSync } from 'fs';
import { COST_BEGIN, COST_END, priceExampleApp, priceStage, README_PATH, readmeWithCost, renderCostSection } from '../../scripts/cost';

type Resources = Parameters<typeof priceStage>[0][number];

const total = (lines: ReturnType<typeof priceStage>): number => lines.reduce((a, l) => a + l.monthly, 0);
const line = (lines: ReturnType<typeof priceStage>, item: RegExp) => lines.find((l) => item.test(l.item))!;

describe('idle cost model (scripts/cost.ts)', () => {
  test('prices hourly resources for 730 hours and monthly ones per unit, from the price table', () => {
    // GIVEN one NAT gateway with its Elastic IP, an internet-facing ALB in two subnets, a web ACL with 3 rules, an interface endpoint in 2 zones
    const resources: Resources = {
      Nat: { Type: 'AWS::EC2::NatGateway' }, Eip: { Type: 'AWS::EC2::EIP' },
      Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', Properties: { Type: 'application', Scheme: 'internet-facing', Subnets: ['a', 'b'] } },
      Acl: { Type: 'AWS::WAFv2::WebACL', Properties: { Rules: [{}, {}, {}] } },
      Sm: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Interface', SubnetIds: ['a', 'b'] } },
      S3: { Type: 'AWS::EC2::VPCEndpoint', Properties: { VpcEndpointType: 'Gateway' } },
      Key: { Type: 'AWS::KMS::Key' }, Fn: { Type: 'AWS::Lambda::Function' },
    };
    // WHEN
    const lines = priceStage([resources]);
    // THEN (eu-west-1 table: NAT $0.048/h, IPv4 $0.005/h, ALB $0.0252/h, endpoint $0.011/h per zone, ACL $5 + $1 per rule, key $1)
    expect(line(lines, /NAT/).monthly).toBeCloseTo(35.04, 2);
    expect(line(lines, /Public IPv4/).monthly).toBeCloseTo(3 * 3.65, 2);
    expect(line(lines, /Load Balancer/).monthly).toBeCloseTo(18.396, 2);
    expect(line(lines, /WAF/).monthly).toBe(8);
    expect(line(lines, /endpoints/).monthly).toBeCloseTo(16.06, 2);
    expect(line(lines, /KMS/).monthly).toBe(1);
    expect(total(lines)).toBeCloseTo(35.04 + 10.95 + 18.396 + 8 + 16.06 + 1, 1);
  });

  test('Aurora Serverless v2 costs compute only above 0 ACU; Valkey Serverless its 100 MB minimum; an RDS-managed master secret counts', () => {
    const cluster = (min: number): Resources => ({
      Db: { Type: 'AWS::RDS::DBCluster', Properties: { ServerlessV2ScalingConfiguration: { MinCapacity: min }, ManageMasterUserPassword: true } },
      W: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'Db' } } },
      R: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.serverless', DBClusterIdentifier: { Ref: 'Db' } } },
      Cache: { Type: 'AWS::ElastiCache::ServerlessCache', Properties: { Engine: 'valkey' } },
    });
    expect(line(priceStage([cluster(0)]), /Aurora/).monthly).toBeCloseTo(0.11, 2); // storage only
    expect(line(priceStage([cluster(0.5)]), /Aurora/).monthly).toBeCloseTo(2 * 0.5 * 0.16 * 730 + 0.11, 2);
    expect(line(priceStage([cluster(0)]), /ElastiCache/).monthly).toBeCloseTo(0.1 * 0.084 * 730, 2);
    expect(line(priceStage([cluster(0)]), /Secrets/).monthly).toBeCloseTo(0.4, 2);
  });

  test('fails if a template holds a resource type the model does not price (the model stays complete)', () => {
    expect(() => priceStage([{ Box: { Type: 'AWS::EC2::Instance' } }])).toThrow(/no price for AWS::EC2::Instance/);
  });

  test('fails if the README cost table is stale (regenerate with `npm run cost`); the dev default stays within its budget', () => {
    // GIVEN the example configuration synthesized and priced
    const priced = priceExampleApp();
    const readme = readFileSync(README_PATH, 'utf8');
    // THEN the README holds exactly the generated section
    expect(readme).toContain(COST_BEGIN);
    expect(readme).toContain(COST_END);
    expect(readme).toBe(readmeWithCost(readme, renderCostSection(priced)));
    // AND the dev cost options (one web ACL, one endpoint zone, no load balancer) keep their savings and dev within its $80 budget
    const dev = priced.find((s) => s.stage === 'dev')!;
    expect(line(dev.lines, /WAF/).quantity).toBe('1 ACL, 8 rules');
    expect(line(dev.lines, /endpoints/).quantity).toBe('1 AZ');
    expect(line(dev.lines, /Load Balancer/).quantity).toBe('0');
    expect(line(dev.lines, /Public IPv4/).quantity).toBe('1'); // the NAT gateway's Elastic IP only
    expect(total(dev.lines)).toBeLessThanOrEqual(80);
    // AND prod keeps its load balancer
    expect(line(priced.find((s) => s.stage === 'prod')!.lines, /Load Balancer/).quantity).toBe('1');
  });
});
