import { diceLoss } from './src/index.ts';
const [name, runs = '7'] = process.argv.slice(2);
const shapes: Record<string, number[]> = { small: [8, 256, 256, 4], '3d': [2, 128, 128, 128, 3], large: [16, 512, 512, 8] };
const sh = shapes[name]; const E = sh.reduce((a, b) => a * b, 1); const C = sh[sh.length - 1];
let x = 1234; const u = () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 4294967296; };
const logits = new Float32Array(E); for (let i = 0; i < E; i++) logits[i] = 6 * u() - 3;
const gt = new Float32Array(E); for (let p = 0; p < E / C; p++) gt[p * C + Math.floor(u() * C)] = 1;
const P = E / C / sh[0];
const L = new Float32Array(E), G = new Float32Array(E);
for (let b = 0; b < sh[0]; b++) for (let p = 0; p < P; p++) for (let c = 0; c < C; c++) { L[b*P*C + c*P + p] = logits[b*P*C + p*C + c]; G[b*P*C + c*P + p] = gt[b*P*C + p*C + c]; }
const shF = [sh[0], C, ...sh.slice(1, -1)];
const dl = diceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsLast' });
const df = diceLoss({ preset: 'monai', fromLogits: true, layout: 'channelsFirst' });
const out = new Float32Array(E);
const tl: number[] = [], tf: number[] = [];
for (let i = 0; i < Number(runs) + 1; i++) {
  let a = performance.now(); dl.valueAndGrad({ data: gt, shape: sh }, { data: logits, shape: sh }, { out }); tl.push(performance.now() - a);
  a = performance.now(); df.valueAndGrad({ data: G, shape: shF }, { data: L, shape: shF }, { out }); tf.push(performance.now() - a);
}
const med = (v: number[]) => { const s = v.slice(1).sort((a, b) => a - b); return s[s.length >> 1].toFixed(1); };
console.log(name, 'NHWC', med(tl), 'NCHW', med(tf));
