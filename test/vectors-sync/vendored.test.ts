/**
 * The vendored reference vectors and benchmark workloads (test/vectors, bench/reference) against their
 * manifest, and, when ../shared exists beside the repository, against ../shared file for file.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { manifest } from '../helpers/vectors.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const shared = resolve(root, '../shared');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []))
    .sort();
}

/** The uncompressed bytes of a vendored file. */
function vendoredBytes(rel: string): Buffer {
  const raw = readFileSync(join(root, rel));
  return rel.endsWith('.gz') ? gunzipSync(raw) : raw;
}

const files = manifest();

describe('vendored reference vectors (test/vectors, bench/reference)', () => {
  it('the manifest lists every vendored file and no other', () => {
    const onDisk = [...walk(join(root, 'test/vectors')), ...walk(join(root, 'bench/reference'))]
      .map((p) => relative(root, p))
      .filter((p) => p !== 'test/vectors/MANIFEST.json')
      .sort();
    expect(onDisk).toEqual(Object.keys(files).sort());
  });

  it('pins the vendored set: four reference libraries, the vectors README and both bench files', () => {
    const folders = new Set(Object.values(files).map((f) => f.upstream.split('/').slice(0, 2).join('/')));
    expect([...folders].sort()).toEqual([
      'bench/baseline.md',
      'bench/workloads.json',
      'vectors/README.md',
      'vectors/monai',
      'vectors/sm',
      'vectors/smp',
      'vectors/surface_distance',
    ]);
    // Grows with new upstream vectors (then update this count in the sync commit); never shrinks silently.
    expect(Object.keys(files).length).toBe(50);
  });

  it.each(Object.entries(files))('%s decompresses to the recorded upstream bytes', (rel, entry) => {
    const bytes = vendoredBytes(rel);
    expect(bytes.length).toBe(entry.bytes);
    expect(sha256(bytes)).toBe(entry.sha256);
  });

  const haveShared = existsSync(join(shared, 'vectors'));
  it(
    haveShared
      ? 'equals ../shared file for file (vectors/ and bench/)'
      : 'compared nothing: ../shared is not beside the repository (a lone clone); the manifest checks above still ran',
    () => {
      if (!haveShared) {
        console.warn(
          `vectors-sync: ${shared} not found; the vendored copy was compared with nothing upstream.`,
        );
        expect(existsSync(join(shared, 'vectors'))).toBe(false);
        return;
      }
      const upstream = [...walk(join(shared, 'vectors')), ...walk(join(shared, 'bench'))].map((p) =>
        relative(shared, p),
      );
      const recorded = Object.values(files)
        .map((f) => f.upstream)
        .sort();
      expect(upstream.sort(), 'run npm run vectors:sync: the file lists differ').toEqual(recorded);
      for (const [rel, entry] of Object.entries(files)) {
        const up = readFileSync(join(shared, entry.upstream));
        expect(vendoredBytes(rel).equals(up), `${rel} differs from ../shared/${entry.upstream}`).toBe(true);
      }
    },
  );
});
