import { createHash } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import { dirname, extname, join } from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** The handler bundles the package ships (`dist/handlers/<name>/index.js`, built by `npm run build`). */
export type HandlerBundleName = 'authorizer' | 'api' | 'api-alb' | 'session' | 'db-bootstrap';

/** Name in package.json of the package that ships the bundles. */
const PACKAGE_NAME = 'aws-security-baseline';

/** The package root: the nearest folder above this file whose package.json is this package's. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_NAME}: cannot find the package root (package.json named ${PACKAGE_NAME}) above ${__dirname}.`);
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

/** The part of scripts/handlers.ts used to bundle on demand (loaded at run time, never part of the package). */
interface HandlerBundler {
  ensureHandlerBundleSync(name: HandlerBundleName, outdir: string): string;
  readonly HANDLERS: Record<HandlerBundleName, string>;
}

const checked = new Map<HandlerBundleName, HandlerBundle>();

/**
 * Finds the pre-built bundle of a handler.
 *
 * From the published package (compiled JavaScript): `<package>/dist/handlers/<name>`, built once by
 * `npm run build` before packing; the consumer needs no esbuild and no TypeScript sources.
 *
 * From this repository's TypeScript sources (the reference app under `tsx`, the tests under jest): the
 * same folder, bundled on demand with scripts/handlers.ts when it is missing or older than any file it
 * is built from (lambda/, the lockfile, the bundler options), so a stale bundle is never deployed.
 * Each handler is checked once per process.
 */
export function handlerBundle(name: HandlerBundleName): HandlerBundle {
  const known = checked.get(name);
  if (known !== undefined) return known;
  const root = packageRoot();
  const outdir = join(root, 'dist', 'handlers');
  const dir = join(outdir, name);
  const file = join(dir, 'index.js');
  const fromSources = extname(__filename) === '.ts';
  if (fromSources && existsSync(join(root, 'lambda'))) {
    // esbuild is a development dependency: loaded here only, when running from this repository's sources.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a run-time path outside the package, never bundled or emitted
    const bundler = require(join(root, 'scripts', 'handlers')) as HandlerBundler;
    if (!(name in bundler.HANDLERS)) throw new Error(`${PACKAGE_NAME}: no handler named '${name}' in scripts/handlers.ts.`);
    bundler.ensureHandlerBundleSync(name, outdir);
  }
  if (!existsSync(file)) {
    throw new Error(`${PACKAGE_NAME}: the handler bundle ${file} is missing. ` +
      'Fix: reinstall the package (its tarball ships dist/handlers), or in a clone of the repository run `npm run build`.');
  }
  const bundle = { dir, sha256: createHash('sha256').update(readFileSync(file)).digest('hex') };
  checked.set(name, bundle);
  return bundle;
}

/** `lambda.Code` for a pre-built handler bundle (its handler is `index.handler`). */
export function handlerCode(name: HandlerBundleName): lambda.Code {
  return lambda.Code.fromAsset(handlerBundle(name).dir);
}
