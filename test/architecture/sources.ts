import { readdirSync, readFileSync } from 'fs';
import { join, relative, sep } from 'path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');

/** Folders never scanned: dependencies, build output, synth output, snapshots. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'cdk.out', '__snapshots__', '.tmp', '.git']);

/** Repository-relative path with forward slashes. */
export function repoPath(absolute: string): string {
  return relative(ROOT, absolute).split(sep).join('/');
}

/** Every file under `dir` (repository-relative) whose name passes `keep`, skipping dependency and build folders. */
export function listFiles(dir: string, keep: (name: string) => boolean): string[] {
  let entries;
  try {
    entries = readdirSync(join(ROOT, dir), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return SKIPPED_DIRS.has(e.name) ? [] : listFiles(path, keep);
    return e.isFile() && keep(e.name) ? [path] : [];
  }).sort();
}

/** TypeScript and JavaScript sources (no declaration files). */
export function isCodeFile(name: string): boolean {
  return /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(name) && !/\.d\.[mc]?ts$/.test(name);
}

/** Files written by a generator (`*.generated.ts`): exempt from the size rule, checked by their generator's own test. */
export function isGenerated(path: string): boolean {
  return /\.generated\.[mc]?[jt]sx?$/.test(path);
}

/** Reads the sources of the given folders into a map of repository-relative path to text. */
export function readSources(dirs: readonly string[], keep: (name: string) => boolean = isCodeFile): Map<string, string> {
  const files = new Map<string, string>();
  for (const dir of dirs) for (const path of listFiles(dir, keep)) files.set(path, readFileSync(join(ROOT, path), 'utf8'));
  return files;
}
