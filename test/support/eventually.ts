/**
 * Asks `check` every 100 ms until it gives a value (undefined means "not yet"), for what
 * happens asynchronously: discovery scans, projections, deployments. Gives up after
 * `attempts` tries, naming `what` it waited for.
 */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  attempts = 400,
): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}`);
}
