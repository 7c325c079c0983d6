import { CfnResource } from 'aws-cdk-lib';
import { shown } from '../cfn';
import { SecurityBaselineArea, SecurityBaselineControl } from '../types';

export const USER_POOL = 'AWS::Cognito::UserPool';

/** Every user signs in with a second factor. */
export const cognitoMfa: SecurityBaselineControl = {
  id: 'COGNITO1',
  areas: [SecurityBaselineArea.IDENTITY],
  title: 'User pools require MFA',
  reports: '`MfaConfiguration = <value>`: MFA is not required',
  resourceTypes: [USER_POOL],
  evaluate(_resource: CfnResource, { properties }) {
    if (properties.MfaConfiguration === 'ON') return [];
    return [{
      setting: 'MfaConfiguration',
      found: properties.MfaConfiguration === undefined ? 'not set (OFF)' : shown(properties.MfaConfiguration),
      fix: 'set mfa: Mfa.REQUIRED with TOTP (turning it on for an existing pool needs every user to enroll)',
    }];
  },
};

/** Passwords are long enough to resist guessing (14 characters by default). */
export const cognitoPasswordLength: SecurityBaselineControl = {
  id: 'COGNITO2',
  areas: [SecurityBaselineArea.IDENTITY],
  title: 'User pools require passwords of at least the threshold length (14 characters)',
  reports: '`Policies.PasswordPolicy.MinimumLength = <length>`: below the threshold',
  resourceTypes: [USER_POOL],
  evaluate(_resource: CfnResource, { properties, thresholds }) {
    const length = properties.Policies?.PasswordPolicy?.MinimumLength;
    if (length !== undefined && Number(length) >= thresholds.minimumPasswordLength) return [];
    return [{
      setting: 'Policies.PasswordPolicy.MinimumLength',
      found: length === undefined ? 'not set (8)' : shown(length),
      fix: `set passwordPolicy.minLength to at least ${thresholds.minimumPasswordLength}`,
    }];
  },
};

/** Compromised credentials and risky sign-ins are blocked, not only logged. */
export const cognitoThreatProtection: SecurityBaselineControl = {
  id: 'COGNITO3',
  areas: [SecurityBaselineArea.IDENTITY],
  title: 'User pools enforce threat protection (compromised credentials, adaptive authentication)',
  reports: '`UserPoolAddOns.AdvancedSecurityMode = <mode>`: not ENFORCED',
  resourceTypes: [USER_POOL],
  evaluate(_resource: CfnResource, { properties }) {
    const mode = properties.UserPoolAddOns?.AdvancedSecurityMode;
    if (mode === 'ENFORCED') return [];
    return [{
      setting: 'UserPoolAddOns.AdvancedSecurityMode',
      found: mode === undefined ? 'not set (OFF)' : shown(mode),
      fix: 'set featurePlan: FeaturePlan.PLUS and standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION',
    }];
  },
};
