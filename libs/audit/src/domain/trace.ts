/**
 * The causal chain of a request or an event: events that share a correlation id, linked to
 * the event that caused them (`causationId` names an event id). Pure: the reader collects the
 * related events, this orders them into a tree.
 */

export interface TraceEvent {
  position: number;
  id: string;
  correlationId: string;
  causationId?: string;
}

export interface TraceLine<E extends TraceEvent> {
  event: E;
  /** 0 for an event nothing in the set caused; 1 for what it caused, and so on. */
  depth: number;
}

/**
 * Depth-first from the roots, each level in log order. An event whose cause is not in the set
 * (or has none) is a root; a cycle (which only a tampered log could hold) is cut.
 */
export function traceTree<E extends TraceEvent>(events: readonly E[]): TraceLine<E>[] {
  const ordered = [...events].sort((a, b) => a.position - b.position);
  const ids = new Set(ordered.map((e) => e.id));
  const children = new Map<string, E[]>();
  const roots: E[] = [];
  for (const event of ordered) {
    const cause = event.causationId;
    if (cause !== undefined && cause !== event.id && ids.has(cause)) {
      const list = children.get(cause) ?? [];
      list.push(event);
      children.set(cause, list);
    } else roots.push(event);
  }
  const out: TraceLine<E>[] = [];
  const seen = new Set<string>();
  const visit = (event: E, depth: number) => {
    if (seen.has(event.id)) return;
    seen.add(event.id);
    out.push({ event, depth });
    for (const child of children.get(event.id) ?? []) visit(child, depth + 1);
  };
  for (const root of roots) visit(root, 0);
  // Events only reachable through a cycle are still shown, as roots.
  for (const event of ordered) visit(event, 0);
  return out;
}
