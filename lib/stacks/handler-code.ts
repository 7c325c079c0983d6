import * as lambda from 'aws-cdk-lib/aws-lambda';
import { ensureHandlerBundleSync } from '../../scripts/handlers';

/** The reference app's own handlers: the sample notes API (behind API Gateway and the ALB) and the session endpoints. */
export type ReferenceHandler = 'api' | 'api-alb' | 'session';

/**
 * Code of one of the reference app's handlers. They are not part of the library (the package ships only the
 * handlers its constructs deploy), so the app bundles them itself with the repository's build module
 * (scripts/handlers.ts, the options `npm run build` uses): on demand at synth when the bundle is missing or
 * older than its sources.
 */
export function referenceHandlerCode(name: ReferenceHandler): lambda.Code {
  return lambda.Code.fromAsset(ensureHandlerBundleSync(name));
}
