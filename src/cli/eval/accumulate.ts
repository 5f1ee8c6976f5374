/**
 * What an evaluation keeps while its pairs (or its shards' states) stream past: the counts, per-image metric
 * values as Float64Array columns, and the per-image parts of the outputs in line files on disk — so that the
 * memory of `segkit eval` and `segkit merge` grows by a few hundred bytes per image, not by the images' outputs.
 *
 * Per image in memory: the confusion row of the core accumulator (the classes present, as a Float64Array of
 * class, tp, fp, fn; about 100 bytes with 3 classes), 8 bytes per class and surface metric, and — only with
 * `--regions`, `--lesions` or `--panoptic` — that image's section values ({@link ImageExtras}). Everything else
 * (ids, file names, shapes, digests, the per-image rows of the state) goes to the line files.
 * @module
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfusionMatrix } from '../../core/evaluation/confusionMatrix.js';
import { selectedClasses } from '../../core/evaluation/reduce.js';
import type { ConfusionState, ImageCounts, SparseImageCounts } from '../../core/evaluation/types.js';
import { removeOnInterrupt } from '../../io/interrupt.js';
import { surfaceMetricsOf } from './engine.js';
import type { ImageExtras } from './instances.js';
import type { EvalSettings } from './options.js';
import { fromJsonNumber } from './schema.js';
import { ContentSum } from './state.js';
import type { ImageRecord } from './state.js';

/**
 * A growing column of numbers in a Float64Array (capacity doubled when full).
 * @example const c = new Column(); c.push(0.5); c.values() // Float64Array [0.5]
 */
export class Column {
  private data = new Float64Array(256);
  private n = 0;
  /** Appends a value. */
  push(v: number): void {
    if (this.n === this.data.length) {
      const grown = new Float64Array(2 * this.data.length);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.n++] = v;
  }
  /** The values pushed so far (a view, not a copy). */
  values(): Float64Array {
    return this.data.subarray(0, this.n);
  }
}

/** A file of text lines in a scratch folder, appended to synchronously in pieces of about 1 MB. */
export class LineFile {
  private fd: number | null;
  private pending: string[] = [];
  private size = 0;
  /** Number of lines written. */
  lines = 0;
  constructor(readonly path: string) {
    this.fd = openSync(path, 'wx');
  }
  /** Appends one line (`text` must not hold a newline; JSON.stringify output never does). */
  add(text: string): void {
    this.write(text + '\n');
    this.lines++;
  }
  /** Appends text as it is. */
  write(text: string): void {
    this.pending.push(text);
    this.size += text.length;
    if (this.size >= 1 << 20) this.flush();
  }
  private flush(): void {
    if (this.pending.length && this.fd !== null)
      writeSync(this.fd, this.pending.length === 1 ? this.pending[0] : this.pending.join(''));
    this.pending = [];
    this.size = 0;
  }
  /** Writes what is pending and closes the file (reading it with {@link readLines} needs this first). */
  close(): void {
    this.flush();
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * The text of a file in pieces of about 1 MB (a file of any size in constant memory), each piece ending where
 * `cut(bytes)` says (an offset into the bytes read so far; what follows goes to the next piece); the rest of the
 * file, when it does not end at a cut, is the last piece.
 * @example [...readPieces('a.txt', (b) => b.lastIndexOf(10) + 1)] // pieces of whole lines
 */
export function* readPieces(path: string, cut: (bytes: Buffer) => number): Generator<string> {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    let rest = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const chunk = rest.length ? Buffer.concat([rest, buf.subarray(0, n)]) : buf.subarray(0, n);
      const end = cut(chunk);
      if (end > 0) yield chunk.toString('utf8', 0, end);
      rest = Buffer.from(chunk.subarray(end));
    }
    if (rest.length) yield rest.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The lines of a file, read in pieces of 1 MB (see {@link readPieces}); a final newline ends the last line.
 * @example for (const line of readLines('images.jsonl')) JSON.parse(line)
 */
export function* readLines(path: string): Generator<string> {
  for (const piece of readPieces(path, (b) => b.lastIndexOf(10) + 1)) {
    const lines = piece.split('\n');
    if (piece.endsWith('\n')) lines.pop();
    yield* lines;
  }
}

/**
 * A private scratch folder (in the system's temporary folder, `TMPDIR`) removed by {@link Scratch.remove}, or
 * when the process is interrupted (SIGINT, SIGTERM, SIGHUP) before that.
 */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'segkit-'));
  private readonly release = removeOnInterrupt(this.dir);
  /** A new line file in the folder. */
  file(name: string): LineFile {
    return new LineFile(join(this.dir, name));
  }
  /** Removes the folder and everything in it. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
    this.release();
  }
}

/**
 * The per-image parts of a state, one JSON text per line and image, in image order: the image records, the
 * confusion rows and (with regions) the region rows — exactly the array elements of the state file.
 */
export interface ImageLines {
  images: LineFile;
  rows: LineFile;
  regionRows: LineFile;
}

/** The three line files of {@link ImageLines} in a scratch folder. */
export function imageLines(scratch: Scratch): ImageLines {
  return {
    images: scratch.file('images.jsonl'),
    rows: scratch.file('rows.jsonl'),
    regionRows: scratch.file('region-rows.jsonl'),
  };
}

/**
 * The running totals of an evaluation: the core's confusion accumulator (dataset cells, per-image rows), per
 * surface metric and reported class a column of per-image values, the section values per image when asked for,
 * the content digest, the digest of the pairing (ids and file names) and the spacings used; the per-image
 * records and rows go to line files. Images must be added in id order (the order of the state).
 */
export class EvalAccumulator {
  readonly cm: ConfusionMatrix;
  /** Per surface metric, per reported class: one value per image. */
  readonly surface: Record<string, Column[]> = {};
  /** Per image, with `--regions`, `--lesions` or `--panoptic` only: the image's section values. */
  readonly extras: ImageExtras[] = [];
  /** Spacing (as the report writes it, `[x, y]`) → number of images. */
  readonly spacings = new Map<string, number>();
  readonly content = new ContentSum();
  private readonly pairing = createHash('sha256');
  private readonly classes: number[];
  private readonly keepExtras: boolean;
  /** Number of images added. */
  images = 0;

  constructor(
    readonly settings: EvalSettings,
    readonly lines: ImageLines | null = null,
  ) {
    this.cm = new ConfusionMatrix({
      numClasses: settings.numClasses,
      ignoreIndex: settings.ignoreIndex,
      perImage: true,
      regions: settings.regions,
    });
    this.classes = selectedClasses(settings.numClasses, settings.includeBackground);
    for (const m of surfaceMetricsOf(settings)) this.surface[m] = this.classes.map(() => new Column());
    this.keepExtras = settings.regions !== null || settings.lesions !== null || settings.panoptic !== null;
  }

  /**
   * Adds one image: its record and its counts (a one-image state from the worker, or a state's row and region
   * row). The counts of a state may also be merged as a whole into {@link EvalAccumulator.cm} beforehand; then
   * pass no counts here, only the rows for the line files.
   */
  add(
    img: ImageRecord,
    counts:
      | { state: ConfusionState }
      | { row: SparseImageCounts; regionRow: ImageCounts | undefined; merged: true },
  ): void {
    let row: SparseImageCounts;
    let regionRow: ImageCounts | undefined;
    if ('state' in counts) {
      this.cm.merge(counts.state);
      row = counts.state.rows[0] as SparseImageCounts;
      regionRow = counts.state.regionRows?.[0];
    } else {
      ({ row, regionRow } = counts);
    }
    if (row.id !== img.id) throw new Error(`segkit: state rows out of order at ${img.id}.`);
    this.content.add(img.id, img.digest);
    this.pairing.update(`${img.id}\0${img.gt}\0${img.pred}\n`);
    for (const [m, cols] of Object.entries(this.surface))
      cols.forEach((col, k) => col.push(fromJsonNumber(img.surface[m]?.[this.classes[k]] ?? 'NaN')));
    const key = `[${img.spacing.join(', ')}]`;
    this.spacings.set(key, (this.spacings.get(key) ?? 0) + 1);
    if (this.keepExtras) {
      const { regionSurface, lesions, panoptic } = img;
      this.extras.push({
        ...(regionSurface ? { regionSurface } : {}),
        ...(lesions ? { lesions } : {}),
        ...(panoptic ? { panoptic } : {}),
      });
    }
    if (this.lines) {
      this.lines.images.add(JSON.stringify(img));
      this.lines.rows.add(JSON.stringify(row));
      if (regionRow) this.lines.regionRows.add(JSON.stringify(regionRow));
    }
    this.images++;
  }

  /** The digest of the pairing of the images added (see `pairingDigest` in state.ts); call once, at the end. */
  pairingDigest(): string {
    return this.pairing.digest('hex');
  }

  /** Closes the line files (before they are read back). */
  close(): void {
    if (!this.lines) return;
    for (const f of Object.values(this.lines) as LineFile[]) f.close();
  }
}
