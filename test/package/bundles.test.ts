/**
 * The handler bundles are deterministic: two clean builds of the same sources give byte-identical bundles and so the
 * same CDK asset hashes (a rebuild never makes CloudFormation replace a function's code for nothing), and nothing in
 * a bundle depends on where it was built.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { FileSystem } from 'aws-cdk-lib';
import { buildHandlers } from '../../scripts/build-handlers';
import { HANDLER_NAMES, PACKAGED_HANDLERS, ROOT } from '../../scripts/handlers';

describe('handler bundles', () => {
  let first: string;
  let second: string;

  beforeAll(async () => {
    // GIVEN two clean builds into two different folders
    first = mkdtempSync(join(tmpdir(), 'bundles-a-'));
    second = mkdtempSync(join(tmpdir(), 'bundles-b-'));
    await buildHandlers(first);
    await buildHandlers(second);
  }, 240_000);

  afterAll(() => {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  });

  test('two clean builds give identical bytes and identical asset hashes', () => {
    for (const name of HANDLER_NAMES) {
      const a = readFileSync(join(first, name, 'index.js'));
      const b = readFileSync(join(second, name, 'index.js'));
      expect([name, a.equals(b)]).toEqual([name, true]);
      // The fingerprint aws-cdk-lib gives lambda.Code.fromAsset(<folder>).
      expect(FileSystem.fingerprint(join(first, name))).toBe(FileSystem.fingerprint(join(second, name)));
    }
    expect(readFileSync(join(first, 'manifest.json'), 'utf8')).toBe(readFileSync(join(second, 'manifest.json'), 'utf8'));
  });

  test('bundles name no build path, timestamp or source map', () => {
    for (const name of HANDLER_NAMES) {
      const code = readFileSync(join(first, name, 'index.js'), 'utf8');
      expect([name, code.includes(ROOT), code.includes(first), /sourceMappingURL/.test(code)]).toEqual([name, false, false, false]);
    }
  });

  test('the manifest lists every bundle with its SHA-256 and whether the package ships it', () => {
    const manifest = JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8')) as { handlers: Record<string, { sha256: string; packaged: boolean }> };
    expect(Object.keys(manifest.handlers)).toEqual(HANDLER_NAMES);
    for (const name of HANDLER_NAMES) {
      expect(manifest.handlers[name].sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(manifest.handlers[name].packaged).toBe(PACKAGED_HANDLERS.includes(name));
    }
    // Notices name the bundled third-party code of the shipped bundles with its license text.
    const notices = readFileSync(join(first, 'THIRD-PARTY-NOTICES.md'), 'utf8');
    expect(notices).toMatch(/^## pg \d+\.\d+\.\d+$/m);
    expect(notices).toMatch(/Permission is hereby granted/);
  });
});
