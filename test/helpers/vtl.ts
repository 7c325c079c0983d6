import type { Template } from 'aws-cdk-lib/assertions';
import { render } from 'velocityjs';

/**
 * Renders API Gateway mapping templates and gateway-response templates with a real Velocity engine (npm velocityjs),
 * so tests can prove that every body is valid JSON whatever the request put into the variables.
 */

/** Values an attacker can get into `$context` variables: quotes, backslashes, line breaks, markup, JSON and VTL syntax. */
export const HOSTILE_VALUES: readonly string[] = [
  '"', '\\', '\\"', '\n', '\r\n\t', '</script><script>alert(1)</script>', "'", '"},"admin":true,"x":{"',
  '\u2028\u2029', '\u0000\u001f', '${x} #set($a = 1) $context.error.message', 'é 😀',
  // A validation message as API Gateway writes it, echoing the offending value.
  '[ECMA 262 regex "^[a-z]+$" does not match input string "x\\"}, {\\"y"]',
];

/**
 * The variables API Gateway offers, each string set to `value`. `$context.error.messageString` is, as documented,
 * "the quoted value of `$context.error.message`": a JSON string literal, modelled here as `JSON.stringify(value)`.
 * Every other variable is the raw value, unescaped.
 */
export function apiGatewayVariables(value: string): Record<string, unknown> {
  return {
    context: {
      error: { message: value, messageString: JSON.stringify(value), validationErrorString: value, responseType: 'BAD_REQUEST_BODY' },
      requestId: value, extendedRequestId: value, path: value, resourcePath: value, httpMethod: value, stage: value, domainName: value,
      identity: { sourceIp: value, userAgent: value },
      authorizer: { principalId: value, error: value },
    },
    stageVariables: {},
    input: { body: value, json: () => JSON.stringify(value), params: () => value, path: () => value },
  };
}

/** A template, rendered. */
export function renderTemplate(template: string, value: string): string {
  return render(template, apiGatewayVariables(value));
}

/** Every mapping template of a synthesized stack: gateway responses, integration request and response templates. */
export function mappingTemplates(template: Template): Array<{ where: string; contentType: string; template: string }> {
  const out: Array<{ where: string; contentType: string; template: string }> = [];
  const add = (where: string, templates: Record<string, unknown> | undefined) => {
    for (const [contentType, text] of Object.entries(templates ?? {})) {
      if (typeof text !== 'string') throw new Error(`${where}: template for ${contentType} is not a plain string (${JSON.stringify(text)})`);
      out.push({ where, contentType, template: text });
    }
  };
  for (const [id, r] of Object.entries(template.findResources('AWS::ApiGateway::GatewayResponse'))) {
    add(`${id} (${r.Properties.ResponseType})`, r.Properties.ResponseTemplates);
  }
  for (const [id, m] of Object.entries(template.findResources('AWS::ApiGateway::Method'))) {
    const integration = m.Properties.Integration ?? {};
    add(`${id} request`, integration.RequestTemplates);
    for (const response of integration.IntegrationResponses ?? []) add(`${id} response ${response.StatusCode}`, response.ResponseTemplates);
  }
  return out;
}

/** Variable references a rendered template left unresolved (a variable the model above does not know). */
export function unresolvedReferences(rendered: string): string[] {
  return rendered.match(/\$!?\{?(context|input|util|stageVariables)\b[\w.()]*/g) ?? [];
}
