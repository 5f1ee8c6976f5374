/**
 * Colour → class tables for RGB(A) masks.
 * @module
 */
import { DataError } from './errors.js';
import { hex } from './decodePng.js';
import type { Palette } from './types.js';

const FN = 'parsePalette';

/**
 * Parses a palette file (JSON) into a colour → class table. Two forms are accepted:
 * - an array of colours, the index being the class: `[[0, 0, 0], [255, 0, 0], "#00ff00"]`;
 * - an object from class to colour: `{ "0": "#000000", "1": [255, 0, 0] }`.
 * A colour is `[r, g, b]` (integers 0–255; a fourth alpha entry is allowed and ignored) or `"#rrggbb"`. Two
 * classes with one colour are an error.
 * @param text - the file's content.
 * @param file - the name to show in error messages.
 * @throws DataError naming `file` and the entry at fault.
 * @example parsePalette('[[0,0,0],[255,0,0]]', 'palette.json').classes.get(0xff0000) // 1
 */
export function parsePalette(text: string, file: string): Palette {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DataError(`${FN}: cannot read '${file}' as JSON: ${(cause as Error).message}.`, {
      file,
      cause,
    });
  }
  let entries: [string, unknown][];
  if (Array.isArray(json)) entries = json.map((c, i) => [String(i), c]);
  else if (json !== null && typeof json === 'object') entries = Object.entries(json);
  else {
    throw new DataError(
      `${FN}: '${file}' must hold an array of colours or an object from class to colour; got ${typeof json}.`,
      { file },
    );
  }
  if (entries.length === 0) throw new DataError(`${FN}: '${file}' must list at least one colour.`, { file });
  const classes = new Map<number, number>();
  for (const [k, colour] of entries) {
    const cls = Number(k);
    if (!Number.isInteger(cls) || cls < 0 || cls > 65535) {
      throw new DataError(`${FN}: '${file}': class keys must be integers in [0, 65535]; got '${k}'.`, {
        file,
      });
    }
    const key = colourKey(colour);
    if (key === undefined) {
      throw new DataError(
        `${FN}: '${file}': the colour of class ${cls} must be [r, g, b] with integers in [0, 255] or "#rrggbb"; got ${JSON.stringify(colour)}.`,
        { file },
      );
    }
    const other = classes.get(key);
    if (other !== undefined) {
      throw new DataError(`${FN}: '${file}': classes ${other} and ${cls} have the same colour ${hex(key)}.`, {
        file,
      });
    }
    classes.set(key, cls);
  }
  return { classes };
}

function colourKey(c: unknown): number | undefined {
  if (typeof c === 'string') {
    const m = /^#([0-9a-f]{6})$/i.exec(c.trim());
    return m ? parseInt(m[1], 16) : undefined;
  }
  if (Array.isArray(c) && (c.length === 3 || c.length === 4)) {
    if (!c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255)) return undefined;
    return (c[0] << 16) | (c[1] << 8) | c[2];
  }
  return undefined;
}
