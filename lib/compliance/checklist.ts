/**
 * The security checklist the baseline implements, row by row: which constructs
 * and CloudFormation resources implement each control, which rule-pack and
 * Control Tower rules check it, and which tests prove it.
 *
 * `npm run compliance` turns this into docs/compliance.md and fails when a row
 * points at a resource, rule or test that does not exist.
 */
export interface ChecklistRow {
  /** Checklist domain (data in transit, data input layer, identity management, traffic control, infrastructure layer). */
  readonly domain: string;
  /** The control, as an auditor would phrase it. */
  readonly control: string;
  /** Construct folders under lib/constructs that implement it. */
  readonly constructs: string[];
  /** CloudFormation resource types that carry it (each must exist in the app). */
  readonly resources: string[];
  /** cdk-nag rule ids (must apply to at least one resource) and Control Tower control ids (CT.*). */
  readonly rules: string[];
  /** Tests that prove it: `path` or `path > test title`. */
  readonly tests: string[];
}

const TRANSIT = '1. Data in transit';
const INPUT = '2. Data input layer';
const IDENTITY = '3. Identity management';
const TRAFFIC = '4. Traffic control';
const INFRA = '5. Infrastructure layer';

export const CHECKLIST: ChecklistRow[] = [
  {
    domain: TRANSIT,
    control: 'Load balancer serves HTTPS only with an ACM certificate and a TLS 1.3-only policy',
    constructs: ['tls-load-balancer'],
    resources: ['AWS::ElasticLoadBalancingV2::Listener', 'AWS::CertificateManager::Certificate'],
    rules: ['NIST.800.53.R5-ELBv2ACMCertificateRequired', 'HIPAA.Security-ELBv2ACMCertificateRequired', 'PCI.DSS.321-ELBv2ACMCertificateRequired', 'AwsSolutions-ELB2'],
    tests: ['test/constructs/tls-load-balancer.test.ts', 'test/integ/probe.test.ts > a TLS 1.3-only server with HSTS passes'],
  },
  {
    domain: TRANSIT,
    control: 'HTTP is redirected to HTTPS (301); HSTS and security headers on every response; invalid headers dropped',
    constructs: ['tls-load-balancer'],
    resources: ['AWS::ElasticLoadBalancingV2::Listener', 'AWS::ElasticLoadBalancingV2::LoadBalancer'],
    rules: ['NIST.800.53.R5-ALBHttpToHttpsRedirection', 'PCI.DSS.321-ALBHttpDropInvalidHeaderEnabled', 'HIPAA.Security-ALBHttpDropInvalidHeaderEnabled', 'CT.ELASTICLOADBALANCING.PR.1', 'CT.ELASTICLOADBALANCING.PR.4'],
    tests: ['test/constructs/tls-load-balancer.test.ts', 'test/constructs/security-headers.test.ts'],
  },
  {
    domain: TRANSIT,
    control: 'API custom domain requires TLS 1.3 (SecurityPolicy_TLS13_1_3_2025_09, STRICT); the execute-api endpoint is disabled',
    constructs: ['secure-rest-api'],
    resources: ['AWS::ApiGateway::DomainName', 'AWS::ApiGateway::RestApi'],
    rules: ['CT.APIGATEWAY.PR.6'],
    tests: ['test/constructs/secure-rest-api.test.ts'],
  },
  {
    domain: TRANSIT,
    control: 'Database forces TLS (rds.force_ssl=1) and clients verify the server certificate',
    constructs: ['iam-auth-database'],
    resources: ['AWS::RDS::DBClusterParameterGroup', 'AWS::RDS::DBCluster'],
    rules: ['CT.RDS.PR.27'],
    tests: ['test/constructs/iam-auth-database.test.ts', 'test/lambda/db.test.ts'],
  },
  {
    domain: INPUT,
    control: 'API Gateway validates bodies and parameters against JSON-schema models before any handler runs',
    constructs: ['secure-rest-api'],
    resources: ['AWS::ApiGateway::RequestValidator', 'AWS::ApiGateway::Model'],
    rules: ['AwsSolutions-APIG2'],
    tests: ['test/constructs/secure-rest-api.test.ts'],
  },
  {
    domain: INPUT,
    control: 'Handlers validate again with the same schemas; SQL is parameterized only',
    constructs: ['secure-function'],
    resources: ['AWS::Lambda::Function', 'AWS::ApiGateway::Model'],
    // No rule pack reads handler code: the rule proves the edge half (models on every input method); the tests prove the handler half.
    rules: ['AwsSolutions-APIG2'],
    tests: ['test/lambda/api-app.test.ts', 'test/lambda/no-string-sql.test.ts'],
  },
  {
    domain: INPUT,
    control: 'WAF managed rules block SQL injection, XSS and known bad inputs at the edge',
    constructs: ['web-firewall'],
    resources: ['AWS::WAFv2::WebACL', 'AWS::WAFv2::WebACLAssociation'],
    rules: ['NIST.800.53.R5-ALBWAFEnabled', 'NIST.800.53.R5-APIGWAssociatedWithWAF', 'PCI.DSS.321-ALBWAFEnabled', 'AwsSolutions-APIG3', 'CT.WAFV2.PR.1'],
    tests: ['test/constructs/web-firewall.test.ts'],
  },
  {
    domain: IDENTITY,
    control: 'Every non-public method is authorized by a JWT authorizer (asymmetric algorithms, iss/aud/exp/age, cached JWKS)',
    constructs: ['jwt-authorizer', 'secure-rest-api'],
    resources: ['AWS::ApiGateway::Authorizer', 'AWS::ApiGateway::Method'],
    rules: ['AwsSolutions-APIG4', 'AwsSolutions-COG4'],
    tests: ['test/lambda/jwt-verifier.test.ts', 'test/lambda/authorizer.test.ts', 'test/constructs/jwt-authorizer.test.ts'],
  },
  {
    domain: IDENTITY,
    control: 'Users sign in to a Cognito user pool with MFA, a strong password policy and threat protection',
    constructs: ['user-directory'],
    resources: ['AWS::Cognito::UserPool', 'AWS::Cognito::UserPoolClient'],
    rules: ['AwsSolutions-COG1', 'AwsSolutions-COG2', 'AwsSolutions-COG8'],
    tests: ['test/constructs/user-directory.test.ts'],
  },
  {
    domain: IDENTITY,
    control: 'Role-based and object-level authorization: route policy per role, ownership checked in SQL',
    constructs: ['jwt-authorizer'],
    resources: ['AWS::ApiGateway::Authorizer', 'AWS::ApiGateway::Method'],
    rules: ['AwsSolutions-APIG4'],
    tests: ['test/lambda/authorizer.test.ts', 'test/lambda/api-app.test.ts'],
  },
  {
    domain: IDENTITY,
    control: 'The application reaches the database with IAM authentication tokens, never a password',
    constructs: ['iam-auth-database'],
    resources: ['AWS::RDS::DBCluster'],
    rules: ['AwsSolutions-RDS6', 'CT.RDS.PR.4'],
    tests: ['test/constructs/iam-auth-database.test.ts', 'test/lambda/db-bootstrap.test.ts'],
  },
  {
    domain: TRAFFIC,
    control: 'WAF rate-based rules per IP, much tighter on authentication paths, answering 429',
    constructs: ['web-firewall'],
    resources: ['AWS::WAFv2::WebACL', 'AWS::WAFv2::LoggingConfiguration'],
    rules: ['NIST.800.53.R5-WAFv2LoggingEnabled', 'PCI.DSS.321-WAFv2LoggingEnabled'],
    tests: ['test/constructs/web-firewall.test.ts'],
  },
  {
    domain: TRAFFIC,
    control: 'API Gateway throttles the stage and, tighter, write and auth methods',
    constructs: ['secure-rest-api'],
    resources: ['AWS::ApiGateway::Stage'],
    rules: ['Serverless-APIGWDefaultThrottling'],
    tests: ['test/constructs/secure-rest-api.test.ts'],
  },
  {
    domain: TRAFFIC,
    control: 'Per-identity limits per route class in Redis/Valkey (GCRA, one atomic round trip), 429 with RateLimit headers; auth and writes fail closed',
    constructs: ['identity-rate-limiter'],
    resources: ['AWS::ElastiCache::ServerlessCache', 'AWS::ElastiCache::User'],
    // No pack has serverless-cache rules yet: these check the cache's key rotation and its security groups.
    rules: ['AwsSolutions-KMS5', 'NIST.800.53.R5-EC2RestrictedCommonPorts'],
    tests: ['test/integration/rate-limiter.test.ts', 'test/integration/session-rate-limit.test.ts', 'test/constructs/identity-rate-limiter.test.ts', 'test/stacks/rate-limit-wiring.test.ts'],
  },
  {
    domain: INFRA,
    control: 'Secrets live in Secrets Manager, encrypted with customer-managed keys and rotated; none in code, env vars or templates',
    constructs: ['managed-secret', 'iam-auth-database'],
    resources: ['AWS::SecretsManager::Secret'],
    rules: ['AwsSolutions-SMG4', 'NIST.800.53.R5-SecretsManagerUsingKMSKey', 'NIST.800.53.R5-SecretsManagerRotationEnabled', 'HIPAA.Security-SecretsManagerUsingKMSKey'],
    tests: ['test/constructs/managed-secret.test.ts', 'test/compliance/no-secrets-in-templates.test.ts'],
  },
  {
    domain: INFRA,
    control: 'Customer-managed KMS keys rotate and only AWS services may be granted their use',
    constructs: ['logging'],
    resources: ['AWS::KMS::Key'],
    rules: ['AwsSolutions-KMS5', 'NIST.800.53.R5-KMSBackingKeyRotationEnabled', 'CT.KMS.PR.1', 'CT.KMS.PR.3'],
    tests: ['test/constructs/logging.test.ts'],
  },
  {
    domain: INFRA,
    control: 'Logs are encrypted with KMS and kept at least a year; VPC traffic is recorded in flow logs',
    constructs: ['logging', 'secure-vpc'],
    resources: ['AWS::Logs::LogGroup', 'AWS::EC2::FlowLog'],
    rules: ['NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod', 'NIST.800.53.R5-VPCFlowLogsEnabled', 'CT.CLOUDWATCH.PR.2', 'CT.CLOUDWATCH.PR.3'],
    tests: ['test/compliance/templates.test.ts', 'test/constructs/secure-vpc.test.ts'],
  },
  {
    domain: INFRA,
    control: 'Every Lambda runs in the VPC on the latest runtime with least-privilege customer-managed policies',
    constructs: ['secure-function'],
    resources: ['AWS::Lambda::Function', 'AWS::IAM::ManagedPolicy'],
    rules: ['NIST.800.53.R5-LambdaInsideVPC', 'NIST.800.53.R5-IAMNoInlinePolicy', 'AwsSolutions-IAM4', 'AwsSolutions-L1', 'CT.LAMBDA.PR.3'],
    tests: ['test/compliance/templates.test.ts', 'test/constructs/secure-function.test.ts'],
  },
  {
    domain: INFRA,
    control: 'Every stack passes the rule packs and Control Tower controls with zero unexplained findings; every acknowledgement is needed; stateful resources are never replaced by accident',
    constructs: [],
    resources: ['AWS::EC2::VPC', 'AWS::RDS::DBCluster'],
    rules: ['AwsSolutions-IAM5', 'NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled', 'CT.RDS.PR.3'],
    tests: ['test/compliance/rule-packs.test.ts > every pack passes with zero unacknowledged findings', 'test/compliance/rule-packs.test.ts > without the acknowledgements, the app has exactly the findings they covered',
      'test/compliance/stateful-guard.test.ts > renaming the database construct id is caught as a replacement'],
  },
];

/** The checklist domain of each SecurityBaseline area. */
export const SECURITY_BASELINE_DOMAINS: Record<string, string> = {
  transit: TRANSIT,
  input: INPUT,
  identity: IDENTITY,
  traffic: TRAFFIC,
  infrastructure: INFRA,
};

/** Tests that prove every SecurityBaseline control (per-control cases, the insecure app, the reference app). */
export const SECURITY_BASELINE_TESTS: string[] = [
  'test/aspects/controls.test.ts > every control has non-compliant and compliant cases',
  'test/aspects/security-baseline.test.ts > synth fails with exactly the expected findings, one per violation',
  'test/aspects/security-baseline.test.ts > applying the Aspect twice gives the same template as once',
  'test/aspects/reference-app.test.ts > with the Aspect in fix mode they synthesize byte-identical to without it',
  'test/aspects/rule-packs.test.ts',
];
