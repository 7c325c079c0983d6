/**
 * Helpers of the package tests: build and pack the library the way `npm publish` does, and install the tarball
 * into a fresh app outside the repository from the npm cache only (no network).
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { sharedStage } from '../../scripts/staged-build';

/** Root of the repository. */
export const ROOT = join(__dirname, '..', '..');
/** The repository's TypeScript compiler (the consumer app does not install one). */
export const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

const NPM_ENV = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_loglevel: 'error' };

/** A packed tarball. */
export interface PackedLibrary {
  readonly tarball: string;
  /** The staged build it was packed from (read-only: shared with the other package tests). */
  readonly stage: string;
  readonly name: string;
  readonly version: string;
  /** Size of the .tgz in bytes. */
  readonly size: number;
  /** Number of files in the tarball. */
  readonly fileCount: number;
  readonly files: string[];
}

/**
 * Packs the package with `npm pack` into `workDir` from the tests' shared staged build of the current sources
 * (scripts/staged-build.ts: built once by scripts/build.ts `buildPackage`, the code `npm run build` runs, in a staging
 * folder, never the repository's own dist/, which other test workers may be reading). The stage is only read.
 */
export async function packLibrary(workDir: string): Promise<PackedLibrary> {
  const stage = await sharedStage();
  // The build ran already; `--ignore-scripts` keeps prepack from building a second time.
  const out = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', workDir], { cwd: stage, env: NPM_ENV, encoding: 'utf8' });
  const [info] = JSON.parse(out) as { filename: string; name: string; version: string; size: number; entryCount: number; files: { path: string }[] }[];
  const tarball = join(workDir, info.filename);
  return {
    tarball, stage, name: info.name, version: info.version, size: statSync(tarball).size, fileCount: info.entryCount, files: info.files.map((f) => f.path).sort(),
  };
}

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  inBundle?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

/**
 * A package-lock.json for the consumer app, copied from the repository's own lockfile entries (same versions,
 * resolved URLs and integrity hashes), so `npm ci --offline` installs from the npm cache that the repository's
 * install filled, without the registry metadata a fresh resolution would need.
 */
export function consumerLockfile(appName: string, dependencies: Record<string, string>, lib: PackedLibrary, tarballSpec: string): unknown {
  const repoLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const libManifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as LockEntry & { license?: string; engines?: Record<string, string> };
  const source: Record<string, LockEntry> = {
    ...repoLock.packages,
    [`node_modules/${lib.name}`]: {
      version: lib.version,
      resolved: tarballSpec,
      integrity: `sha512-${execFileSync('openssl', ['dgst', '-sha512', '-binary', lib.tarball]).toString('base64')}`,
      license: libManifest.license,
      dependencies: libManifest.dependencies,
      peerDependencies: libManifest.peerDependencies,
      peerDependenciesMeta: libManifest.peerDependenciesMeta,
      engines: libManifest.engines,
      // npm ci links a package's commands from the lockfile's `bin`, as `npm install` writes it
      bin: libManifest.bin,
    },
  };
  const packages: Record<string, LockEntry> = { '': { name: appName, version: '1.0.0', dependencies } };
  const visit = (from: string, name: string, optional: boolean): void => {
    // Node's lookup: the nearest node_modules/<name> from the requiring package up to the root.
    let base = from;
    for (;;) {
      const path = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
      if (source[path] !== undefined) return include(path);
      if (base === '') break;
      const cut = base.lastIndexOf('/node_modules/');
      base = cut < 0 ? '' : base.slice(0, cut);
    }
    if (!optional) throw new Error(`consumer lockfile: ${name} (needed by ${from || 'the app'}) is not in the repository's package-lock.json`);
  };
  const include = (path: string): void => {
    if (packages[path] !== undefined) return;
    const entry = { ...source[path] };
    for (const flag of ['dev', 'devOptional', 'peer', 'extraneous']) delete entry[flag];
    packages[path] = entry;
    for (const [child, childEntry] of Object.entries(source)) {
      if (child.startsWith(`${path}/node_modules/`) && childEntry.inBundle === true) include(child);
    }
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false);
    for (const dep of Object.keys(entry.optionalDependencies ?? {})) visit(path, dep, true);
    for (const dep of Object.keys(entry.peerDependencies ?? {})) visit(path, dep, entry.peerDependenciesMeta?.[dep]?.optional === true);
  };
  for (const dep of Object.keys(dependencies)) visit('', dep, false);
  return { name: appName, version: '1.0.0', lockfileVersion: 3, requires: true, packages };
}

/** The installed version of a package in the repository (the consumer pins the same, so the npm cache has it). */
export function repoVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Creates `appDir` with a package.json that depends only on `dependencies` plus the tarball, and installs it
 * offline (`npm ci --offline --ignore-scripts`).
 */
export function installConsumer(appDir: string, lib: PackedLibrary, dependencies: Record<string, string>): void {
  mkdirSync(appDir, { recursive: true });
  const tarballSpec = `file:${lib.tarball}`;
  const deps = { ...dependencies, [lib.name]: tarballSpec };
  writeFileSync(join(appDir, 'package.json'), `${JSON.stringify({ name: 'consumer-app', version: '1.0.0', private: true, dependencies: deps }, null, 2)}\n`);
  writeFileSync(join(appDir, 'package-lock.json'), `${JSON.stringify(consumerLockfile('consumer-app', deps, lib, tarballSpec), null, 2)}\n`);
  execFileSync('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: appDir, env: NPM_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every installed copy of a package under `node_modules` (nested copies included), as folder paths. */
export function installedCopies(nodeModules: string, name: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      if (entry.name.startsWith('@')) {
        for (const scoped of readdirSync(join(dir, entry.name), { withFileTypes: true })) {
          if (scoped.isDirectory()) check(join(dir, entry.name, scoped.name), `${entry.name}/${scoped.name}`);
        }
      } else {
        check(join(dir, entry.name), entry.name);
      }
    }
  };
  const check = (pkgDir: string, pkgName: string): void => {
    if (pkgName === name) found.push(pkgDir);
    walk(join(pkgDir, 'node_modules'));
  };
  walk(nodeModules);
  return found;
}
