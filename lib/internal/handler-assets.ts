import { createHash } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import { dirname, join } from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BaselineError, BaselineErrorCode } from './errors';

/** The handler bundles the package ships (`dist/handlers/<name>/index.js`, built by `npm run build`) for its constructs. */
export type HandlerBundleName = 'authorizer' | 'db-bootstrap';

/** Name in package.json of the package that ships the bundles. */
const PACKAGE_NAME = 'aws-security-baseline';

/** The package root: the nearest folder above this file whose package.json is this package's. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new BaselineError(BaselineErrorCode.MISSING_HANDLER_BUNDLE, `${PACKAGE_NAME}: cannot find the package root (package.json named ${PACKAGE_NAME}) above ${__dirname}.`);
    dir = parent;
  }
}

/** The bundle folder of a handler and the SHA-256 of its bundle. */
export interface HandlerBundle {
  /** Folder holding `index.js` (the Lambda asset). */
  readonly dir: string;
  /** SHA-256 of `index.js`, hex: changes whenever the deployed code changes. */
  readonly sha256: string;
}

const found = new Map<HandlerBundleName, HandlerBundle>();

/**
 * Finds the pre-built bundle of a handler: `<package>/dist/handlers/<name>`, built by `npm run build` before packing
 * (the published package ships it) or by the build step of a source checkout. Synth only reads it: nothing here
 * bundles, writes a file or checks whether the bundle is older than its sources (the build step does that), so a
 * synthesis writes nothing but its cloud assembly. A missing bundle fails with what is missing and the command that
 * builds it. Each handler is read once per process.
 */
export function handlerBundle(name: HandlerBundleName): HandlerBundle {
  const known = found.get(name);
  if (known !== undefined) return known;
  const root = packageRoot();
  const dir = join(root, 'dist', 'handlers', name);
  const file = join(dir, 'index.js');
  if (!existsSync(file)) {
    const sourceCheckout = existsSync(join(root, 'lambda'));
    throw new BaselineError(BaselineErrorCode.MISSING_HANDLER_BUNDLE, `${PACKAGE_NAME}: the handler bundle ${file} is missing (the Lambda code of the '${name}' handler). Fix: `
      + (sourceCheckout
        ? 'build the bundles with `npm run build` (or only the handlers: `npx tsx scripts/build-handlers.ts --if-stale`).'
        : 'reinstall the package (its tarball ships dist/handlers).'));
  }
  const bundle = { dir, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
  found.set(name, bundle);
  return bundle;
}

/** `lambda.Code` for a pre-built handler bundle (its handler is `index.handler`). */
export function handlerCode(name: HandlerBundleName): lambda.Code {
  return lambda.Code.fromAsset(handlerBundle(name).dir);
}
