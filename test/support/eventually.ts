/**
 * Polls until `check` returns a value (not undefined), once a second, or fails naming `what` and
 * the last error seen: for states a controller reaches on a cluster in its own time.
 */
export async function eventually<V>(what: string, check: () => Promise<V | undefined>, timeoutMs = 180_000): Promise<V> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000}s${last ? ` (last: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
