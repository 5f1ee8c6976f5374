/**
 * Reading a `segkit compare --json` document: versions 1 and 2 of schema `segkit.compare`.
 *
 * Version 2 (regions and lesion measures in `segkit compare`) gave every row two keys, `section` ("class",
 * "region" or "lesion") and `region` (the region's name, else null), widened `metric` to the lesion-wise
 * measures and named the wider Holm family in `statistics.test.family`. A version 1 document only ever held
 * class rows, so it reads as version 2 with `section: "class"` and `region: null` on every row.
 * @module
 */
import { DataError } from '../../io/errors.js';
import { readDocument, upgradeSettings } from '../eval/schema.js';
import type { CompareRow } from './stats.js';
import type { CompareResult } from './types.js';

/** The version of `segkit.compare` this segkit writes. */
export const COMPARE_SCHEMA_VERSION = 2;

/**
 * Reads a `segkit.compare` document of version 1 or 2 and returns it as version 2 (see the module comment for
 * what version 1 rows become; its `settings` are upgraded as `segkit.eval` version 1 settings are).
 * @param file - named in the error messages.
 * @throws DataError naming the file when the text is not JSON, not a `segkit.compare` document, or of
 * another version.
 * @example parseCompareResult(readFileSync('cmp.json', 'utf8'), 'cmp.json').version // 2
 */
export function parseCompareResult(text: string, file: string): CompareResult {
  const doc = readDocument(text, file, 'segkit.compare', COMPARE_SCHEMA_VERSION);
  const comparisons = doc.comparisons as { rows?: unknown }[] | undefined;
  const settings = doc.settings as Record<string, unknown> | undefined;
  if (
    !Array.isArray(comparisons) ||
    !comparisons.every((c) => c !== null && typeof c === 'object' && Array.isArray(c.rows)) ||
    settings === null ||
    typeof settings !== 'object'
  ) {
    throw new DataError(`'${file}' is incomplete (settings, comparisons[].rows).`, { file });
  }
  if (doc.version === COMPARE_SCHEMA_VERSION) return doc as unknown as CompareResult;
  return {
    ...doc,
    version: COMPARE_SCHEMA_VERSION,
    settings: upgradeSettings(settings),
    comparisons: comparisons.map((c) => ({
      ...c,
      rows: (c.rows as Omit<CompareRow, 'section' | 'region'>[]).map(({ metric, class: k, ...rest }) => ({
        section: 'class',
        metric,
        class: k,
        region: null,
        ...rest,
      })),
    })),
  } as unknown as CompareResult;
}
