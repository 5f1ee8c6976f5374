/**
 * The two kinds of failure the command line tells apart by exit code.
 * @module
 */

/** Exit codes of `segkit`: 0 success, 1 data error, 2 usage error. */
export const EXIT = { ok: 0, data: 1, usage: 2 } as const;

/** A wrong invocation: a bad option value, a missing folder, options that do not go together. Exit code 2. */
export class UsageError extends Error {
  /** @param message - the complete message, naming the option. */
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The exit code for an error: 2 for a `UsageError`, 1 for anything else (a data error). */
export function exitCodeOf(err: unknown): number {
  return err instanceof UsageError ? EXIT.usage : EXIT.data;
}

/** The message of an error, with the causes' messages appended when they add something. */
export function messageOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.message;
}
