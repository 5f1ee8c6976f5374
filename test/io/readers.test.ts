import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DataError,
  checkLabels,
  decodeMask,
  encodeNifti,
  formatIndex,
  listMasks,
  maskKey,
  pairMasks,
  parsePalette,
  readMask,
  writeFilesAtomic,
} from '../../src/io/index.js';
import { blocks, grayPng, niftiFile, palettePng, put, rgbPng, tempDir } from './fixtures.js';

const W = 9;
const H = 5;
const labels = blocks(W, H, 4);
const COLOURS = [
  [0, 0, 0],
  [255, 0, 0],
  [0, 255, 0],
  [0, 0, 255],
];
const tmp = tempDir();
afterAll(tmp.cleanup);

describe('decodeMask(bytes, name) for PNG', () => {
  for (const depth of [1, 2, 4, 8, 16] as const) {
    it(`reads ${depth}-bit grayscale values as classes`, () => {
      const values = labels.map((v) => (depth === 1 ? v % 2 : v));
      const m = decodeMask(grayPng(values, W, H, depth), 'a.png');
      expect(m.shape).toEqual([H, W]);
      expect(Array.from(m.data)).toEqual(Array.from(values));
      expect(m.spacing).toBeUndefined();
      expect(m.format).toBe('png');
    });
  }

  it('reads palette indices as classes, whatever the colours', () => {
    const m = decodeMask(palettePng(labels, W, H, COLOURS), 'p.png');
    expect(Array.from(m.data)).toEqual(Array.from(labels));
  });

  it('rejects an RGB mask without a palette, saying --palette is needed', () => {
    expect(() => decodeMask(rgbPng(labels, W, H, COLOURS), 'gt/rgb.png')).toThrow(
      /readMask: 'gt\/rgb.png' is an RGB image; colour masks need --palette FILE/,
    );
  });

  it('maps RGB and RGBA colours through a palette (alpha ignored)', () => {
    const palette = parsePalette(JSON.stringify(COLOURS), 'palette.json');
    for (const channels of [3, 4] as const) {
      const m = decodeMask(rgbPng(labels, W, H, COLOURS, channels), 'rgb.png', { palette });
      expect(Array.from(m.data)).toEqual(Array.from(labels));
    }
  });

  it('names a colour the palette lacks and its first position', () => {
    const palette = parsePalette(JSON.stringify(COLOURS.slice(0, 3)), 'palette.json');
    const first = labels.indexOf(3);
    expect(() => decodeMask(rgbPng(labels, W, H, COLOURS), 'rgb.png', { palette })).toThrow(
      `readMask: 'rgb.png' has the colour #0000ff at ${formatIndex(first, [H, W])}, which the palette does not list.`,
    );
  });

  it('rejects a file that is not a PNG and a truncated PNG, naming the file', () => {
    expect(() => decodeMask(new TextEncoder().encode('hello world'), 'gt/a.png')).toThrow(
      "readMask: cannot decode 'gt/a.png' as PNG: it does not start with the PNG signature.",
    );
    const png = grayPng(labels, W, H);
    expect(() => decodeMask(png.subarray(0, png.length - 20), 'gt/a.png')).toThrow(
      /readMask: cannot decode 'gt\/a.png' as PNG: the file ends early/,
    );
  });

  it('rejects an absurd size in the header before allocating', () => {
    const png = grayPng(labels, W, H);
    const big = png.slice();
    new DataView(big.buffer).setUint32(16, 100000);
    new DataView(big.buffer).setUint32(20, 100000);
    expect(() => decodeMask(big, 'big.png')).toThrow(/its size 100000×100000 must be non-empty and at most/);
  });

  it('wraps the decoder error as cause', () => {
    const png = grayPng(labels, W, H).slice();
    png[40] ^= 0xff;
    try {
      decodeMask(png, 'x.png');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect((e as DataError).cause).toBeInstanceOf(Error);
      expect((e as DataError).file).toBe('x.png');
    }
  });
});

describe('decodeMask(bytes, name) for NIfTI-1', () => {
  const vol = blocks(6, 5, 3, 1, 4);
  const shape = [4, 5, 6];

  it('reads .nii and .nii.gz with shape [z, y, x] and spacing from pixdim', () => {
    for (const [name, gzip] of [
      ['v.nii', false],
      ['v.nii.gz', true],
    ] as const) {
      const m = decodeMask(encodeNifti({ data: vol, shape, spacing: [2, 0.5, 0.75] }, { gzip }), name);
      expect(m.shape).toEqual(shape);
      expect(m.spacing).toEqual([2, 0.5, 0.75]);
      expect(Array.from(m.data)).toEqual(Array.from(vol));
      expect(m.format).toBe('nifti');
    }
  });

  it('reads every integer datatype, big-endian files, and integral floats', () => {
    for (const Ctor of [
      Int8Array,
      Uint8Array,
      Int16Array,
      Uint16Array,
      Int32Array,
      Uint32Array,
      Float32Array,
      Float64Array,
    ]) {
      const data = Ctor.from(vol);
      for (const bigEndian of [false, true]) {
        const m = decodeMask(encodeNifti({ data, shape }, { bigEndian }), 'v.nii');
        expect(Array.from(m.data), `${Ctor.name} bigEndian=${bigEndian}`).toEqual(Array.from(vol));
      }
    }
  });

  it('rejects non-integer labels, naming the voxel', () => {
    const data = Float32Array.from(vol);
    data[7] = 0.5;
    expect(() => decodeMask(encodeNifti({ data, shape }), 'v.nii')).toThrow(
      "readMask: 'v.nii' must hold integer labels; got 0.5 at (x=1, y=1, z=0).",
    );
  });

  it('accepts trailing axes of extent 1 and 2-D volumes', () => {
    const bytes = encodeNifti({ data: vol, shape });
    const v = new DataView(bytes.buffer);
    v.setInt16(40, 5, true);
    v.setInt16(48, 1, true);
    v.setInt16(50, 1, true);
    expect(decodeMask(bytes, 'v.nii').shape).toEqual(shape);
    expect(decodeMask(encodeNifti({ data: vol.subarray(0, 30), shape: [5, 6] }), 'v.nii').shape).toEqual([
      5, 6,
    ]);
  });

  it('rejects truncated, garbled, NIfTI-2 and 4-D files with a message naming the file', () => {
    const bytes = encodeNifti({ data: vol, shape });
    expect(() => decodeMask(bytes.subarray(0, bytes.length - 10), 'gt/v.nii')).toThrow(
      /readMask: cannot decode 'gt\/v.nii' as NIfTI-1: the file ends early \(truncated\?\)/,
    );
    expect(() => decodeMask(bytes.subarray(0, 100), 'gt/v.nii')).toThrow(/the file ends early \(100 bytes/);
    const gz = encodeNifti({ data: vol, shape }, { gzip: true });
    expect(() => decodeMask(gz.subarray(0, gz.length - 12), 'gt/v.nii.gz')).toThrow(
      /readMask: cannot decode 'gt\/v.nii.gz' as gzip-compressed NIfTI: the file ends early/,
    );
    const two = bytes.slice();
    new DataView(two.buffer).setInt32(0, 540, true);
    expect(() => decodeMask(two, 'v.nii')).toThrow(/it is a NIfTI-2 file; only NIfTI-1 is supported/);
    const four = bytes.slice();
    new DataView(four.buffer).setInt16(40, 4, true);
    new DataView(four.buffer).setInt16(48, 2, true);
    expect(() => decodeMask(four, 'v.nii')).toThrow(
      /a label volume must be 2-D or 3-D; got dims \[6, 5, 4, 2\]/,
    );
    const rgb = bytes.slice();
    new DataView(rgb.buffer).setInt16(70, 128, true);
    expect(() => decodeMask(rgb, 'v.nii')).toThrow(/datatype 128 is not a label type/);
  });
});

describe('readMask(path)', () => {
  it('reads a file and names a missing or unreadable one', async () => {
    const path = join(tmp.dir, 'r', 'a.png');
    put(path, grayPng(labels, W, H));
    expect((await readMask(path)).shape).toEqual([H, W]);
    await expect(readMask(join(tmp.dir, 'r', 'nope.png'))).rejects.toThrow(
      /readMask: cannot read '.*nope.png': no such file./,
    );
    await expect(readMask(join(tmp.dir, 'r', 'a.txt'))).rejects.toThrow(/cannot read/);
    if (process.getuid?.() !== 0) {
      chmodSync(path, 0o000);
      await expect(readMask(path)).rejects.toThrow(/permission denied/);
      chmodSync(path, 0o644);
    }
  });

  it('decodes by extension, case-insensitively', () => {
    expect(decodeMask(niftiFile(labels, [H, W], undefined, true), 'A.NII.GZ').shape).toEqual([H, W]);
    expect(() => decodeMask(new Uint8Array(4), 'a.bmp')).toThrow(
      "readMask: 'a.bmp' must end in .png, .nii or .nii.gz.",
    );
  });
});

describe('listMasks(dir) and pairMasks(gt, pred)', () => {
  it('keys files by relative path without extension, recursively, skipping hidden and other files', async () => {
    const d = join(tmp.dir, 'list');
    for (const f of ['b.png', 'a.nii.gz', 'sub/c.nii', 'notes.txt', '.hidden.png']) put(join(d, f), '');
    expect(await listMasks(d)).toEqual([
      { key: 'a', file: 'a.nii.gz', size: 0 },
      { key: 'b', file: 'b.png', size: 0 },
      { key: 'sub/c', file: 'sub/c.nii', size: 0 },
    ]);
    expect(maskKey('x/y.PNG')).toBe('x/y');
    expect(maskKey('x/y.jpg')).toBeUndefined();
  });

  it('refuses two files with one key', async () => {
    const d = join(tmp.dir, 'dup');
    put(join(d, 'a.png'), '');
    put(join(d, 'a.nii'), '');
    await expect(listMasks(d)).rejects.toThrow(/'.*a.nii' and '.*a.png' pair with the same name; keep one./);
  });

  it('pairs across formats and lists what is missing and extra', () => {
    const gt = [
      { key: 'a', file: 'a.png' },
      { key: 'b', file: 'b.nii.gz' },
      { key: 'c', file: 'c.png' },
    ];
    const pred = [
      { key: 'a', file: 'a.png' },
      { key: 'b', file: 'b.nii' },
      { key: 'd', file: 'd.png' },
    ];
    expect(pairMasks(gt, pred)).toEqual({
      pairs: [
        { key: 'a', gt: 'a.png', pred: 'a.png' },
        { key: 'b', gt: 'b.nii.gz', pred: 'b.nii' },
      ],
      missing: ['c.png'],
      extra: ['d.png'],
    });
  });
});

describe('writeFilesAtomic(files)', () => {
  it('writes every file and leaves no temporary file', async () => {
    const d = join(tmp.dir, 'w');
    mkdirSync(d);
    await writeFilesAtomic([
      [join(d, 'a.json'), '{}'],
      [join(d, 'b.csv'), 'x'],
    ]);
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.csv']);
    expect(readFileSync(join(d, 'b.csv'), 'utf8')).toBe('x');
  });

  it('writes nothing when one file cannot be written', async () => {
    const d = join(tmp.dir, 'w2');
    mkdirSync(d);
    writeFileSync(join(d, 'a.json'), 'old');
    await expect(
      writeFilesAtomic([
        [join(d, 'a.json'), 'new'],
        [join(d, 'missing', 'b.csv'), 'x'],
      ]),
    ).rejects.toThrow(/writeFileAtomic: cannot write '.*b.csv': its folder does not exist./);
    expect(readdirSync(d)).toEqual(['a.json']);
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe('old');
    expect(existsSync(join(d, 'missing'))).toBe(false);
  });

  // As root (others get EACCES there): procfs answers ENOENT to a new file in a folder that exists.
  it.skipIf(!existsSync('/proc/self') || process.getuid?.() !== 0)(
    'a folder that exists but makes no files (procfs) is not called missing',
    async () => {
      await expect(writeFilesAtomic([['/proc/segkit-audit.json', 'x']])).rejects.toThrow(
        "writeFileAtomic: cannot write '/proc/segkit-audit.json': its folder does not take new files (ENOENT).",
      );
    },
  );
});

describe('parsePalette(text, file)', () => {
  it('reads an array of colours or an object from class to colour', () => {
    expect([...parsePalette('[[0,0,0],"#FF0000"]', 'p').classes]).toEqual([
      [0, 0],
      [0xff0000, 1],
    ]);
    expect([...parsePalette('{"3": [0, 0, 255, 255], "7": "#00ff00"}', 'p').classes]).toEqual([
      [0xff, 3],
      [0xff00, 7],
    ]);
  });

  it('names the file and the entry at fault', () => {
    expect(() => parsePalette('{', 'p.json')).toThrow(/parsePalette: cannot read 'p.json' as JSON/);
    expect(() => parsePalette('[[0,0,300]]', 'p.json')).toThrow(
      'parsePalette: \'p.json\': the colour of class 0 must be [r, g, b] with integers in [0, 255] or "#rrggbb"; got [0,0,300].',
    );
    expect(() => parsePalette('[[1,2,3],[1,2,3]]', 'p.json')).toThrow(
      "parsePalette: 'p.json': classes 0 and 1 have the same colour #010203.",
    );
    expect(() => parsePalette('{"x": [1,2,3]}', 'p.json')).toThrow(
      /class keys must be integers in \[0, 65535\]; got 'x'/,
    );
    expect(() => parsePalette('[]', 'p.json')).toThrow(/must list at least one colour/);
  });
});

describe('checkLabels(data, shape, numClasses, ignoreIndex, file)', () => {
  it('names the file, the value and its first position', () => {
    const data = new Uint8Array(12);
    data[7] = 5;
    data[9] = 6;
    expect(() => checkLabels(data, [3, 4], 3, undefined, 'gt/a.png', '--num-classes')).toThrow(
      "'gt/a.png' has label 5 at (x=3, y=1); labels must be in [0, 2] (--num-classes 3).",
    );
    data[7] = 255;
    data[9] = 0;
    expect(() => checkLabels(data, [3, 4], 3, 255, 'gt/a.png')).not.toThrow();
  });
});
