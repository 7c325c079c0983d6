import { createHash } from 'crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { BaselineErrorCode, BaselineErrors } from '../../lib';

/**
 * The library reads its pre-built handler bundles and never builds one: a missing bundle fails with what is missing
 * and the command that builds it (a source checkout) or the fix for an installed package. Each case is a package
 * folder in the system temp folder holding a copy of lib/internal/handler-assets.ts, so the repository's own
 * dist/handlers (which other tests read) is never touched.
 */

const ROOT = join(__dirname, '..', '..');

function packageCopy(sourceCheckout: boolean): { dir: string; load: () => typeof import('../../lib/internal/handler-assets') } {
  const dir = mkdtempSync(join(tmpdir(), 'handler-assets-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'aws-security-baseline' }));
  mkdirSync(join(dir, 'lib', 'internal'), { recursive: true });
  for (const file of ['handler-assets.ts', 'errors.ts']) copyFileSync(join(ROOT, 'lib', 'internal', file), join(dir, 'lib', 'internal', file));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  if (sourceCheckout) mkdirSync(join(dir, 'lambda'));
  return { dir, load: () => require(join(dir, 'lib', 'internal', 'handler-assets.ts')) };
}

describe('handlerBundle', () => {
  const made: string[] = [];
  afterAll(() => { for (const d of made) rmSync(d, { recursive: true, force: true }); });

  test('in a source checkout, a missing bundle fails naming the file and the build command, and nothing is written', () => {
    const { dir, load } = packageCopy(true);
    made.push(dir);
    expect(() => load().handlerBundle('authorizer')).toThrow(
      new RegExp(`handler bundle ${join(dir, 'dist', 'handlers', 'authorizer', 'index.js').replace(/[/.]/g, '\\$&')} is missing.*npm run build.*build-handlers\\.ts --if-stale`));
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });

  test('in an installed package, a missing bundle says to reinstall', () => {
    const { dir, load } = packageCopy(false);
    made.push(dir);
    expect(() => load().handlerBundle('db-bootstrap')).toThrow(/db-bootstrap.*Fix: reinstall the package/);
    // The library's error type, recognised across copies of the package (as aws-cdk-lib's errors are).
    let error: unknown;
    try { load().handlerBundle('db-bootstrap'); } catch (e) { error = e; }
    expect(BaselineErrors.codeOf(error)).toBe(BaselineErrorCode.MISSING_HANDLER_BUNDLE);
  });

  test('a present bundle is read as it is: its folder and the SHA-256 of index.js', () => {
    const { dir, load } = packageCopy(true);
    made.push(dir);
    mkdirSync(join(dir, 'dist', 'handlers', 'authorizer'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'handlers', 'authorizer', 'index.js'), 'exports.handler = async () => 1;\n');
    const bundle = load().handlerBundle('authorizer');
    expect(bundle.dir).toBe(join(dir, 'dist', 'handlers', 'authorizer'));
    expect(bundle.sha256).toBe(createHash('sha256').update('exports.handler = async () => 1;\n').digest('hex'));
  });
});
