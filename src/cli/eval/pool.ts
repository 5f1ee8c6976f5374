/**
 * Runs decode-and-measure tasks in a piscina worker-thread pool (or in the main thread with 0 workers) and
 * hands each result over in task order as soon as it and all earlier ones are done, so that the caller can
 * fold it and drop it: only a bounded window of tasks is in flight or waiting to be handed over.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { handleTask } from './worker.js';
import type { Task, TaskResult } from './worker.js';

/** Where the worker code lives: `dist/eval-worker.js` beside the built CLI (packages/cli), or the TypeScript source (tests). */
function workerFile(): { filename: string; execArgv: string[] } {
  const built = new URL('./eval-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return { filename: built.href, execArgv: [] };
  const source = new URL('./worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(source))) return { filename: source.href, execArgv: ['--import', 'tsx'] };
  throw new Error(`segkit: the worker file ${fileURLToPath(built)} is missing; reinstall @segkit/cli.`);
}

/** Options of {@link runTasks}. */
export interface RunTasksOptions<T extends Task = Task> {
  /** Worker threads; 0 runs every task in the calling thread. */
  workers: number;
  /**
   * Called once per task, in task order, with its result and its index (fold it into sums, stream it out);
   * the pool keeps no reference to a result after this call.
   */
  onResult: (result: TaskResult<T>, index: number) => void;
  /** Tasks submitted ahead of the oldest unfinished one, per worker. @default 64 */
  windowPerWorker?: number;
}

/** The `'_WORKER_READY'` message a piscina worker posts once its task module has loaded. */
const isReadyMessage = (m: unknown): boolean => m !== null && typeof m === 'object' && '_WORKER_READY' in m;

/**
 * Resolves when a worker has loaded its module (or has exited). Terminating a worker thread while it is still
 * instantiating its ES module graph aborts the whole process in Node 20 (`FATAL ERROR: v8::Module::IsGraphAsync
 * … must be used on an instantiated module`, exit 134): when the first task fails before every worker has
 * loaded, the pool must not be destroyed until they have.
 */
function loaded(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown): void => {
      if (isReadyMessage(m)) done();
    };
    const done = (): void => {
      worker.off('message', onMessage);
      worker.off('exit', done);
      resolve();
    };
    worker.on('message', onMessage);
    worker.on('exit', done);
  });
}

/**
 * Runs `tasks[0..n)` (made on demand by `taskAt`, so that a million tasks are never held at once) and calls
 * `onResult` in task order. At most `workers × windowPerWorker` tasks are submitted and not yet handed over.
 * The first failing task rejects the run: no further task is submitted, the tasks in flight are awaited, and
 * the pool is torn down only once every worker has finished loading.
 * @example await runTasks(n, (i) => tasks[i], { workers: 2, onResult: (r) => sums.add(r) })
 */
export async function runTasks<T extends Task>(
  n: number,
  taskAt: (index: number) => T,
  options: RunTasksOptions<T>,
): Promise<void> {
  if (options.workers === 0) {
    for (let i = 0; i < n; i++) {
      options.onResult(handleTask(taskAt(i)) as TaskResult<T>, i);
      // Let the event loop breathe (progress bar, signals) between tasks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return;
  }
  const { filename, execArgv } = workerFile();
  const pool = new Piscina({
    filename,
    execArgv,
    minThreads: options.workers,
    maxThreads: options.workers,
    idleTimeout: 1000,
  });
  // minThreads workers are created by the constructor; listen for their ready messages right away.
  const ready = Promise.all(pool.threads.map(loaded));
  let failure: { error: unknown } | undefined;
  // A message the pool cannot place (a result of a task it no longer tracks) is an 'error' event; without a
  // listener it would crash the process with a stack trace instead of the run's own error.
  pool.on('error', (error: unknown) => {
    failure ??= { error };
  });
  const window = options.workers * (options.windowPerWorker ?? 64);
  const done = new Map<number, TaskResult<T>>();
  let next = 0; // next index to submit
  let handed = 0; // next index to hand over
  let inFlight = 0;
  await new Promise<void>((resolve) => {
    const settle = (): void => {
      if (inFlight === 0 && (failure || handed === n)) resolve();
    };
    const submit = (): void => {
      while (!failure && next < n && next - handed < window) {
        const i = next++;
        inFlight++;
        (pool.run(taskAt(i)) as Promise<TaskResult<T>>).then(
          (r) => {
            inFlight--;
            if (!failure) {
              done.set(i, r);
              try {
                while (done.has(handed)) {
                  const result = done.get(handed)!;
                  done.delete(handed);
                  options.onResult(result, handed++);
                }
              } catch (error) {
                failure = { error };
              }
              submit();
            }
            settle();
          },
          (error: unknown) => {
            inFlight--;
            failure ??= { error };
            settle();
          },
        );
      }
      settle();
    };
    submit();
  });
  await ready;
  await pool.destroy();
  if (failure) throw failure.error;
}
