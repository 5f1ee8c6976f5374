/**
 * segkit quickstart on generated data: sm's metrics, a loss with its gradient, class weights from counts,
 * and a few steps of gradient descent on the prediction.
 *
 *   node --import tsx examples/quickstart.ts
 */
import { ClassCounter, classWeights, diceLoss, fScore, iouScore, precision, recall } from '../src/index.js';

// A batch of 4 images, 32×32 pixels, 3 classes (channels-last, as Keras): a background, a large disc and a
// small square, so the classes are imbalanced.
const [N, H, W, C] = [4, 32, 32, 3];
const shape = [N, H, W, C];
const gt = new Float32Array(N * H * W * C);
const pr = new Float32Array(N * H * W * C);
let seed = 42;
const rand = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
for (let n = 0; n < N; n++) {
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const label = (x - 16) ** 2 + (y - 16) ** 2 < 80 ? 1 : x > 24 && y > 24 && x < 29 && y < 29 ? 2 : 0;
      const p = ((n * H + y) * W + x) * C;
      gt[p + label] = 1;
      // A noisy softmax prediction that is right most of the time.
      let sum = 0;
      for (let c = 0; c < C; c++) sum += pr[p + c] = Math.exp(2 * (c === label ? 1 : 0) + 1.5 * rand());
      for (let c = 0; c < C; c++) pr[p + c] /= sum;
    }
  }
}
const y = { data: gt, shape };
const p = { data: pr, shape };

console.log('metrics (sm defaults: smooth 1e-5, over the whole batch, mean over classes)');
for (const m of [fScore, fScore({ beta: 2 }), iouScore, iouScore({ threshold: 0.5 }), precision, recall]) {
  const perClass = m.perClass(y, p).map((v) => v.toFixed(3));
  console.log(`  ${m.name.padEnd(10)} ${m.value(y, p).toFixed(4)}  per class [${perClass.join(', ')}]`);
}

// Class weights from the training masks: inverse frequency, normalised to mean 1.
const counter = new ClassCounter(C).addOneHot(y);
const weights = classWeights(counter);
console.log(
  'pixels per class',
  counter.counts,
  '→ weights',
  weights.map((w) => w.toFixed(3)),
);

// Gradient descent on the prediction itself (a stand-in for a model's output).
const loss = diceLoss({ classWeights: weights });
const x = Float32Array.from(pr);
for (let step = 0; step <= 50; step++) {
  const { value, grad } = loss.valueAndGrad(y, { data: x, shape });
  if (step % 10 === 0) console.log(`step ${step}: ${loss.name} = ${value.toFixed(4)}`);
  for (let i = 0; i < x.length; i++) x[i] = Math.min(1, Math.max(0, x[i] - 200 * grad[i]));
}
