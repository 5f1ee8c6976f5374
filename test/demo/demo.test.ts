/**
 * `segkit demo` at a tiny size (seconds): the files it writes, the table it prints, determinism, flag
 * validation, and the generated data's class shares.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { demoCommand } from '../../src/cli/demo/command.js';
import { CLASS_NAMES, generateDataset } from '../../src/cli/demo/dataset.js';
import type { DemoResults } from '../../src/cli/demo/results.js';
import { runDemo } from '../../src/cli/demo/run.js';
import type { CliIO } from '../../src/cli/eval/run.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function capture(): CliIO & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    isTTY: false,
    stdout: (t: string) => void (io.out += t),
    stderr: (t: string) => void (io.err += t),
  };
  return io;
}

async function tinyDemo(seed = 3) {
  const out = mkdtempSync(join(tmpdir(), 'segkit-demo-'));
  dirs.push(out);
  const io = capture();
  const code = await runDemo({ epochs: 2, seed, size: 16, samples: 8, out, backend: 'wasm' }, io);
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as DemoResults;
  return { code, io, out, results, html: readFileSync(join(out, 'report.html'), 'utf8') };
}

describe('segkit demo', () => {
  it('writes results.json and a self-contained report.html, prints the per-class table', async () => {
    const { code, io, results, html } = await tinyDemo();
    expect(code).toBe(0);
    expect(results.schema).toBe('segkit.demo/1');
    expect(results.settings).toMatchObject({
      epochs: 2,
      seed: 3,
      size: 16,
      samples: 8,
      backend: 'wasm',
      trainImages: 6,
      heldOutImages: 2,
    });
    expect(results.classes).toEqual([...CLASS_NAMES]);
    expect(results.runs.map((r) => r.loss)).toEqual([
      'categorical_crossentropy',
      'dice_loss',
      'dice_loss_plus_focal_loss',
    ]);
    for (const run of results.runs) {
      expect(run.history.loss).toHaveLength(2);
      expect(run.history.valF1).toHaveLength(2);
      for (const v of [...run.dice, ...run.iou]) expect(v >= 0 && v <= 1).toBe(true);
      expect(run.dice).toHaveLength(4);
    }
    expect(results.classWeights).toHaveLength(4);
    expect(results.classWeights.reduce((a, b) => a + b, 0) / 4).toBeCloseTo(1, 6);
    // Offline: Chart.js inlined (under 1 MB in all), no external script or image, overlays as PNG data URIs
    // (2 rows × 5 images).
    expect(html).toContain('segkitChart(c.id, c.spec)');
    expect(html.length).toBeLessThan(1_000_000);
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/src="http/);
    expect(html.match(/<td><img src="data:image\/png;base64,/g)).toHaveLength(10);
    // stdout: the table only; stderr: progress and the output paths.
    expect(io.out).toMatch(/^U-Net on 16×16 synthetic images/);
    for (const name of CLASS_NAMES) expect(io.out).toContain(name);
    expect(io.out).toContain('weighted Dice + focal');
    expect(io.err).toContain('results.json');
  });

  it('gives the same numbers for the same seed and backend', async () => {
    const [a, b] = [await tinyDemo(5), await tinyDemo(5)];
    const strip = (r: DemoResults) => ({
      ...r,
      seconds: 0,
      runs: r.runs.map((run) => ({ ...run, seconds: 0 })),
    });
    expect(strip(b.results)).toEqual(strip(a.results));
  });

  it('rejects invalid flags as usage errors naming the flag', async () => {
    const parse = (args: string[]) =>
      demoCommand(capture())
        .exitOverride()
        .configureOutput({ writeErr: () => undefined })
        .parseAsync(args, { from: 'user' });
    await expect(parse(['--size', '10'])).rejects.toThrow(
      /--size must be an integer in \[8, 512\], a multiple of 4; got '10'\./,
    );
    await expect(parse(['--epochs', '0'])).rejects.toThrow(
      /--epochs must be an integer in \[1, 1000\]; got '0'\./,
    );
    await expect(parse(['--backend', 'webgl'])).rejects.toBeInstanceOf(CommanderError);
  });
});

describe('generateDataset', () => {
  it('is deterministic and class-imbalanced about 85 / 10 / 4 / 1 %', () => {
    const a = generateDataset(40, 64, 1);
    expect(generateDataset(40, 64, 1)).toEqual(a);
    expect(generateDataset(40, 64, 2).images).not.toEqual(a.images);
    const counts = [0, 0, 0, 0];
    for (const l of a.labels) counts[l]++;
    const share = counts.map((c) => c / a.labels.length);
    expect(share[0]).toBeGreaterThan(0.8);
    expect(share[1]).toBeGreaterThan(0.07);
    expect(share[1]).toBeLessThan(0.13);
    expect(share[2]).toBeGreaterThan(0.025);
    expect(share[2]).toBeLessThan(0.055);
    expect(share[3]).toBeGreaterThan(0.005);
    expect(share[3]).toBeLessThan(0.015);
    expect(a.images.every((v) => v >= 0 && v <= 1)).toBe(true);
  });
});
