import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/cli/version.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')) as { version: string };

/** The public names of `segkit` (the core entry point). */
const CORE_EXPORTS = [
  'COUNT_METRICS',
  'ClassCounter',
  'ConfusionMatrix',
  'SURFACE_FIELDS',
  'SurfaceAccumulator',
  'accuracyFromCounts',
  'addLesionCounts',
  'addPanopticCounts',
  'balancedAccuracyFromCounts',
  'bcaLevels',
  'bceDiceLoss',
  'bceJaccardLoss',
  'binaryCrossentropy',
  'binaryFocalDiceLoss',
  'binaryFocalJaccardLoss',
  'binaryFocalLoss',
  'bootstrapMeans',
  'boundary',
  'categoricalCrossentropy',
  'categoricalFocalDiceLoss',
  'categoricalFocalJaccardLoss',
  'categoricalFocalLoss',
  'cceDiceLoss',
  'cceJaccardLoss',
  'classWeights',
  'connectedComponents',
  'diceCELoss',
  'diceFocalLoss',
  'diceFromCounts',
  'diceLoss',
  'distanceTransform',
  'fScore',
  'fbetaFromCounts',
  'focalLoss',
  'generalizedDiceFocalLoss',
  'generalizedDiceLoss',
  'holm',
  'iouFromCounts',
  'iouScore',
  'jaccardLoss',
  'kernelBackend',
  'lesionCounts',
  'lesionMetrics',
  'logCoshDiceLoss',
  'lovaszHingeLoss',
  'lovaszLoss',
  'lovaszSoftmaxLoss',
  'maskedDiceLoss',
  'mccFromCounts',
  'mccLoss',
  'metricFromCounts',
  'nanMean',
  'normalCdf',
  'normalPpf',
  'normalSf',
  'panopticCounts',
  'panopticQuality',
  'percentile',
  'precision',
  'precisionFromCounts',
  'recall',
  'recallFromCounts',
  'reduceCounts',
  'regionCountsFromMatrix',
  'resolveRegions',
  'setRelaxedSimd',
  'softBCEWithLogitsLoss',
  'softCrossEntropyLoss',
  'specificityFromCounts',
  'splitPanopticLabels',
  'surfaceDistanceLists',
  'surfaceDistances',
  'surfaceDistancesPerClass',
  'surfaceDistancesPerRegion',
  'tverskyLoss',
  'wilcoxonSignedRank',
];

function node(code: string, type: 'module' | 'commonjs'): string {
  const args = type === 'module' ? ['--input-type=module', '-e', code] : ['-e', code];
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

describe('the built package', () => {
  beforeAll(() => {
    // dist/ is built by `npm ci` (prepare); build it here too when a developer runs the tests on a fresh tree.
    if (!existsSync(resolve(root, 'dist/index.js'))) {
      execFileSync(process.execPath, [resolve(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root });
    }
  });

  it("loads with import 'segkit' from ESM and require('segkit') from CommonJS, with the same exports", () => {
    const esm = node(
      "const m = await import('segkit'); console.log(JSON.stringify(Object.keys(m).sort()))",
      'module',
    );
    const cjs = node("console.log(JSON.stringify(Object.keys(require('segkit')).sort()))", 'commonjs');
    expect(JSON.parse(esm)).toEqual(JSON.parse(cjs));
    expect(JSON.parse(esm).length).toBeGreaterThan(0);
  });

  it('loads segkit/io and segkit/tfjs from CommonJS and ESM (ESM-only dependencies are bundled)', () => {
    for (const sub of ['segkit/io', 'segkit/tfjs']) {
      const cjs = node(`console.log(Object.keys(require('${sub}')).length)`, 'commonjs');
      const esm = node(`const m = await import('${sub}'); console.log(Object.keys(m).length)`, 'module');
      expect(Number(cjs), sub).toBeGreaterThan(0);
      expect(cjs, sub).toBe(esm);
    }
    expect(readFileSync(resolve(root, 'dist/io.cjs'), 'utf8')).not.toMatch(
      /require\(["'](fast-png|iobuffer|nifti-reader-js)["']\)/,
    );
  });

  it('keeps TensorFlow.js and Node built-ins out of the core entry point', () => {
    for (const file of ['dist/index.js', 'dist/index.cjs']) {
      const text = readFileSync(resolve(root, file), 'utf8');
      expect(text, file).not.toMatch(/@tensorflow\//);
      expect(text, file).not.toMatch(/from ['"]node:|require\(['"]node:/);
    }
  });

  it('exports exactly the documented names (an API change shows here in review)', async () => {
    const core = await import('../../src/index.js');
    expect(Object.keys(core).sort()).toEqual(CORE_EXPORTS);
  });

  it('reports the version of package.json, which the CLI package (packages/cli) shares', () => {
    expect(VERSION).toBe(pkg.version);
    const cli = JSON.parse(readFileSync(resolve(root, 'packages/cli/package.json'), 'utf8')) as {
      version: string;
    };
    expect(cli.version).toBe(pkg.version);
  });
});
