/**
 * Bundles every Lambda handler the constructs deploy into `dist/handlers/<name>/index.js` (part of `npm run build`),
 * and writes beside them:
 * - `manifest.json`: per handler the bundle's path, size and SHA-256 (no timestamps, so two builds are byte-identical);
 * - `THIRD-PARTY-NOTICES.md`: every package bundled into a shipped handler, with its version, license and license text.
 *
 * `npx tsx scripts/build-handlers.ts [outdir]` (default `dist/handlers`).
 *
 * `npx tsx scripts/build-handlers.ts --if-stale` bundles into `dist/handlers` only the handlers whose bundle is missing
 * or older than a file it is built from, and prints nothing when every bundle is current. It is the build step of a
 * source checkout: the reference app's command (cdk.json `app`) and the tests' global setup run it before anything
 * synthesizes, because synth itself only reads the bundles (lib/internal/handler-assets.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BundledHandler, bundleHandler, HANDLER_NAMES, HANDLERS, HANDLERS_OUTDIR, isStale, PACKAGED_HANDLERS, ROOT } from './handlers';

/** Manifest of the handler bundles (dist/handlers/manifest.json). */
export interface HandlerManifest {
  readonly handlers: Record<string, {
    readonly entry: string; readonly file: string; readonly bytes: number; readonly sha256: string;
    /** Shipped in the npm package (the library's constructs deploy it); otherwise used by the reference app only. */
    readonly packaged: boolean;
  }>;
}

/**
 * Bundles the handlers whose bundle in `outdir` is missing or stale (see {@link isStale}), in parallel; returns them.
 * Leaves current bundles, the manifest and the notices alone (`npm run build` writes those).
 */
export async function buildStaleHandlers(outdir: string = HANDLERS_OUTDIR): Promise<BundledHandler[]> {
  const stale = HANDLER_NAMES.filter((name) => isStale(name, outdir));
  return Promise.all(stale.map((name) => bundleHandler(name, outdir)));
}

/** Bundles every handler into `outdir` (emptied first) and writes the manifest and the third-party notices. */
export async function buildHandlers(outdir: string): Promise<BundledHandler[]> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const bundles = await Promise.all(HANDLER_NAMES.map((name) => bundleHandler(name, outdir)));
  const manifest: HandlerManifest = {
    handlers: Object.fromEntries(bundles.map((b) => [b.name, {
      entry: HANDLERS[b.name], file: `${b.name}/index.js`, bytes: b.bytes, sha256: b.sha256, packaged: PACKAGED_HANDLERS.includes(b.name),
    }])),
  };
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(join(outdir, 'THIRD-PARTY-NOTICES.md'), thirdPartyNotices(bundles.filter((b) => PACKAGED_HANDLERS.includes(b.name))));
  return bundles;
}

interface BundledPackage { readonly name: string; readonly version: string; readonly license: string; readonly licenseText?: string; readonly handlers: Set<string> }

/** The package folder (`node_modules/<name>` or `node_modules/@scope/<name>`, innermost) of a bundled input, if it is one. */
function packageDir(input: string): string | undefined {
  const parts = input.split('/');
  const i = parts.lastIndexOf('node_modules');
  if (i < 0 || i + 1 >= parts.length) return undefined;
  const len = parts[i + 1].startsWith('@') ? 2 : 1;
  return parts.slice(0, i + 1 + len).join('/');
}

function thirdPartyNotices(bundles: BundledHandler[]): string {
  const packages = new Map<string, BundledPackage>();
  for (const bundle of bundles) {
    for (const input of bundle.inputs) {
      const dir = packageDir(input);
      if (dir === undefined) continue;
      const pkgFile = join(ROOT, dir, 'package.json');
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { name: string; version: string; license?: string };
      const key = `${pkg.name}@${pkg.version}`;
      let entry = packages.get(key);
      if (entry === undefined) {
        const licenseFile = readdirSync(join(ROOT, dir)).sort().find((f) => /^(licen[sc]e|copying)(\.(md|txt))?$/i.test(f));
        entry = {
          name: pkg.name, version: pkg.version, license: pkg.license ?? 'see package',
          licenseText: licenseFile !== undefined ? readFileSync(join(ROOT, dir, licenseFile), 'utf8').trim() : undefined,
          handlers: new Set(),
        };
        packages.set(key, entry);
      }
      entry.handlers.add(bundle.name);
    }
  }
  const sorted = [...packages.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
  const lines = [
    '# Third-party notices',
    '',
    'The handler bundles this package ships include the following packages (name, version, license, the handlers that contain them).',
    '',
  ];
  // Identical license texts (the AWS SDK's Apache-2.0 file, for one) are written once and referred to after that.
  const firstWithText = new Map<string, string>();
  for (const p of sorted) {
    lines.push(`## ${p.name} ${p.version}`, '', `License: ${p.license}. Bundled into: ${[...p.handlers].sort().join(', ')}.`, '');
    if (p.licenseText === undefined) continue;
    const earlier = firstWithText.get(p.licenseText);
    if (earlier !== undefined) {
      lines.push(`License text: as for ${earlier} above.`, '');
    } else {
      firstWithText.set(p.licenseText, `${p.name} ${p.version}`);
      lines.push('```', p.licenseText, '```', '');
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * {@link buildStaleHandlers}, reporting each bundle it built on stderr: the reference app's command runs this before
 * the app, and the CDK CLI may read the app's stdout.
 */
export async function updateStaleHandlers(): Promise<void> {
  for (const b of await buildStaleHandlers()) process.stderr.write(`bundled ${b.name} (missing or older than its sources): ${(b.bytes / 1024).toFixed(1)} KB\n`);
}

if (require.main === module && process.argv[2] === '--if-stale') {
  updateStaleHandlers().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
} else if (require.main === module) {
  const outdir = resolve(process.argv[2] ?? join(ROOT, 'dist', 'handlers'));
  buildHandlers(outdir).then((bundles) => {
    for (const b of bundles) console.log(`${b.name.padEnd(14)} ${(b.bytes / 1024).toFixed(1).padStart(8)} KB  sha256 ${b.sha256.slice(0, 16)}…`);
  }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
