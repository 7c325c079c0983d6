#!/usr/bin/env node
/**
 * `aws-security-baseline evidence <cdk.out> [--markdown f.md] [--oscal f.json] [--sarif f.sarif] [--source-root dir] [--last-modified iso]`:
 * the compliance evidence of any app's cloud assembly, whatever CDK language made it.
 */
import { BaselineErrorCode, BaselineErrors } from '../internal/errors';
import { Evidence } from './evidence';

const USAGE = 'Usage: aws-security-baseline evidence <cloud assembly folder, e.g. cdk.out> [--markdown compliance.md] '
  + '[--oscal component-definition.json] [--sarif findings.sarif] [--source-root <folder>] [--last-modified <ISO 8601 time>]';

const FLAGS = { '--markdown': 'markdown', '--oscal': 'oscal', '--sarif': 'sarif', '--source-root': 'sourceRoot', '--last-modified': 'lastModified' } as const;

/** Runs the command; returns the exit code (0 written, 1 bad input, 2 bad usage). */
export function main(argv: readonly string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): number {
  const [command, ...rest] = argv;
  if (command !== 'evidence') {
    err(command === undefined || command === '--help' ? USAGE : `Unknown command "${command}". ${USAGE}`);
    return 2;
  }
  const options: Partial<Record<(typeof FLAGS)[keyof typeof FLAGS], string>> = {};
  let assembly: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg in FLAGS) {
      const value = rest[++i];
      if (value === undefined || value.startsWith('--')) { err(`${arg} needs a value. ${USAGE}`); return 2; }
      options[FLAGS[arg as keyof typeof FLAGS]] = value;
    } else if (arg.startsWith('--') || assembly !== undefined) {
      err(`Unexpected argument "${arg}". ${USAGE}`);
      return 2;
    } else assembly = arg;
  }
  if (assembly === undefined || !(options.markdown || options.oscal || options.sarif)) {
    err(`Name the assembly folder and at least one of --markdown, --oscal, --sarif. ${USAGE}`);
    return 2;
  }
  try {
    const { evidence, written } = Evidence.write(assembly, options);
    const open = evidence.plugins.reduce((n, p) => n + p.open.length, 0);
    const acknowledged = evidence.plugins.reduce((n, p) => n + p.acknowledged.length, 0);
    out(`wrote ${written.join(', ')} (${evidence.stacks.length} stacks, ${evidence.plugins.length} plugins, ${acknowledged} acknowledged, ${open} open findings)`);
    return 0;
  } catch (e) {
    const code = BaselineErrors.codeOf(e);
    if (code === BaselineErrorCode.INVALID_ASSEMBLY || code === BaselineErrorCode.INVALID_EVIDENCE_OPTION) {
      err(`aws-security-baseline evidence: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
