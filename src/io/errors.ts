/**
 * Error helpers of the readers: every message names the file, and the decoder's own error travels as `cause`.
 * @module
 */

/**
 * An error about the content of a file (not about how segkit was called): a mask that cannot be decoded, a
 * shape or label that does not fit, a palette that does not parse.
 */
export class DataError extends Error {
  /** The file the error is about, as shown in the message. */
  readonly file: string | undefined;

  /**
   * @param message - the complete message (it already names the file).
   * @param options.file - the file it is about.
   * @param options.cause - the underlying error, if any.
   */
  constructor(message: string, options: { file?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DataError';
    this.file = options.file;
  }
}

/** Plain-words reasons for the low-level messages the decoders throw. */
const REASONS: [RegExp, string][] = [
  [
    /outside the bounds|out of range|unexpected EOF|unexpected end|end of file/i,
    'the file ends early (truncated?)',
  ],
  [/crc/i, 'a checksum does not match (corrupt data)'],
  [/signature/i, 'it does not start with the PNG signature'],
  [
    /incorrect header check|invalid (block|distance|code|stored)|decompress/i,
    'the compressed data is corrupt',
  ],
];

/** A short, plain reason for a decoder error, for the end of a message. */
export function reasonOf(cause: unknown): string {
  const raw = cause instanceof Error ? cause.message : String(cause);
  for (const [re, reason] of REASONS) if (re.test(raw)) return `${reason}: ${raw}`;
  return raw;
}

/** `readMask: cannot decode '<file>' as <FORMAT>: <reason>.` with the cause attached. */
export function decodeError(fn: string, file: string, format: string, cause: unknown): DataError {
  const reason = reasonOf(cause).replace(/\.$/, '');
  return new DataError(`${fn}: cannot decode '${file}' as ${format}: ${reason}.`, { file, cause });
}
