/**
 * The two published packages, installed as a user installs them: `npm pack` of the library (the repository
 * root, `segkit`) and of the command line (`packages/cli`, `@segkit/cli`) into a temporary folder, each tarball
 * installed into an empty project (`npm install --offline`: from npm's cache, which `npm ci` filled; the registry
 * only when the cache lacks a package). The library must bring at most 1 MB beyond its own files (issue 13 part
 * 2), and its three entry points must load from the tarball; the CLI's bin must run.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as core from '../../src/index.js';
import { VERSION } from '../../src/cli/version.js';
import { ensureBuilt, root } from '../cli/helpers.js';
import { tempDir } from '../io/fixtures.js';

const MB = 1024 * 1024;
const TFJS = /^@tensorflow\//;

const npm = (args: readonly string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync('npm', ['--no-audit', '--no-fund', '--loglevel=error', ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 120_000,
  });

/** `npm pack` of the package in `dir` into `dest`, without its build scripts (dist/ is built); the tarball path. */
function pack(dir: string, dest: string): string {
  const r = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dest], dir);
  if (r.status !== 0) throw new Error(`npm pack in ${dir} failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout) as { filename: string }[];
  return join(dest, info.filename);
}

/** npm's error codes when the registry cannot be reached (or the cache lacks a package, offline). */
const UNREACHABLE =
  /ENOTCACHED|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH/;

/**
 * Installs `tarball` into a new empty project `dir`: from the cache first, then from the registry. Resolves with
 * `null` when neither works because the registry is unreachable; any other failure throws.
 */
function install(dir: string, tarball: string): string | null {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'probe', version: '1.0.0', private: true }),
  );
  const offline = npm(['install', '--offline', tarball], dir);
  if (offline.status === 0) return 'cache';
  const online = npm(['install', '--prefer-offline', tarball], dir);
  if (online.status === 0) return 'registry';
  if (UNREACHABLE.test(online.stderr)) return null;
  throw new Error(`npm install ${tarball} failed:\n${offline.stderr}\n${online.stderr}`);
}

/** Bytes of the regular files under `dir` (symbolic links not followed). */
function bytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += bytes(p);
    else if (e.isFile()) total += lstatSync(p).size;
  }
  return total;
}

/** The installed packages of a project (`@scope/name` or `name`) and their bytes, segkit's own files included. */
function installed(project: string): Map<string, number> {
  const modules = join(project, 'node_modules');
  const out = new Map<string, number>();
  for (const e of readdirSync(modules, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const names = e.name.startsWith('@')
      ? readdirSync(join(modules, e.name)).map((n) => `${e.name}/${n}`)
      : [e.name];
    for (const name of names) out.set(name, bytes(join(modules, name)));
  }
  return out;
}

function node(code: string, cwd: string, type: 'module' | 'commonjs' = 'module'): SpawnSyncReturns<string> {
  const args = type === 'module' ? ['--input-type=module', '-e', code] : ['-e', code];
  return spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 60_000 });
}

const tmp = tempDir('segkit-pack-');
let library = '';
let cli = '';

beforeAll(() => {
  ensureBuilt(); // dist/ (library) and packages/cli/dist/ (command line), as `npm run build` makes them
  library = pack(root, tmp.dir);
  cli = pack(resolve(root, 'packages/cli'), tmp.dir);
}, 180_000);

afterAll(() => tmp.cleanup());

describe('npm install segkit (the packed library)', () => {
  const project = join(tmp.dir, 'lib');
  let source: string | null = null;
  beforeAll(() => {
    source = install(project, library);
  }, 180_000);

  it('adds at most 1 MB of dependencies beyond segkit’s own files, and no TensorFlow.js', () => {
    // The library has no dependency (nifti-reader-js and fflate are bundled into dist/io.*), so nothing but segkit
    // needs the cache or the registry.
    expect(source).toBe('cache');
    const packages = installed(project);
    expect([...packages.keys()]).toContain('segkit');
    const others = [...packages].filter(([name]) => name !== 'segkit');
    const extra = others.reduce((sum, [, size]) => sum + size, 0);
    console.info(
      `npm install segkit: segkit ${(packages.get('segkit')! / MB).toFixed(2)} MB; beyond it ${others.length} package(s), ${extra} bytes`,
    );
    expect(extra).toBeLessThanOrEqual(1 * MB);
    expect(others.map(([name]) => name).filter((n) => TFJS.test(n))).toEqual([]);
    for (const file of [
      'LICENSE',
      'NOTICE.md',
      'README.md',
      'dist/index.js',
      'dist/io.cjs',
      'dist/tfjs.d.ts',
    ]) {
      expect(existsSync(join(project, 'node_modules/segkit', file)), file).toBe(true);
    }
    // The command line is not in the library's tarball.
    expect(existsSync(join(project, 'node_modules/segkit/dist/cli')), 'dist/cli').toBe(false);
    expect(existsSync(join(project, 'node_modules/.bin/segkit')), '.bin/segkit').toBe(false);
  });

  it("loads import('segkit') and require('segkit') with the exports of src/index.ts", () => {
    const esm = node("console.log(JSON.stringify(Object.keys(await import('segkit')).sort()))", project);
    expect(esm.stderr).toBe('');
    expect(JSON.parse(esm.stdout)).toEqual(Object.keys(core).sort());
    const cjs = node(
      "console.log(JSON.stringify(Object.keys(require('segkit')).sort()))",
      project,
      'commonjs',
    );
    expect(JSON.parse(cjs.stdout)).toEqual(Object.keys(core).sort());
    // One number through the installed build: F1 of gt [1,1,0,0] and pr [1,0,0,0] is 2·1 / (2·1 + 1 + 0) (sm's
    // smooth 1e-5 moves it by 1e-6).
    const f1 = node(
      "const { fScore } = await import('segkit'); console.log(fScore.value({ data: [1, 1, 0, 0], shape: [1, 2, 2, 1] }, { data: [1, 0, 0, 0], shape: [1, 2, 2, 1] }))",
      project,
    );
    expect(f1.stderr).toBe('');
    expect(Number(f1.stdout)).toBeCloseTo((2 * 1) / (2 * 1 + 1 + 0), 5);
  });

  it('loads segkit/io (ESM and CommonJS) without any dependency installed', () => {
    const esm = node(
      "const io = await import('segkit/io'); console.log(typeof io.readMask, typeof io.encodeNifti)",
      project,
    );
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('function function');
    const cjs = node("const io = require('segkit/io'); console.log(typeof io.readMask)", project, 'commonjs');
    expect(cjs.stdout.trim()).toBe('function');
  });

  it('resolves segkit/tfjs; without TensorFlow.js importing it fails naming the missing peer, and only it', () => {
    const r = node("await import('segkit/tfjs')", project);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(
      /Cannot find package '@tensorflow\/tfjs-core' imported from .*segkit[\\/]dist[\\/]tfjs\.js/,
    );
    // The subpath itself resolves (the exports map points at a file of the tarball).
    const resolved = node("console.log(import.meta.resolve('segkit/tfjs'))", project);
    expect(resolved.stdout.trim()).toMatch(/node_modules\/segkit\/dist\/tfjs\.js$/);
  });
});

describe('npm install @segkit/cli (the packed command line)', () => {
  const project = join(tmp.dir, 'cli');
  let source: string | null = null;
  beforeAll(() => {
    source = install(project, cli);
    if (source === null) console.warn('@segkit/cli install test skipped: npm cannot reach the registry');
  }, 180_000);

  const segkit = (args: readonly string[]) =>
    spawnSync(join(project, 'node_modules/.bin/segkit'), args, {
      cwd: project,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('installs the `segkit` bin, which prints the version', (ctx) => {
    if (source === null) return ctx.skip('npm cannot reach the registry');
    const packages = installed(project);
    const total = [...packages.values()].reduce((a, b) => a + b, 0);
    console.info(
      `npm install @segkit/cli (${source}): ${packages.size} packages, ${(total / MB).toFixed(2)} MB`,
    );
    expect([...packages.keys()].filter((n) => TFJS.test(n))).toEqual([]);
    // It bundles the library's code, so it carries the same licence and notice.
    for (const file of ['LICENSE', 'NOTICE.md', 'README.md', 'dist/browser-demo/demo.js']) {
      expect(existsSync(join(project, 'node_modules/@segkit/cli', file)), file).toBe(true);
    }
    const r = segkit(['--version']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe(VERSION);
    expect(r.status).toBe(0);
  });

  it('runs `segkit eval` with a worker thread and writes the report from the installed package', (ctx) => {
    if (source === null) return ctx.skip('npm cannot reach the registry');
    // gt: rows 0–1 of a 4 × 4 mask are class 1 (8 px); pred: rows 0–2 (12 px). tp 8, fp 4, fn 0:
    // Dice = 2·8 / (2·8 + 4) = 0.8, IoU = 8 / 12.
    const mask = (rows: number) =>
      encode({
        width: 4,
        height: 4,
        depth: 8,
        channels: 1,
        data: Uint8Array.from({ length: 16 }, (_, i) => +(i < 4 * rows)),
      });
    mkdirSync(join(project, 'gt'));
    mkdirSync(join(project, 'pred'));
    writeFileSync(join(project, 'gt/a.png'), mask(2));
    writeFileSync(join(project, 'pred/a.png'), mask(3));
    const r = segkit([
      'eval',
      ...['--gt', 'gt', '--pred', 'pred', '--num-classes', '2', '--metrics', 'dice,iou'],
      ...['--workers', '1', '--json', '-', '--report', 'report.html', '--quiet'],
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { foregroundMean: { dice: number; iou: number } };
    expect(out.foregroundMean.dice).toBeCloseTo((2 * 8) / (2 * 8 + 4), 12);
    expect(out.foregroundMean.iou).toBeCloseTo(8 / 12, 12);
    // The inlined Chart.js, read from the installed dependencies, makes the report's size.
    expect(statSync(join(project, 'report.html')).size).toBeGreaterThan(200_000);
  });

  it('says how to install TensorFlow.js when `segkit demo` runs without it', (ctx) => {
    if (source === null) return ctx.skip('npm cannot reach the registry');
    const r = segkit(['demo', '--quiet']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/the demo needs TensorFlow\.js: npm install @tensorflow\/tfjs-core/);
  });
});
