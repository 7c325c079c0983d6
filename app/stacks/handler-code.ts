import { existsSync } from 'fs';
import { join } from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The reference app's own handlers: the sample notes API (behind API Gateway and the ALB) and the session endpoints. */
export type ReferenceHandler = 'api' | 'api-alb' | 'session';

/** Where the build puts the handler bundles: `dist/handlers/<name>/index.js` at the repository root. */
const HANDLERS_DIR = join(__dirname, '..', '..', 'dist', 'handlers');

/**
 * Code of one of the reference app's handlers. They are not part of the library (the package ships only the
 * handlers its constructs deploy); the repository's build bundles them beside the library's, and synth only reads
 * the bundle: the app's command (cdk.json `app`) and the tests build missing or stale bundles first
 * (`scripts/build-handlers.ts --if-stale`), so synthesizing writes nothing but the cloud assembly.
 */
export function referenceHandlerCode(name: ReferenceHandler): lambda.Code {
  const dir = join(HANDLERS_DIR, name);
  if (!existsSync(join(dir, 'index.js'))) {
    throw new Error(`The reference app's handler bundle ${join(dir, 'index.js')} is missing. `
      + 'Fix: build it with `npx tsx scripts/build-handlers.ts --if-stale` (or `npm run build`); `npx cdk synth` runs that step first.');
  }
  return lambda.Code.fromAsset(dir);
}
