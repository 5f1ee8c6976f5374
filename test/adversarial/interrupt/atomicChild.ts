/**
 * Child process of interrupt.test.ts: opens two atomic outputs in the folder given as argument, writes to them,
 * prints "ready" and waits to be interrupted (or commits when given "commit").
 */
import { join } from 'node:path';
import { AtomicFiles } from '../../../src/io/writeFileAtomic.js';

const [dir, mode] = process.argv.slice(2);
const files = new AtomicFiles();
files.write(files.open(join(dir, 'a.json')), '{"a":1}\n');
files.write(files.open(join(dir, 'b.csv')), 'a,b\n1,2\n');
if (mode === 'commit') {
  await files.commit();
  process.stdout.write('committed\n');
} else {
  process.stdout.write('ready\n');
  setInterval(() => undefined, 1000);
}
