/**
 * Waiting for something to happen by looking at it, never by sleeping a fixed time: `probe` is asked again every
 * `intervalMs` until it answers something other than undefined or false, which is returned. The timeout only ends a
 * wait that would otherwise hang, saying what never happened; it is not a measurement.
 */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, options: { timeoutMs?: number; intervalMs?: number } = {}): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await probe();
    if (answer !== undefined && answer !== false) return answer;
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
