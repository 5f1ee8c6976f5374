/**
 * Scratch arrays kept by a loss instance between calls.
 * @module
 */

/** The typed arrays a scratch holds. */
export type ScratchArray = Float32Array | Float64Array | Int32Array | Uint32Array | Uint8Array;

/**
 * Arrays a loss reuses from call to call (grown to the largest input), so that a call allocates none that
 * grows with the input: each first touch of fresh memory costs page faults (about 3 ms per MB on the shared VM).
 * @example new ArrayScratch().take('d', 4, (n) => new Float64Array(n)).length // 4
 */
export class ArrayScratch {
  private readonly slots = new Map<string, ScratchArray>();
  /** A view of `n` entries of the slot's array, grown when needed; its contents are left over. */
  take<T extends ScratchArray>(slot: string, n: number, make: (n: number) => T): T {
    let a = this.slots.get(slot) as T | undefined;
    if (a === undefined || a.length < n) this.slots.set(slot, (a = make(n)));
    return a.subarray(0, n) as T;
  }
}
