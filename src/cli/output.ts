/**
 * Output helpers shared by the commands: the progress bar's stream, which writes through the command's own
 * {@link CliIO} like every other message, and `--quiet`.
 * @module
 */
import type { CliIO } from './eval/run.js';

/**
 * A minimal writable stream over `io.stderr` for `cli-progress` (which writes its bar and its cursor moves
 * with `stream.write`), so that the bar goes where the command's diagnostics go: to `process.stderr` in the
 * binary, to the caller's `io` when `run()` is called in-process.
 * @example new cliProgress.SingleBar({ stream: ioStream(io) })
 */
export function ioStream(io: CliIO): NodeJS.WritableStream {
  return {
    write: (chunk: string | Uint8Array) => {
      io.stderr(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    },
    isTTY: io.isTTY,
    columns: io.columns ?? 80,
  } as unknown as NodeJS.WritableStream;
}

/**
 * Writes an informational line (timings, counts, output paths) to `io.stderr`, unless `--quiet` asked for
 * results, warnings and errors only.
 * @example info(io, 'segkit eval: 10 pair(s) in 0.50 s.\n')
 */
export function info(io: CliIO, text: string): void {
  if (!io.quiet) io.stderr(text);
}

/**
 * The io of a command run with `--quiet`: no progress bar and no informational lines; the rest unchanged.
 * @example runEval(options, quietIO(processIO)) // prints the table and any warning, nothing else
 */
export function quietIO(io: CliIO): CliIO {
  return {
    stdout: (t) => io.stdout(t),
    stderr: (t) => io.stderr(t),
    isTTY: io.isTTY,
    columns: io.columns,
    quiet: true,
  };
}

/** The help text of the `--quiet` flag of every command. */
export const QUIET_HELP =
  'no progress bar and no timing or summary lines on stderr (warnings and errors stay)';

/**
 * The io of a command's action: `io` itself, or {@link quietIO} under `--quiet`.
 * @example runEval(options, actionIO(io, { quiet: true }))
 */
export const actionIO = (io: CliIO, raw: { quiet?: boolean }): CliIO => (raw.quiet ? quietIO(io) : io);
