import { surfaceDistances } from '../src/core/evaluation/index.js';
import { blobMasks3d } from './datasets.js';
const { a, b, shape } = blobMasks3d();
const def = (process.env.DEF ?? 'surface-elements') as 'surface-elements';
for (let i = 0; i < 10; i++) {
  const t = performance.now();
  surfaceDistances({ data: a, shape }, { data: b, shape }, { percentile: 95, definition: def });
  console.log(def, (performance.now() - t).toFixed(1));
}
