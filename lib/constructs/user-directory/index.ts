// The user directory: a Cognito user pool with required MFA, threat protection, a PKCE app client, groups as roles
// and a resource server. One concept per file: the construct (user-directory.ts), its props (props.ts), the secure
// defaults (defaults.ts) and the prop checks (validation.ts).
export { COGNITO_ROLES_CLAIM, USER_DIRECTORY_DEFAULTS } from './defaults';
export type { ResourceServerOptions, ResourceServerScopeOptions, UserDirectoryPasswordPolicy, UserDirectoryProps } from './props';
export { UserDirectory } from './user-directory';
