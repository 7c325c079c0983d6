import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * A maker of temporary folders for one test file: each call makes a new folder whose name starts with `prefix`, and
 * every folder it made is deleted after the file's tests (jest `afterAll`, registered here).
 */
export function scratchFolders(prefix: string): () => string {
  const made: string[] = [];
  afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  return () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
