/**
 * The outputs of `segkit eval` and `segkit merge` written image by image: the JSON's `images`, the per-image
 * CSV and the state's per-image arrays are streamed from the accumulator's line files into temporary files
 * beside their targets, which are renamed only when every output is complete (nothing half-written on
 * failure). The bytes are those of the in-memory writers (`stringifyCompact`, `formatCsv`, `JSON.stringify` of
 * the state), which the tests compare against.
 * @module
 */
import { AtomicFiles } from '../../io/writeFileAtomic.js';
import type { CliIO } from './run.js';
import type { EvalAccumulator, Scratch } from './accumulate.js';
import { readLines, readPieces } from './accumulate.js';
import { csvLines, formatSummaryCsv, formatTable } from './format.js';
import type { CiOptions } from './intervals.js';
import type { Outputs } from './options.js';
import { buildReport, WorstImages } from './report.js';
import { stringifyCompact } from './schema.js';
import type { ImageRecord, StateHead } from './state.js';
import { imageResult, summarizeAccumulated } from './summarize.js';

/** A placeholder value whose JSON text marks where a streamed array goes. */
const MARK = '\u0000segkit-streamed\u0000';
const MARK_TEXT = JSON.stringify(MARK);

/** Splits a JSON text at the placeholders; throws if their number is not `parts - 1`. */
function splitAtMarks(text: string, parts: number): string[] {
  const out = text.split(MARK_TEXT);
  if (out.length !== parts) throw new Error('segkit: internal error: streamed output placeholder misplaced.');
  return out;
}

/**
 * Writes the state file of an accumulation: the head, then `images`, `confusion.rows` and (with regions)
 * `confusion.regionRows` copied from the line files — the text `JSON.stringify(state)` would give.
 */
function writeState(files: AtomicFiles, path: string, head: StateHead, acc: EvalAccumulator): void {
  const f = files.open(path);
  const totals = acc.cm.totalsJSON();
  const regions = totals.regionRows !== undefined;
  const text = JSON.stringify({
    ...head,
    images: MARK,
    confusion: { ...totals, rows: MARK, ...(regions ? { regionRows: MARK } : {}) },
  });
  const parts = splitAtMarks(text, regions ? 4 : 3);
  const lines = acc.lines!;
  const sources = [lines.images, lines.rows, ...(regions ? [lines.regionRows] : [])];
  files.write(f, parts[0]);
  sources.forEach((src, j) => {
    files.write(f, '[');
    let n = 0;
    for (const line of readLines(src.path)) {
      if (line === '') continue;
      files.write(f, n++ ? `,${line}` : line);
    }
    files.write(f, ']');
    files.write(f, parts[j + 1]);
  });
  files.write(f, '\n');
}

/**
 * Writes the state of a shard (`eval --shard`): the state file alone.
 * @throws DataError naming the file when it cannot be written (nothing is left behind).
 */
export async function writeStateStreamed(path: string, head: StateHead, acc: EvalAccumulator): Promise<void> {
  const files = new AtomicFiles();
  try {
    writeState(files, path, head, acc);
  } catch (err) {
    await files.abort();
    throw err;
  }
  await files.commit();
}

/**
 * Writes every output of a complete evaluation from its accumulation: `--json`, `--csv`, `--report`,
 * `--summary-csv` and `--state`, then prints the table (or the output given as `-`) on stdout. The per-image
 * entries are made one at a time from the image line file and the summary's value columns; the report draws
 * its per-image plots from at most `REPORT_SAMPLE_MAX` images (see report.ts).
 * @param scratch - where an output for stdout is held until every file is written.
 */
export async function writeOutputsStreamed(
  head: StateHead,
  acc: EvalAccumulator,
  outputs: Outputs & { state?: string },
  io: CliIO,
  ci: CiOptions | null,
  scratch: Scratch,
): Promise<void> {
  const summary = summarizeAccumulated(head, acc, ci);
  const { result } = summary;
  const keys = ['json', 'csv', 'report', 'summaryCsv'] as const;
  // As before streaming: when several outputs are `-`, the last one is printed.
  const toStdout = [...keys].reverse().find((k) => outputs[k] === '-');
  const files = new AtomicFiles();
  const stdout = toStdout ? scratch.file('stdout') : null;
  try {
    const sinks: Partial<Record<(typeof keys)[number], (text: string) => void>> = {};
    for (const key of keys) {
      const target = outputs[key];
      if (target === undefined || (target === '-' && key !== toStdout)) continue;
      if (target === '-') sinks[key] = (t) => stdout!.write(t);
      else {
        const h = files.open(target);
        sinks[key] = (t) => files.write(h, t);
      }
    }
    if (outputs.state) writeState(files, outputs.state, head, acc);
    const json = sinks.json ? splitAtMarks(stringifyCompact({ ...result, images: MARK }), 2) : null;
    const csv = sinks.csv ? csvLines(result) : null;
    if (json) sinks.json!(json[0] + (acc.images ? '[\n' : '[]'));
    if (csv) sinks.csv!(csv.head + '\n');
    const worst = new WorstImages(result.settings.metrics[0]);
    let i = 0;
    for (const line of readLines(acc.lines!.images.path)) {
      if (line === '') continue;
      const img = imageResult(summary, JSON.parse(line) as ImageRecord, i);
      if (json) sinks.json!(`${i ? ',\n' : ''}    ${stringifyCompact(img, '    ')}`);
      if (csv) sinks.csv!(csv.line(img, i) + '\n');
      worst.add(img, i);
      i++;
    }
    if (i !== acc.images) throw new Error('segkit: internal error: image lines lost.');
    if (json) sinks.json!((acc.images ? '\n  ]' : '') + json[1] + '\n');
    if (sinks.report) {
      sinks.report(
        buildReport(result, undefined, {
          count: acc.images,
          values: (m, k) => summary.values[m]![k],
          worst: worst.list(),
          spacings: acc.spacings,
        }),
      );
    }
    if (sinks.summaryCsv) sinks.summaryCsv(formatSummaryCsv(result));
  } catch (err) {
    await files.abort();
    throw err;
  }
  await files.commit();
  if (stdout) {
    stdout.close();
    copyFileTo(stdout.path, (t) => io.stdout(t));
  } else io.stdout(formatTable(result));
}

/**
 * Hands a UTF-8 file to `write` in pieces of about 1 MB, each made of whole characters (a character cut by a
 * piece's end goes to the next piece).
 * @example copyFileTo('out.json', (t) => process.stdout.write(t))
 */
export function copyFileTo(path: string, write: (text: string) => void): void {
  for (const piece of readPieces(path, utf8End)) write(piece);
}

/** Where the last whole UTF-8 character of `bytes` ends (an incomplete sequence at the end is left out). */
function utf8End(bytes: Buffer): number {
  const end = bytes.length;
  let k = end - 1;
  while (k >= 0 && k > end - 4 && (bytes[k] & 0xc0) === 0x80) k--;
  if (k >= 0 && bytes[k] >= 0xc0) {
    const need = bytes[k] >= 0xf0 ? 4 : bytes[k] >= 0xe0 ? 3 : 2;
    if (end - k < need) return k;
  }
  return end;
}
