/**
 * The terminal table of the demo: one row per class, one column per loss, `Dice / IoU` in each cell.
 * @module
 */
import type { DemoResults } from './results.js';

const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * Formats the per-class held-out scores as a plain-text table.
 * @example process.stdout.write(formatTable(results))
 */
export function formatTable(results: DemoResults): string {
  const { settings: s, runs, classes } = results;
  const head = ['class', 'pixels', ...runs.map((r) => r.label)];
  const rows = classes.map((c, i) => [
    c,
    pct(results.heldOutShare[i]),
    ...runs.map((r) => `${f3(r.dice[i])} / ${f3(r.iou[i])}`),
  ]);
  rows.push(['mean', '', ...runs.map((r) => `${f3(r.meanDice)} / ${f3(r.meanIou)}`)]);
  rows.push(['seconds', '', ...runs.map((r) => r.seconds.toFixed(1))]);
  const widths = head.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (j === 1 ? c.padStart(widths[j]) : c.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return [
    `U-Net on ${s.size}×${s.size} synthetic images: ${s.trainImages} training, ${s.heldOutImages} held out, ` +
      `${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, seed ${s.seed}, ${s.backend} backend.`,
    'Per-class Dice / IoU of the arg-max prediction on the held-out images:',
    '',
    line(head),
    ...rows.map(line),
    '',
  ].join('\n');
}
