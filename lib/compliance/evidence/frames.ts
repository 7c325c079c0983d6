import { isAbsolute, relative, sep } from 'path';
import type { SourceLocation, StackEvidence } from './types';

/** Reading creation stacks: the line of the user's code behind a construct, and the library constructs it passed through. */

const FRAME = /(?:\(|^\s*(?:at\s+)?)((?:[A-Za-z]:)?[/\\][^():]+|file:\/\/[^():]+):(\d+):(\d+)\)?\s*$/;

/**
 * The frame of a creation stack in the user's code: the first frame inside the source root, else the first that is not
 * in node_modules, aws-cdk-lib or Node itself (a library's source-mapped frames name files outside the source root).
 */
export function userFrame(frames: readonly string[], sourceRoot: string): SourceLocation | undefined {
  let outside: SourceLocation | undefined;
  for (const frame of frames) {
    if (frame.startsWith('...') || frame.includes(`${sep}node_modules${sep}`) || frame.includes('/node_modules/') || frame.includes('node:')) continue;
    const m = FRAME.exec(frame);
    if (!m) continue;
    const file = m[1].replace(/^file:\/\//, '');
    const rel = relative(sourceRoot, file);
    if (!rel.startsWith('..') && !isAbsolute(rel)) return { file: rel.split(sep).join('/'), line: Number(m[2]), column: Number(m[3]) };
    outside ??= { file, line: Number(m[2]), column: Number(m[3]) };
  }
  return outside;
}

/** The folders of this library's constructs (`lib/constructs/<folder>/`, source or built) that a creation stack passes through. */
export function libraryConstructsOf(frames: readonly string[]): string[] {
  const folders = new Set<string>();
  for (const frame of frames) {
    const m = /[/\\]lib[/\\]constructs[/\\]([a-z0-9-]+)[/\\]/.exec(frame);
    if (m && (!frame.includes('node_modules') || frame.includes('aws-security-baseline'))) folders.add(m[1]);
  }
  return [...folders].sort();
}

/**
 * A creation stack is cut at 10 frames, so a resource made deep inside a construct library may record no frame of the
 * user's code. Its construct was still created by one line of it: the line its nearest scope's other resources name.
 * Returns, for a construct path, the source most resources below its nearest scope with a recorded source share.
 */
export function nearestSource(stacks: StackEvidence[]): (path: string) => SourceLocation | undefined {
  const counts = new Map<string, Map<string, { source: SourceLocation; n: number }>>();
  for (const r of stacks.flatMap((s) => s.resources)) {
    if (!r.source) continue;
    const key = `${r.source.file}:${r.source.line}:${r.source.column}`;
    const parts = r.path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      const byKey = counts.get(prefix) ?? new Map<string, { source: SourceLocation; n: number }>();
      const entry = byKey.get(key) ?? { source: r.source, n: 0 };
      entry.n++;
      byKey.set(key, entry);
      counts.set(prefix, byKey);
    }
  }
  return (path) => {
    const parts = path.split('/');
    for (let i = parts.length - 1; i >= 2; i--) { // never the stack itself: its resources come from many lines
      const byKey = counts.get(parts.slice(0, i).join('/'));
      if (!byKey) continue;
      return [...byKey.entries()].sort(([ka, a], [kb, b]) => b.n - a.n || compare(ka, kb))[0][1].source;
    }
    return undefined;
  };
}

/** Locale-independent string order, so the same assembly gives the same bytes on every machine. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
