/**
 * A webhook subscription as the list shows it. The OpenAPI document gives no schema for the
 * subscription endpoints' replies, so the reply is read defensively instead of trusted.
 */
export interface SubscriptionRow {
  id: string;
  url: string;
  eventTypes: string[];
  description: string;
  status: string;
  pausedReason?: string;
  createdAt: string;
  delivered: number;
  failures: number;
  lastDeliveredAt?: string;
  lastError?: string;
  failingSince?: string;
}

const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function subscriptionRows(reply: unknown): SubscriptionRow[] {
  const list = Array.isArray(reply)
    ? reply
    : Array.isArray((reply as { subscriptions?: unknown })?.subscriptions)
      ? (reply as { subscriptions: unknown[] }).subscriptions
      : [];
  return list.flatMap((item): SubscriptionRow[] => {
    const r = item as Record<string, unknown>;
    const id = text(r['id']);
    if (!id) return [];
    const row: SubscriptionRow = {
      id,
      url: text(r['url']) ?? '',
      eventTypes: Array.isArray(r['eventTypes'])
        ? r['eventTypes'].filter((t): t is string => typeof t === 'string')
        : [],
      description: text(r['description']) ?? '',
      status: text(r['status']) ?? 'unknown',
      createdAt: text(r['createdAt']) ?? '',
      delivered: num(r['delivered']),
      failures: num(r['failures']),
    };
    for (const k of ['pausedReason', 'lastDeliveredAt', 'lastError', 'failingSince'] as const) {
      const v = text(r[k]);
      if (v) row[k] = v;
    }
    return [row];
  });
}
