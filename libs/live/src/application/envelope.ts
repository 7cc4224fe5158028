/** Go's zero time: Nekzus always sends `timestamp` and `expiresAt`, zero when unset. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** One frame of the protocol (contract A §6.3), serialised once and sent to many clients. */
export function envelope(
  type: string,
  data: unknown,
  options: { topic?: string; now?: Date } = {},
): string {
  return JSON.stringify({
    type,
    ...(options.topic ? { topic: options.topic } : {}),
    data: data ?? null,
    timestamp: (options.now ?? new Date()).toISOString(),
    expiresAt: ZERO_TIME,
  });
}
