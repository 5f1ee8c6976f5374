/**
 * The `segkit.eval` schema version 2 and the reading of version 1: a version 1 document is read as version 2
 * with `regions`, `lesions` and `panoptic` null; other versions and other documents are refused, naming the file.
 */
import { describe, expect, it } from 'vitest';
import { EVAL_SCHEMA_VERSION, parseEvalResult, upgradeSettings } from '../../src/cli/eval/schema.js';

/** A version 1 document as segkit 0.1 wrote it (abridged from docs/cli-json-schema.md, version 1). */
const V1 = {
  schema: 'segkit.eval',
  version: 1,
  segkit: '0.1.0',
  settings: {
    numClasses: 3,
    labels: ['bg', 'road', 'car'],
    ignoreIndex: null,
    metrics: ['dice'],
    includeBackground: false,
    reduction: 'macro-imagewise',
    bothEmpty: 'NaN',
    beta: 1,
    percentile: 95,
    pooling: 'max-of-directed',
    tolerance: null,
    surfaceDefinition: null,
    spacing: null,
  },
  dataset: { gt: 'gt', pred: 'pred', images: 1, missing: [], extra: [], pixels: 4, ignored: 0 },
  summary: { dice: { value: 0.5, reduction: 'macro-imagewise', skipped: 0 } },
  foregroundMean: { dice: 0.5 },
  classes: [],
  confusion: [],
  images: [],
};

describe('parseEvalResult', () => {
  it('writes version 2', () => {
    expect(EVAL_SCHEMA_VERSION).toBe(2);
  });

  it('reads a version 1 document as version 2 with regions, lesions and panoptic null', () => {
    const r = parseEvalResult(JSON.stringify(V1), 'old.json');
    expect(r.version).toBe(2);
    expect(r.regions).toBeNull();
    expect(r.lesions).toBeNull();
    expect(r.panoptic).toBeNull();
    expect(r.settings).toEqual({ ...V1.settings, regions: null, lesions: null, panoptic: null });
    expect(r.summary).toEqual(V1.summary);
  });

  it('reads a version 2 document unchanged', () => {
    const v2 = { ...V1, version: 2, regions: null, lesions: null, panoptic: null };
    v2.settings = upgradeSettings(V1.settings) as unknown as typeof V1.settings;
    expect(parseEvalResult(JSON.stringify(v2), 'new.json')).toEqual(v2);
  });

  it('refuses other versions, other documents and text that is not JSON, naming the file', () => {
    expect(() => parseEvalResult(JSON.stringify({ ...V1, version: 3 }), 'r.json')).toThrow(
      "'r.json' has schema version 3; this segkit reads versions 1 and 2.",
    );
    expect(() => parseEvalResult(JSON.stringify({ ...V1, schema: 'x' }), 'r.json')).toThrow(
      /'r.json' is not a segkit.eval document/,
    );
    expect(() => parseEvalResult('{', 'r.json')).toThrow(/'r.json' is not JSON/);
    expect(() => parseEvalResult(JSON.stringify({ ...V1, settings: null }), 'r.json')).toThrow(
      /'r.json' is incomplete/,
    );
  });

  it('upgradeSettings appends the new keys in the order segkit writes them, keeping given values', () => {
    expect(Object.keys(upgradeSettings(V1.settings)).slice(-3)).toEqual(['regions', 'lesions', 'panoptic']);
    const regions = [{ name: 'WT', labels: [1, 2] }];
    expect(upgradeSettings({ ...V1.settings, regions }).regions).toEqual(regions);
  });

  it('completes lesion and panoptic settings written before the BraTS options and instance maps', () => {
    // As segkit 0.2 (first state version 3) wrote them.
    const old = {
      ...V1.settings,
      regions: null,
      lesions: { connectivity: 6, iouThreshold: 0.5 },
      panoptic: { instances: 'components', connectivity: null },
    };
    const up = upgradeSettings(old);
    expect(up.lesions).toEqual({ connectivity: 6, iouThreshold: 0.5, dilation: 0, sizeThreshold: 0 });
    expect(up.panoptic).toEqual({ instances: 'components', connectivity: null, divisor: null, things: null });
    // Settings written now are left as they are (same keys, same order), so states compare equal as text.
    expect(JSON.stringify(upgradeSettings(up as unknown as Record<string, unknown>))).toBe(
      JSON.stringify(up),
    );
    const doc = { ...V1, version: 2, settings: old, regions: null, lesions: null, panoptic: null };
    expect(parseEvalResult(JSON.stringify(doc), 'v2.json').settings).toEqual(up);
  });
});
