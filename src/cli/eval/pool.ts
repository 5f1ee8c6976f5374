/**
 * Runs decode-and-measure tasks in a piscina worker-thread pool (or in the main thread with 0 workers) and
 * hands the results back in task order.
 * @module
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { handleTask } from './worker.js';
import type { Task, TaskResult } from './worker.js';

/** Where the worker code lives: `dist/cli/eval-worker.js` beside the built CLI, or the TypeScript source (tests). */
function workerFile(): { filename: string; execArgv: string[] } {
  const built = new URL('./eval-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return { filename: built.href, execArgv: [] };
  const source = new URL('./worker.ts', import.meta.url);
  if (existsSync(fileURLToPath(source))) return { filename: source.href, execArgv: ['--import', 'tsx'] };
  throw new Error(`segkit: the worker file ${fileURLToPath(built)} is missing; reinstall segkit.`);
}

/** Options of {@link runTasks}. */
export interface RunTasksOptions<T extends Task = Task> {
  /** Worker threads; 0 runs every task in the calling thread. */
  workers: number;
  /** Called once per finished task, in completion order, with its result (progress bar, streaming sums). */
  onDone?: (result: TaskResult<T>) => void;
}

/**
 * Runs every task and returns the results in task order. The first failing task rejects the whole run and
 * the pool is torn down (pending tasks are dropped).
 * @example const results = await runTasks(tasks, { workers: 2 })
 */
export async function runTasks<T extends Task>(
  tasks: readonly T[],
  options: RunTasksOptions<T>,
): Promise<TaskResult<T>[]> {
  if (options.workers === 0) {
    const out: TaskResult<T>[] = [];
    for (const t of tasks) {
      const r = handleTask(t) as TaskResult<T>;
      options.onDone?.(r);
      out.push(r);
      // Let the event loop breathe (progress bar, signals) between tasks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return out;
  }
  const { filename, execArgv } = workerFile();
  const pool = new Piscina({
    filename,
    execArgv,
    minThreads: options.workers,
    maxThreads: options.workers,
    idleTimeout: 1000,
  });
  try {
    return await Promise.all(
      tasks.map(async (t) => {
        const r = (await pool.run(t)) as TaskResult<T>;
        options.onDone?.(r);
        return r;
      }),
    );
  } finally {
    await pool.destroy();
  }
}
