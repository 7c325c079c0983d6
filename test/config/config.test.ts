import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig, parseConfig } from '../../app/config';
import { buildTestApp, exampleBaselineConfig } from '../helpers/baseline';

describe('configuration', () => {
  test('the committed example configuration is valid and defines dev and prod', () => {
    // WHEN
    const config = parseConfig(exampleBaselineConfig());
    // THEN
    expect(config.stages.map((s) => s.name)).toEqual(['dev', 'prod']);
    const [dev, prod] = config.stages;
    expect(dev.logRetentionDays).toBeLessThan(prod.logRetentionDays);
    expect(dev.multiAz).toBe(false);
    expect(prod.multiAz).toBe(true);
    expect(dev.removalPolicy).toBe('destroy');
    expect(prod.removalPolicy).toBe('retain');
    expect(dev.natGateways).toBeLessThan(prod.natGateways);
    expect(prod.deletionProtection).toBe(true);
    // AND the dev cost options (README cost table) are on in dev only; prod keeps one web ACL per entry point and endpoints in every zone
    expect(dev.sharedWebAcl).toBe(true);
    expect(dev.endpointAzs).toBe(1);
    expect(dev.loadBalancer).toBe(false);
    expect(prod.sharedWebAcl).toBeUndefined();
    expect(prod.endpointAzs).toBeUndefined();
    expect(prod.loadBalancer).toBeUndefined();
  });

  test('the cost options are optional', () => {
    const baseline = exampleBaselineConfig();
    delete baseline.stages.dev.sharedWebAcl;
    delete baseline.stages.dev.endpointAzs;
    delete baseline.stages.dev.loadBalancer;
    const dev = parseConfig(baseline).stages[0];
    expect(dev).not.toHaveProperty('sharedWebAcl');
    expect(dev).not.toHaveProperty('endpointAzs');
    expect(dev).not.toHaveProperty('loadBalancer');
  });

  test('loadBalancer takes true or false; sharedWebAcl is accepted beside loadBalancer: false (one entry point, nothing to share)', () => {
    for (const value of [true, false]) {
      const dev = parseConfig({ ...exampleBaselineConfig(), stages: { dev: { ...exampleBaselineConfig().stages.dev, loadBalancer: value, sharedWebAcl: true } } }).stages[0];
      expect(dev).toMatchObject({ loadBalancer: value, sharedWebAcl: true });
    }
  });

  test('-c stages=dev selects one stage', () => {
    const app = new App({ context: { baseline: exampleBaselineConfig(), stages: 'dev' } });
    expect(loadConfig(app).stages.map((s) => s.name)).toEqual(['dev']);
  });

  test('fails if the stage selected with -c stages is not configured', () => {
    const app = new App({ context: { baseline: exampleBaselineConfig(), stages: 'qa' } });
    expect(() => loadConfig(app)).toThrow(/stages = "qa": is not a configured stage \(configured: dev, prod\)/);
  });

  test('fails if the configuration is missing, naming the key and the fix', () => {
    expect(() => parseConfig(undefined)).toThrow(ConfigError);
    expect(() => parseConfig(undefined)).toThrow(/baseline = \(missing\): is missing\. Fix: add the object "baseline"/);
  });

  test('fails synth on an invalid domain name, naming the key, the value and the fix', () => {
    // GIVEN
    const baseline = exampleBaselineConfig();
    baseline.domainName = 'not a domain';
    // THEN
    expect(() => buildTestApp({ baseline })).toThrow(
      /baseline\.domainName = "not a domain": is not a lowercase DNS name\. Fix: set it to a lowercase DNS name, for example "example\.com"/,
    );
  });

  test.each([
    ['hostedZone.id', (c: Record<string, any>) => { c.hostedZone.id = 'zone-1'; }, /baseline\.hostedZone\.id = "zone-1": is not a Route 53 hosted zone id/],
    ['domain outside zone', (c: Record<string, any>) => { c.domainName = 'example.org'; }, /baseline\.domainName = "example\.org": is not inside the hosted zone example\.com/],
    ['account', (c: Record<string, any>) => { c.stages.dev.account = '1234'; }, /baseline\.stages\.dev\.account = "1234": is not a 12-digit AWS account id/],
    ['region', (c: Record<string, any>) => { c.stages.dev.region = 'moon-1'; }, /baseline\.stages\.dev\.region = "moon-1": is not an AWS region name/],
    ['zones outside region', (c: Record<string, any>) => { c.stages.dev.availabilityZones = ['us-east-1a', 'us-east-1b']; }, /names a zone outside region eu-west-1/],
    ['one zone', (c: Record<string, any>) => { c.stages.dev.availabilityZones = ['eu-west-1a']; }, /must name at least 2 zones/],
    ['nat count', (c: Record<string, any>) => { c.stages.dev.natGateways = 5; }, /natGateways = 5: must be a whole number from 0 to 2/],
    ['retention', (c: Record<string, any>) => { c.stages.dev.logRetentionDays = 10; }, /logRetentionDays = 10: must be one of 365, 400/],
    ['removal policy', (c: Record<string, any>) => { c.stages.prod.removalPolicy = 'keep'; }, /removalPolicy = "keep": must be one of "destroy", "retain", "snapshot"/],
    ['backup retention', (c: Record<string, any>) => { c.stages.prod.backupRetentionDays = 1; }, /backupRetentionDays = 1: must be a whole number from 7 to 35/],
    ['symmetric algorithm', (c: Record<string, any>) => { c.identity.algorithms = ['HS256']; }, /identity\.algorithms = \["HS256"\]: must be a non-empty list of asymmetric JWS algorithms/],
    ['token age', (c: Record<string, any>) => { c.identity.maxTokenAgeSeconds = 86400; }, /maxTokenAgeSeconds = 86400: must be a whole number from 60 to 3600/],
    ['http issuer', (c: Record<string, any>) => { c.identity = { provider: 'oidc', issuer: 'http://idp.example.com', audience: ['api'], jwksUri: 'https://idp.example.com/jwks' }; }, /identity\.issuer = "http:\/\/idp\.example\.com": must use https/],
    ['shared subdomain', (c: Record<string, any>) => { c.stages.prod.subdomain = 'dev'; }, /two stages share a subdomain/],
    ['shared web ACL flag', (c: Record<string, any>) => { c.stages.dev.sharedWebAcl = 'yes'; }, /sharedWebAcl = "yes"/],
    ['endpoint zone count', (c: Record<string, any>) => { c.stages.dev.endpointAzs = 3; }, /endpointAzs = 3: must be a whole number from 1 to 2/],
    ['no endpoint zone', (c: Record<string, any>) => { c.stages.prod.endpointAzs = 0; }, /endpointAzs = 0: must be a whole number from 1 to 3/],
    ['load balancer flag', (c: Record<string, any>) => { c.stages.dev.loadBalancer = 'no'; }, /baseline\.stages\.dev\.loadBalancer = "no": must be true or false\. Fix: set it to true or false/],
    ['load balancer flag (a number)', (c: Record<string, any>) => { c.stages.prod.loadBalancer = 0; }, /baseline\.stages\.prod\.loadBalancer = 0: must be true or false/],
  ])('fails on a wrong %s', (_name, mutate, message) => {
    const baseline = exampleBaselineConfig();
    mutate(baseline);
    expect(() => parseConfig(baseline)).toThrow(message);
  });

  test('reports every problem at once', () => {
    const baseline = exampleBaselineConfig();
    baseline.projectName = 'X';
    baseline.stages.dev.region = 'nowhere';
    try {
      parseConfig(baseline);
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.length).toBeGreaterThanOrEqual(2);
    }
  });

  test('an external OIDC issuer is accepted', () => {
    const baseline = exampleBaselineConfig();
    baseline.identity = { provider: 'oidc', issuer: 'https://idp.example.com/', audience: ['notes-api'], jwksUri: 'https://idp.example.com/jwks.json', maxTokenAgeSeconds: 600, algorithms: ['RS256', 'ES256'] };
    // typ at+jwt is required unless the configuration turns it off; scopes carry no prefix unless configured
    expect(parseConfig(baseline).identity).toMatchObject({ provider: 'oidc', audience: ['notes-api'], requireAccessTokenType: true, scopePrefix: '' });
  });

  const oidc = (extra: Record<string, unknown>) => ({
    provider: 'oidc', issuer: 'https://idp.example.com/', audience: ['https://api.example.com'], jwksUri: 'https://idp.example.com/jwks.json',
    tokenEndpoint: 'https://idp.example.com/token', revocationEndpoint: 'https://idp.example.com/revoke', clientId: 'notes-spa', ...extra,
  });

  test('OIDC with session endpoints: the client id is its own key, the audience the API identifier', () => {
    const baseline = exampleBaselineConfig();
    baseline.identity = oidc({ requireAccessTokenType: false, scopePrefix: 'https://api.example.com/' });
    expect(parseConfig(baseline).identity).toMatchObject({ clientId: 'notes-spa', audience: ['https://api.example.com'], requireAccessTokenType: false, scopePrefix: 'https://api.example.com/' });
  });

  test.each([
    ['the audience contains the client id (ID tokens would pass)', { audience: ['https://api.example.com', 'notes-spa'] }, /identity\.audience = .*contains the OAuth client id "notes-spa", which is the aud of ID tokens.*Fix: set it to the API's own identifier/],
    ['a token endpoint without a client id', { clientId: undefined }, /identity\.clientId = \(missing\): is missing\. Fix: set it to the OAuth client id of the app/],
    ['requireAccessTokenType is not a boolean', { requireAccessTokenType: 'no' }, /identity\.requireAccessTokenType = "no": must be true or false/],
    ['scopePrefix has a space', { scopePrefix: 'https://api example/' }, /identity\.scopePrefix/],
  ])('fails if OIDC has %s', (_name, extra, message) => {
    const baseline = exampleBaselineConfig();
    baseline.identity = oidc(extra);
    expect(() => parseConfig(baseline)).toThrow(message);
  });
});
