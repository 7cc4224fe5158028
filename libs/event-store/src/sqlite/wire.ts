import type { AppendFailure, AppendOutcome, AppendRequest } from './sqlite-writer';

/**
 * How appends cross to the writer thread and back. A structured-clone message of request
 * objects costs the sender and the receiver a walk over every object and string; one string
 * per batch of requests, and one Float64Array per batch of outcomes, cost one copy each.
 *
 * Requests: every field as `<length>:<text>` (length in UTF-16 units, as `String#length`), in
 * the order stream, expected, event count, then per event id, type, schema version, data,
 * metadata. No separator is needed and no character is escaped.
 */
export function encodeRequest(request: AppendRequest): string {
  const { stream, expected, events } = request;
  const count = String(events.length);
  let text = `${stream.length}:${stream}${expected.length}:${expected}${count.length}:${count}`;
  for (const e of events) {
    const version = String(e.schemaVersion);
    text += `${e.id.length}:${e.id}${e.type.length}:${e.type}${version.length}:${version}${e.data.length}:${e.data}${e.metadata.length}:${e.metadata}`;
  }
  return text;
}

/**
 * A batch as the writer thread receives it: one mark character, `L` when it is the last of the
 * sender's turn (the group may commit) or `M` when more of the same group follows, then the
 * encoded requests.
 */
export function encodeBatch(requests: string, last: boolean): string {
  return `${last ? 'L' : 'M'}${requests}`;
}

export function decodeBatch(text: string): { requests: AppendRequest[]; last: boolean } {
  const mark = text.charAt(0);
  if (mark !== 'L' && mark !== 'M') throw new Error('malformed append batch');
  return { requests: decodeRequests(text, 1), last: mark === 'L' };
}

export function decodeRequests(text: string, from = 0): AppendRequest[] {
  let at = from;
  const field = (): string => {
    const colon = text.indexOf(':', at);
    if (colon < 0) throw new Error('malformed append batch');
    const end = colon + 1 + Number(text.slice(at, colon));
    if (end > text.length) throw new Error('malformed append batch');
    at = end;
    return text.slice(colon + 1, end);
  };
  const requests: AppendRequest[] = [];
  while (at < text.length) {
    const stream = field();
    const expected = field();
    const count = Number(field());
    const events: AppendRequest['events'] = [];
    for (let i = 0; i < count; i++)
      events.push({
        id: field(),
        type: field(),
        schemaVersion: Number(field()),
        data: field(),
        metadata: field(),
      });
    requests.push({ stream, expected, events });
  }
  return requests;
}

/** Outcomes of one batch, in request order: `[revision, position]` per request, NaN where refused. */
export interface OutcomesMessage {
  kind: 'results';
  values: Float64Array;
  /** The refused requests: index in the batch, and why. */
  failures: [number, AppendFailure][];
}

export function encodeOutcomes(outcomes: readonly AppendOutcome[]): OutcomesMessage {
  const values = new Float64Array(outcomes.length * 2);
  const failures: [number, AppendFailure][] = [];
  outcomes.forEach((outcome, i) => {
    if (outcome.ok) {
      values[2 * i] = outcome.nextExpectedRevision;
      values[2 * i + 1] = outcome.position;
    } else {
      values[2 * i] = Number.NaN;
      values[2 * i + 1] = Number.NaN;
      failures.push([i, outcome.error]);
    }
  });
  return { kind: 'results', values, failures };
}

/** Calls `settle` with each outcome of the message, in request order. */
export function decodeOutcomes(
  message: OutcomesMessage,
  settle: (outcome: AppendOutcome) => void,
): void {
  const { values, failures } = message;
  let nextFailure = 0;
  for (let i = 0; i < values.length / 2; i++) {
    const failure = failures[nextFailure];
    if (failure && failure[0] === i) {
      nextFailure += 1;
      settle({ ok: false, error: failure[1] });
    } else settle({ ok: true, nextExpectedRevision: values[2 * i]!, position: values[2 * i + 1]! });
  }
}
