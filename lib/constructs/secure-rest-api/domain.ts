import { Token } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as route53 from 'aws-cdk-lib/aws-route53';
import type { IConstruct } from 'constructs';
import { invalidProp } from '../../internal/errors';
import { warn } from '../../internal/warnings';
import { REGIONAL_TLS12_POLICIES, SECURE_REST_API_DEFAULTS, TLS13_ONLY_POLICIES } from './defaults';

/**
 * The custom domain of a {@link SecureRestApi}, its only entry point (the execute-api endpoint is disabled): the options,
 * and the checks of the name, the base path and the TLS policy the construct runs before it creates anything.
 */

/** The custom domain of a {@link SecureRestApi}. */
export interface SecureRestApiDomainOptions {
  /** Fully qualified lower-case domain name, for example `api.dev.example.com`. */
  readonly domainName: string;
  /** Hosted zone that holds the alias record (and the certificate's validation records). */
  readonly hostedZone: route53.IHostedZone;
  /**
   * Certificate for the domain (in the API's region).
   * @default - a new ACM certificate validated through DNS records in `hostedZone`
   */
  readonly certificate?: acm.ICertificate;
  /**
   * Base path the API is mapped under.
   * @default - the domain root
   */
  readonly basePath?: string;
}

/** The TLS props of the custom domain, as {@link SecureRestApiProps} declares them. */
export interface DomainTlsOptions {
  /** @default apigateway.SecurityPolicy.TLS13_1_3_2025_09 (TLS 1.3 only) */
  readonly securityPolicy?: apigateway.SecurityPolicy;
  /** @default false */
  readonly allowTls12?: boolean;
  /** @default apigateway.EndpointAccessMode.STRICT for enhanced policies, none for legacy ones */
  readonly endpointAccessMode?: apigateway.EndpointAccessMode;
}

/** The TLS settings of the custom domain, once checked. */
export interface DomainTls {
  readonly securityPolicy: apigateway.SecurityPolicy;
  /** Set for enhanced (`SecurityPolicy_*`) policies only. */
  readonly endpointAccessMode?: apigateway.EndpointAccessMode;
}

const DOMAIN_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const BASE_PATH = /^[A-Za-z0-9._-]+$/;

/** Checks that the domain is given, is a lower-case DNS name inside its hosted zone, and has a one-segment base path. */
export function checkDomainOptions(scope: IConstruct, domain: SecureRestApiDomainOptions): void {
  if (domain === undefined) invalidProp(scope, 'domain', domain, 'Fix: give the custom domain; the execute-api endpoint is disabled.');
  const name = domain.domainName;
  if (!Token.isUnresolved(name)) {
    if (!DOMAIN_NAME.test(name)) {
      invalidProp(scope, 'domain.domainName', name, 'Fix: use a fully qualified lower-case DNS name, for example "api.example.com".');
    }
    const zoneName = domain.hostedZone.zoneName;
    if (!Token.isUnresolved(zoneName)) {
      const zone = zoneName.replace(/\.$/, '').toLowerCase();
      if (name !== zone && !name.endsWith(`.${zone}`)) {
        invalidProp(scope, 'domain.domainName', name, `Fix: use a name inside the hosted zone ${zone}.`);
      }
    }
  }
  if (domain.basePath !== undefined && !Token.isUnresolved(domain.basePath) && !BASE_PATH.test(domain.basePath)) {
    invalidProp(scope, 'domain.basePath', domain.basePath, 'Fix: use one path segment of letters, digits, ".", "_" or "-" (no slashes), or leave it unset.');
  }
}

/**
 * The TLS policy (TLS 1.3 only unless `allowTls12`, which adds a synth warning) and, for an enhanced policy, the
 * endpoint access mode (STRICT unless set; BASIC adds a synth warning). Throws on TLS 1.0 and edge policies, on a
 * TLS 1.2 policy without the opt-in, and on an access mode with a legacy policy.
 */
export function domainTls(scope: IConstruct, options: DomainTlsOptions): DomainTls {
  const securityPolicy = options.securityPolicy ?? SECURE_REST_API_DEFAULTS.securityPolicy;
  const enhanced = securityPolicy.startsWith('SecurityPolicy_');
  if (!TLS13_ONLY_POLICIES.has(securityPolicy)) {
    if (!REGIONAL_TLS12_POLICIES.has(securityPolicy)) {
      invalidProp(scope, 'securityPolicy', securityPolicy,
        'Fix: use SecurityPolicy.TLS13_1_3_2025_09 (TLS 1.3 only) or, with allowTls12: true, a regional TLS 1.2 policy ' +
        '(TLS13_1_2_PFS_PQ_2025_09, TLS13_1_2_PQ_2025_09, TLS_1_2). TLS 1.0 and edge policies are not accepted.');
    }
    if (!options.allowTls12) {
      invalidProp(scope, 'securityPolicy', securityPolicy,
        'Fix: this policy accepts TLS 1.2; keep the default SecurityPolicy.TLS13_1_3_2025_09, or opt in explicitly with allowTls12: true.');
    }
    warn(scope, 'secure-rest-api:tls12',
      `The custom domain accepts TLS 1.2 (${securityPolicy}, allowTls12: true). Remove the opt-in once clients support TLS 1.3.`);
  }
  if (!enhanced) {
    if (options.endpointAccessMode !== undefined) {
      invalidProp(scope, 'endpointAccessMode', options.endpointAccessMode,
        `Fix: ${securityPolicy} is not an enhanced (SecurityPolicy_*) policy; remove endpointAccessMode.`);
    }
    return { securityPolicy };
  }
  const endpointAccessMode = options.endpointAccessMode ?? SECURE_REST_API_DEFAULTS.endpointAccessMode;
  if (endpointAccessMode !== apigateway.EndpointAccessMode.STRICT) {
    warn(scope, 'secure-rest-api:basic-access-mode',
      'endpointAccessMode is BASIC: the domain does not require the SNI host and endpoint type to match. Use STRICT once migration is done.');
  }
  return { securityPolicy, endpointAccessMode };
}
