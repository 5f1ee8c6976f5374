/**
 * `segkit eval` refuses an option that would change no number (a usage error naming the metric it needs), as it
 * did for --tolerance, --surface, --bootstrap, --connectivity: --beta without fbeta, --percentile and --pooling
 * without hd95 used to be accepted and ignored (`--beta 2 --metrics dice` reported F1 as "dice").
 */
import { describe, expect, it } from 'vitest';
import { parseEvalOptions, parseWeightsOptions } from '../../src/cli/eval/options.js';
import { UsageError } from '../../src/cli/errors.js';

const parse = (extra: Record<string, string>) =>
  parseEvalOptions({ gt: 'g', pred: 'p', numClasses: '3', workers: '0', ...extra });

describe('segkit eval: options that need a metric', () => {
  it.each([
    [{ beta: '2' }, /^--beta is only used with --metrics fbeta \(dice is F1 whatever --beta says\)\.$/],
    [{ beta: '2', metrics: 'dice,iou' }, /^--beta is only used with --metrics fbeta/],
    [
      { percentile: '90' },
      /^--percentile is only used with --metrics hd95 \(the percentile Hausdorff distance\)\.$/,
    ],
    [{ percentile: '90', metrics: 'dice,hd' }, /^--percentile is only used with --metrics hd95/],
    [{ pooling: 'pooled', metrics: 'hd,assd' }, /^--pooling is only used with --metrics hd95/],
  ])('%o is a usage error', (extra, message) => {
    expect(() => parse(extra)).toThrow(UsageError);
    expect(() => parse(extra)).toThrow(message);
  });

  it('with their metric they are read', () => {
    expect(parse({ beta: '2', metrics: 'fbeta' }).settings.beta).toBe(2);
    const s = parse({ percentile: '90', pooling: 'pooled', metrics: 'dice,hd95' }).settings;
    expect([s.percentile, s.pooling]).toEqual([90, 'pooled']);
    expect(parse({}).settings).toMatchObject({ beta: 1, percentile: 95, pooling: 'max-of-directed' });
  });
});

describe('segkit weights --beta', () => {
  it('names the same range, [0, 1), for every refused value', () => {
    for (const v of ['1', '1.5', '-0.1', 'x', ''])
      expect(() =>
        parseWeightsOptions({ masks: 'm', numClasses: '3', method: 'effective', beta: v }),
      ).toThrow(`--beta must be a number in [0, 1); got ${JSON.stringify(v)}.`);
    expect(parseWeightsOptions({ masks: 'm', numClasses: '3', method: 'effective', beta: '0.99' }).beta).toBe(
      0.99,
    );
  });
});
