/**
 * Text of the optional sections (regions, lesions, panoptic) for the terminal table and the CSV.
 * @module
 */
import { classLabel, formatInterval, formatNumber, metricLabel } from './format.js';
import type { LesionSettings, PanopticSettings } from './options.js';
import type { EvalResult, JsonNumber } from './schema.js';

/**
 * The BraTS 2023 options of `--lesions` in words (empty when both are off), for the table and the report, e.g.
 * `; ground truth dilated 3 times (BraTS 2023), lesions of ≤ 50 voxels not scored`.
 */
export function lesionOptionsNote(s: LesionSettings): string {
  const parts: string[] = [];
  if (s.dilation > 0) {
    parts.push(
      `matched through the ground truth dilated ${s.dilation} time${s.dilation === 1 ? '' : 's'} (BraTS 2023)`,
    );
  }
  if (s.sizeThreshold > 0) parts.push(`ground-truth lesions of ≤ ${s.sizeThreshold} voxels not scored`);
  return parts.length ? `; ${parts.join(', ')}` : '';
}

/**
 * Where the panoptic instances come from, in words, for the table and the report, e.g.
 * `instances from the panoptic maps (value = class·1000 + instance); crowd regions of the things 11, 12`.
 */
export function panopticSourceNote(p: PanopticSettings): string {
  if (p.instances === 'components') return 'each connected component of a class is an instance';
  const things = p.things?.length
    ? `; gt pixels of the thing classes ${p.things.join(', ')} without instance id are crowd regions`
    : '';
  return `instances from the panoptic maps (value = class·${p.divisor} + instance)${things}`;
}

/** A table as lines: the first column left-aligned, the others right-aligned. */
export function alignTable(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(head), ...rows.map(line)];
}

/** The region rows of the main table (`region WT {1,2,3}` with mean ± std per metric), then the region mean. */
export function regionRows(result: EvalResult): string[][] {
  const sec = result.regions;
  if (!sec) return [];
  const { metrics } = result.settings;
  const rows = sec.regions.map((r) => [
    `region ${r.name} {${r.labels.join(',')}}`.slice(0, 40),
    ...metrics.map((m) => {
      const s = r.metrics[m];
      return s ? `${formatNumber(s.mean, m)} ± ${formatNumber(s.std, m)}${formatInterval(s.ci, m)}` : '';
    }),
  ]);
  rows.push([
    'region mean',
    ...metrics.map(
      (m) => formatNumber(sec.summary[m]?.value ?? 'NaN', m) + formatInterval(sec.summary[m]?.ci, m),
    ),
  ]);
  return rows;
}

const num = (x: JsonNumber) => formatNumber(x, 'dice');

/** The lesion-wise and panoptic tables printed after the main table (empty when not asked for). */
export function sectionTables(result: EvalResult): string {
  const out: string[] = [];
  if (result.lesions) {
    const head = [
      'lesions',
      'gt',
      'pred',
      'TP',
      'FP',
      'FN',
      'sensitivity',
      'precision',
      'F1',
      'lesion Dice',
      'per image',
    ];
    const rows = result.lesions.results.map((r) => [
      r.index === null ? `region ${r.name}`.slice(0, 32) : classLabel(r.index, r.name),
      String(r.gtLesions),
      String(r.predLesions),
      String(r.tp),
      String(r.fp),
      String(r.fn),
      num(r.sensitivity),
      num(r.precision),
      num(r.f1),
      num(r.lesionDice),
      `${num(r.lesionDiceMean.mean)} ± ${num(r.lesionDiceMean.std)}${formatInterval(r.lesionDiceMean.ci, 'dice')}`,
    ]);
    out.push('', ...alignTable(head, rows));
    const note = lesionOptionsNote(result.settings.lesions!);
    if (note) out.push(`lesions ${note.slice(2)}`);
  }
  if (result.panoptic) {
    const p = result.panoptic;
    const rows = p.classes.map((c) => [
      classLabel(c.index, c.name),
      num(c.pq),
      num(c.sq),
      num(c.rq),
      String(c.tp),
      String(c.fp),
      String(c.fn),
    ]);
    rows.push(['mean over classes', num(p.pq), num(p.sq), num(p.rq), '', '', '']);
    out.push('', ...alignTable(['panoptic', 'PQ', 'SQ', 'RQ', 'TP', 'FP', 'FN'], rows));
    out.push(`panoptic: ${panopticSourceNote(result.settings.panoptic!)}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}

/** CSV columns of the regions: `<metric>_region_<name>` per metric and region, and each image's values. */
export function regionCsv(result: EvalResult): { head: string[]; cells: (i: number) => (string | number)[] } {
  const sec = result.regions;
  if (!sec) return { head: [], cells: () => [] };
  const { metrics, percentile } = result.settings;
  const head = metrics.flatMap((m) =>
    sec.regions.map((r) => `${metricLabel(m, percentile)}_region_${r.name}`),
  );
  return { head, cells: (i) => metrics.flatMap((m) => sec.images[i][m] ?? []) };
}
