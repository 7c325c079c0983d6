/**
 * The secure defaults of {@link UserDirectory}, in one place so a reader sees them at once, and the claim its
 * tokens carry roles in.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { DEFAULT_ROLES_CLAIM } from '../../contracts/jwt-config';
import type { ResourceServerOptions } from './props';

/** Secure defaults of {@link UserDirectory}, in one place so a reader sees them at once. */
export const USER_DIRECTORY_DEFAULTS = Object.freeze({
  selfSignUpEnabled: false,
  smsMfa: false,
  passwordMinLength: 14,
  tempPasswordValidity: Duration.days(3),
  passwordHistorySize: 24,
  threatProtection: true,
  accessTokenValidity: Duration.minutes(15),
  idTokenValidity: Duration.minutes(15),
  refreshTokenValidity: Duration.hours(12),
  refreshTokenRotationGracePeriod: Duration.seconds(10),
  groups: Object.freeze(['admin', 'user']) as readonly string[],
  resourceServer: Object.freeze({
    identifier: 'api',
    scopes: [
      { name: 'read', description: 'Read the caller\'s own resources' },
      { name: 'write', description: 'Create, change and delete the caller\'s own resources' },
    ],
  }) as ResourceServerOptions,
  removalPolicy: RemovalPolicy.RETAIN,
  deletionProtection: true,
});

/** The claim that carries a user's groups (roles) in Cognito tokens: the claim the JWT verifier reads roles from by default. */
export const COGNITO_ROLES_CLAIM = DEFAULT_ROLES_CLAIM;
