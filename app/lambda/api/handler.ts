/**
 * API Gateway (REST, Lambda proxy integration) entry of the notes API. A thin
 * adapter: identity was established by the JWT authorizer and arrives in
 * `requestContext.authorizer`; everything else happens in app.ts.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { errorResponse } from '../../../lambda/shared/http';
import { logger } from '../../../lambda/shared/observability';
import { getApp, observe } from './runtime';

export async function handler(event: APIGatewayProxyEvent, context?: Context): Promise<APIGatewayProxyResult> {
  return observe(context, `${event.httpMethod} ${event.resource}`, async () => {
    try {
      return await (await getApp())(event);
    } catch (err) {
      // Only configuration errors reach here (the app never throws).
      logger.error('handler misconfigured', { name: (err as Error)?.name, message: (err as Error)?.message });
      return errorResponse(err, { requestId: context?.awsRequestId });
    }
  });
}
