/**
 * What an event means to someone reading the audit log: who did what, to which thing, from
 * where, with what outcome. Derived from the event alone (plus names learnt from earlier
 * events), so the audit log is a projection and can never disagree with the log it shows.
 */

export interface AuditActor {
  kind: string;
  id: string;
  /** A device's or API key's name, when an earlier event told it. */
  name?: string;
}

export interface AuditTarget {
  /** app, route, device, pairing_code, api_key, admin, config, gateway, or the stream's category. */
  type: string;
  id: string;
  name?: string;
}

export interface AuditEntry {
  position: number;
  eventId: string;
  /** When the event was recorded (ISO 8601, UTC). */
  time: string;
  stream: string;
  eventType: string;
  action: string;
  actor: AuditActor;
  target: AuditTarget;
  outcome: 'success' | 'failure';
  error?: string;
  sourceIp?: string;
  correlationId: string;
  causationId?: string;
}

/** The event fields the audit log reads; `data` is a function so that most events are never parsed. */
export interface AuditSource {
  position: number;
  id: string;
  stream: string;
  type: string;
  recordedAt: string;
  metadata: {
    correlationId: string;
    causationId?: string;
    actor: { kind: string; id: string };
    sourceIp?: string;
  };
  data: () => unknown;
}

/** Nekzus's action names where it has them (§9.4 of the contract), the same pattern elsewhere. */
const ACTIONS: Readonly<Record<string, string>> = {
  AppRegistered: 'app.registered',
  AppUpdated: 'app.updated',
  AppRemoved: 'app.removed',
  RouteAdded: 'route.added',
  RouteChanged: 'route.changed',
  RouteRemoved: 'route.removed',
  ConfigApplied: 'config.applied',
  ConfigRejected: 'config.rejected',
  AdminAccountCreated: 'admin.created',
  AdminSignedIn: 'admin.signed_in',
  AdminSignInFailed: 'admin.sign_in_failed',
  AdminSignedOut: 'admin.signed_out',
  ApiKeyCreated: 'api_key.created',
  ApiKeyRevoked: 'api_key.revoked',
  ApiKeyDeleted: 'api_key.deleted',
  PairingCodeIssued: 'pairing_code.issued',
  PairingCodeRedeemed: 'pairing_code.redeemed',
  PairingCodeUsed: 'pairing_code.used',
  DevicePaired: 'device.paired',
  DeviceRenamed: 'device.renamed',
  DeviceRevoked: 'device.revoked',
  DeviceTokenRefreshed: 'device.token_refreshed',
  GatewayInstanceCreated: 'gateway.created',
};

/** Every action the current event types produce, for validating filters and documentation. */
export const KNOWN_ACTIONS: readonly string[] = Object.values(ACTIONS).sort();

/** `RouteAdded` → `route.added`; an event type not in the table: first word, then the rest (`ServiceBecameHealthy` → `service.became_healthy`). */
export function actionOf(type: string): string {
  const known = ACTIONS[type];
  if (known) return known;
  const words = type.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+/g) ?? [type];
  const [subject, ...rest] = words.map((w) => w.toLowerCase());
  return rest.length > 0 ? `${subject}.${rest.join('_')}` : (subject ?? type);
}

/** Streams whose name is `<category>-<id>`, and what the category means as a target. */
export const STREAM_TARGETS: readonly [prefix: string, type: string][] = [
  ['app-', 'app'],
  ['route-', 'route'],
  ['device-', 'device'],
  ['pairing-', 'pairing_code'],
  ['apikey-', 'api_key'],
];

/** Events whose data holds secrets (hashes of passwords, keys and codes): never shown as they are. */
const SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = {
  AdminAccountCreated: ['passwordHash'],
  ApiKeyCreated: ['keyHash'],
  PairingCodeIssued: ['codeHash', 'tokenDigest'],
};

export const MASK = '[redacted]';

export function hasSecrets(type: string): boolean {
  return type in SECRET_FIELDS;
}

/** The event's data with every secret replaced by `[redacted]`; other events' data unchanged. */
export function maskSecrets(type: string, data: unknown): unknown {
  const fields = SECRET_FIELDS[type];
  if (!fields || typeof data !== 'object' || data === null) return data;
  const copy: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const field of fields) if (field in copy) copy[field] = MASK;
  return copy;
}

function field(data: unknown, name: string): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const value = (data as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** Names of devices and API keys, learnt from the events that give them. */
export interface NameBook {
  get(kind: 'device' | 'apikey', id: string): string | undefined;
}

/** The name an event gives to a device or key (`DevicePaired`, `DeviceRenamed`, `ApiKeyCreated`), if any. */
export function namingOf(
  type: string,
  data: () => unknown,
): { kind: 'device' | 'apikey'; id: string; name: string } | undefined {
  if (type === 'DevicePaired' || type === 'DeviceRenamed') {
    const d = data();
    const id = field(d, 'deviceId');
    const name = field(d, 'name');
    return id && name !== undefined ? { kind: 'device', id, name } : undefined;
  }
  if (type === 'ApiKeyCreated') {
    const d = data();
    const id = field(d, 'keyId');
    const name = field(d, 'name');
    return id && name !== undefined ? { kind: 'apikey', id, name } : undefined;
  }
  return undefined;
}

export function targetOf(type: string, stream: string, data: () => unknown): AuditTarget {
  for (const [prefix, targetType] of STREAM_TARGETS)
    if (stream.startsWith(prefix)) return { type: targetType, id: stream.slice(prefix.length) };
  if (type.startsWith('Admin')) return { type: 'admin', id: field(data(), 'username') ?? '' };
  if (type.startsWith('Config')) return { type: 'config', id: field(data(), 'source') ?? stream };
  if (type === 'GatewayInstanceCreated')
    return { type: 'gateway', id: field(data(), 'nekzusId') ?? stream };
  const dash = stream.indexOf('-');
  return dash > 0
    ? { type: stream.slice(0, dash), id: stream.slice(dash + 1) }
    : { type: stream, id: stream };
}

function failureOf(type: string, data: () => unknown): string | undefined {
  if (type === 'AdminSignInFailed') return field(data(), 'reason') ?? 'sign-in failed';
  if (type === 'ConfigRejected') {
    const errors = (data() as { errors?: unknown }).errors;
    return Array.isArray(errors) ? errors.map(String).join('; ') : 'configuration rejected';
  }
  return undefined;
}

/** The audit entry of one event. `names` answers for devices and keys named by earlier events (and by this one). */
export function describeEvent(event: AuditSource, names: NameBook): AuditEntry {
  const { metadata } = event;
  const actorKind = metadata.actor.kind;
  const actorName =
    actorKind === 'device' || actorKind === 'apikey'
      ? names.get(actorKind, metadata.actor.id)
      : undefined;
  const target = targetOf(event.type, event.stream, event.data);
  const targetName =
    target.type === 'device'
      ? names.get('device', target.id)
      : target.type === 'api_key'
        ? names.get('apikey', target.id)
        : undefined;
  const error = failureOf(event.type, event.data);
  // A failed sign-in records the address it came from in its data as well.
  const sourceIp =
    metadata.sourceIp ??
    (event.type === 'AdminSignInFailed' ? field(event.data(), 'address') : undefined);
  const entry: AuditEntry = {
    position: event.position,
    eventId: event.id,
    time: event.recordedAt,
    stream: event.stream,
    eventType: event.type,
    action: actionOf(event.type),
    actor: {
      kind: actorKind,
      id: metadata.actor.id,
      ...(actorName !== undefined ? { name: actorName } : {}),
    },
    target: targetName !== undefined ? { ...target, name: targetName } : target,
    outcome: error === undefined ? 'success' : 'failure',
    correlationId: metadata.correlationId,
  };
  if (error !== undefined) entry.error = error;
  if (sourceIp) entry.sourceIp = sourceIp;
  if (metadata.causationId) entry.causationId = metadata.causationId;
  return entry;
}

/**
 * True when describing an event of this type (or learning a name from it) reads its data, not
 * only its stream, type and metadata. Keep in step with `namingOf`, `targetOf`, `failureOf` and
 * `describeEvent` above: a replay that cannot read data the way the reader would (a worker
 * without the upcasters) checks this before taking on such a type.
 */
export function describeReadsData(type: string): boolean {
  return (
    type === 'DevicePaired' ||
    type === 'DeviceRenamed' ||
    type === 'ApiKeyCreated' ||
    type.startsWith('Admin') ||
    type.startsWith('Config') ||
    type === 'GatewayInstanceCreated'
  );
}

/** What a MemoryNameBook knows, as plain data (to hand to a worker thread). */
export interface NameBookSnapshot {
  names: [key: string, name: string][];
  position: number;
}

/**
 * True when an event's audit entry and its details come from its columns and metadata alone:
 * describing it reads no data and its data is shown as stored (no secrets to mask). SQLite can
 * then write its replay line itself (`columnLineSql`), which is how a long replay stays fast.
 */
export function describedByColumns(type: string): boolean {
  return !describeReadsData(type) && !hasSecrets(type);
}

/** Characters JSON.stringify escapes (and surrogates, which it escapes when unpaired). */
// eslint-disable-next-line no-control-regex -- the control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * `JSON.stringify(entry)` for an entry made by `describeEvent`, with the same keys in the same
 * order and the same text, built by hand: replay writes one per event, and most of its strings
 * (ids, times, types) need no escaping, which JSON.stringify checks the slow way.
 */
export function entryJson(entry: AuditEntry): string {
  const { actor, target } = entry;
  let out = `{"position":${entry.position},"eventId":${quote(entry.eventId)},"time":${quote(entry.time)},"stream":${quote(entry.stream)},"eventType":${quote(entry.eventType)},"action":${quote(entry.action)},"actor":{"kind":${quote(actor.kind)},"id":${quote(actor.id)}`;
  if (actor.name !== undefined) out += `,"name":${quote(actor.name)}`;
  out += `},"target":{"type":${quote(target.type)},"id":${quote(target.id)}`;
  if (target.name !== undefined) out += `,"name":${quote(target.name)}`;
  out += `},"outcome":"${entry.outcome}","correlationId":${quote(entry.correlationId)}`;
  if (entry.error !== undefined) out += `,"error":${quote(entry.error)}`;
  if (entry.sourceIp !== undefined) out += `,"sourceIp":${quote(entry.sourceIp)}`;
  if (entry.causationId !== undefined) out += `,"causationId":${quote(entry.causationId)}`;
  return `${out}}`;
}

/** A NameBook over plain maps, updated as events go by (the CLI's replay, the pure folds' tests). */
export class MemoryNameBook implements NameBook {
  private readonly names = new Map<string, string>();
  /** Position of the log up to which names have been learnt (kept by the reader). */
  position = 0;

  /** `onName` hears every name as it is set (a replay worker mirrors them into SQLite). */
  constructor(private readonly onName?: (key: string, name: string) => void) {}

  static from(
    snapshot: NameBookSnapshot,
    onName?: (key: string, name: string) => void,
  ): MemoryNameBook {
    const book = new MemoryNameBook(onName);
    for (const [key, name] of snapshot.names) book.set(key, name);
    book.position = snapshot.position;
    return book;
  }

  private set(key: string, name: string): void {
    this.names.set(key, name);
    this.onName?.(key, name);
  }

  snapshot(): NameBookSnapshot {
    return { names: [...this.names], position: this.position };
  }

  get(kind: 'device' | 'apikey', id: string): string | undefined {
    return this.names.get(`${kind}:${id}`);
  }

  /** Learns the name this event gives, if any; call before `describeEvent` for the same event. */
  learn(type: string, data: () => unknown): void {
    const naming = namingOf(type, data);
    if (naming) this.learnNaming(naming);
  }

  /** Learns a name `namingOf` found (on another thread, say). */
  learnNaming(naming: { kind: 'device' | 'apikey'; id: string; name: string }): void {
    this.set(`${naming.kind}:${naming.id}`, naming.name);
  }
}
