/**
 * The bootstrap's one error type and the helpers that keep its messages safe for CloudFormation: the step that
 * failed, the driver's message and SQLSTATE, and never the master password or a stack trace.
 */

/** The bootstrap failed; the message is safe to show in CloudFormation (no secret, no stack trace). */
export class BootstrapError extends Error {
  public readonly step: string;
  constructor(step: string, message: string) {
    super(`Database bootstrap failed (${step}): ${message}`);
    this.name = 'BootstrapError';
    this.step = step;
  }
}

/** A driver error as one line: its message and, when there is one, its SQLSTATE. */
export function pgMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: string }).code;
    return code ? `${err.message} [SQLSTATE ${code}]` : err.message;
  }
  return 'unknown error';
}

/** The error's class name, for messages that must not carry the error's text. */
export function errorName(err: unknown): string {
  return err instanceof Error ? err.name : 'UnknownError';
}

/** Removes every occurrence of the given secret values from a message. */
export function redactSecret(message: string, secrets: string[]): string {
  let out = message;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('[REDACTED]');
  return out;
}
