/**
 * Awaits every promise, then throws the first rejection (in argument order),
 * if any. Unlike Promise.all it never returns while one is still running: a
 * control pass that ran reads on two connections must not end (and let the
 * next pass start) with one of them still at work, nor leave a rejection
 * unhandled.
 */
export async function settleAll<T extends readonly unknown[] | []>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const results = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
