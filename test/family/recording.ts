/**
 * Records which core factory (and options) built each loss: `vi.mock` a core losses module with
 * `recording(await importOriginal())`, and `calls.get(loss)` gives `[factory name, options]`, so a test can
 * build the segkit/tfjs loss of the same name with the same options from the adapters' core losses.
 */
export const calls = new WeakMap<object, [string, unknown]>();

/** The module's factories, each recording the options of the losses it makes. */
export function recording(orig: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...orig };
  for (const [name, f] of Object.entries(orig)) {
    if (typeof f !== 'function') continue;
    out[name] = new Proxy(f, {
      apply(target, self, args: unknown[]) {
        const loss = Reflect.apply(target, self, args) as unknown;
        if (typeof loss === 'object' || typeof loss === 'function')
          calls.set(loss as object, [name, args[0]]);
        return loss;
      },
    });
  }
  return out;
}
