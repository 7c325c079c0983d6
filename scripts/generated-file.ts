/**
 * The one way a script writes a generated, committed file, or with `--check` only compares it: the generators of
 * app/lambda/api/validators.generated.ts (validators.ts), lambda/shared/rds-ca-index.generated.ts (rds-ca.ts) and
 * docs/architecture.svg (diagram.ts). A stale or missing file fails `--check` with the command that regenerates it.
 */
import { readFileSync, writeFileSync } from 'fs';
import { join, relative, sep } from 'path';

const ROOT = join(__dirname, '..');

/** Writes `expected` to `file`, or with `--check` in `argv` exits 1 when the file differs (naming `command`). */
export function writeOrCheck(file: string, expected: string, command: string, argv: readonly string[] = process.argv): void {
  const name = relative(ROOT, file).split(sep).join('/');
  if (argv.includes('--check')) {
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined; // missing = stale
    }
    if (current !== expected) {
      console.error(`${name} is stale: run \`${command}\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${name} is up to date.`);
    return;
  }
  writeFileSync(file, expected);
  console.log(`wrote ${name}`);
}
