import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Principal } from '#libs/http';
import type { Revocation } from '#libs/access';
import { MAX_SUBSCRIPTIONS, topicFilterProblem, topicMatches } from '../domain/topics';
import { envelope } from './envelope';

/** How a connection authenticates; the hub is transport-agnostic about everything else. */
export interface WsAuthenticator {
  authenticate(
    token: string,
    req: IncomingMessage,
  ): Promise<{ ok: true; principal: Principal } | { ok: false; error: Record<string, unknown> }>;
}

export interface HubSettings {
  nekzusId: string;
  version: string;
  authTimeoutMs: number;
  pingIntervalMs: number;
  /** Above this many unsent bytes a client's messages are dropped (and it is told). */
  maxBufferedBytes: number;
  /** Above this the client is disconnected as too slow (1013). */
  disconnectBufferedBytes: number;
}

export const DEFAULT_HUB_SETTINGS: Omit<HubSettings, 'nekzusId' | 'version'> = {
  authTimeoutMs: 15_000,
  pingIntervalMs: 30_000,
  maxBufferedBytes: 1024 * 1024,
  disconnectBufferedBytes: 8 * 1024 * 1024,
};

/** One authenticated connection, as a message handler of another context sees it. */
export interface WsSession {
  readonly id: string;
  readonly principal: Principal;
  /** Sends one message in the protocol's envelope (slow-client rules apply). */
  send(type: string, data: unknown): void;
  /** Runs `cleanup` when the connection ends (closed, revoked, too slow). */
  onClose(cleanup: () => void): void;
}

/** Handles a client message type the protocol itself does not define (`container.logs.subscribe`). */
export type WsMessageHandler = (session: WsSession, data: unknown) => void;

interface Client {
  socket: WebSocket;
  session?: WsSession;
  cleanups?: (() => void)[];
  /** The protocol's device id: the device, the administrator's name, the key id, or "admin" for local trust. */
  id: string;
  principal: Principal;
  topics: Set<string>;
  lastPong: number;
  dropped: number;
}

/** Close codes: 1008 policy (auth, revocation), 1013 try again later (too slow). */
const POLICY = 1008;
const TOO_SLOW = 1013;

/**
 * The WebSocket protocol of `/api/v1/ws` (contract A §6), fixed where Nekzus is weak:
 * failures end with a close frame, a slow client is told and then disconnected instead of
 * silently starved, revoked devices, ended sessions and revoked keys lose their sockets at
 * once, and `device_status: offline` is sent however the last connection ends.
 */
export class WsHub {
  private readonly handlers = new Map<string, WsMessageHandler>();
  private readonly clients = new Set<Client>();
  private readonly byId = new Map<string, Set<Client>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly auth: WsAuthenticator,
    private readonly settings: HubSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.keepAlive(), settings.pingIntervalMs);
    this.timer.unref();
  }

  /** A freshly upgraded socket: it has `authTimeoutMs` to send `{"type":"auth"}`. */
  accept(socket: WebSocket, req: IncomingMessage): void {
    let settled = false;
    const timeout = setTimeout(() => {
      if (settled) return;
      settled = true;
      this.fail(socket, { error: 'timeout waiting for auth message' });
    }, this.settings.authTimeoutMs);
    socket.on('error', () => socket.terminate());
    socket.once('close', () => clearTimeout(timeout));
    socket.once('message', (raw, isBinary) => {
      if (settled) return;
      settled = true;
      clearTimeout(timeout);
      const message = parse(raw, isBinary);
      if (!message) return this.fail(socket, { error: 'timeout waiting for auth message' });
      if (message.type !== 'auth') return this.fail(socket, { error: 'expected auth message' });
      const data = message.data as { token?: unknown } | undefined;
      const token = typeof data?.token === 'string' ? data.token : '';
      this.auth.authenticate(token, req).then(
        (result) => {
          if (socket.readyState !== socket.OPEN) return;
          if (!result.ok) return this.fail(socket, result.error);
          this.admit(socket, result.principal);
        },
        () => this.fail(socket, { error: 'authentication error' }),
      );
    });
  }

  private fail(socket: WebSocket, error: Record<string, unknown>): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.send(envelope('auth_failed', error));
    socket.close(POLICY, 'authentication failed');
  }

  private admit(socket: WebSocket, principal: Principal): void {
    const client: Client = {
      socket,
      id: idOf(principal),
      principal,
      topics: new Set(),
      lastPong: this.now(),
      dropped: 0,
    };
    this.clients.add(client);
    let group = this.byId.get(client.id);
    if (!group) this.byId.set(client.id, (group = new Set()));
    group.add(client);
    socket.on('pong', () => (client.lastPong = this.now()));
    socket.on('message', (raw, isBinary) => this.onMessage(client, parse(raw, isBinary)));
    socket.once('close', () => this.remove(client));
    this.send(client, envelope('auth_success', { deviceId: client.id, message: 'authenticated' }));
    this.send(
      client,
      envelope('hello', {
        message: 'connected',
        nekzusId: this.settings.nekzusId,
        version: this.settings.version,
        timestamp: Math.floor(this.now() / 1000),
      }),
    );
    this.broadcast('device_status', { deviceId: client.id, status: 'online' }, 'device.status');
  }

  /** Lets another context answer a client message type (one handler per type). */
  handle(type: string, handler: WsMessageHandler): void {
    if (this.handlers.has(type)) throw new Error(`a handler for "${type}" is already set`);
    this.handlers.set(type, handler);
  }

  private sessionOf(client: Client): WsSession {
    return (client.session ??= {
      id: client.id,
      principal: client.principal,
      send: (type, data) => this.send(client, envelope(type, data)),
      onClose: (cleanup) => (client.cleanups ??= []).push(cleanup),
    });
  }

  private remove(client: Client): void {
    if (!this.clients.delete(client)) return;
    for (const cleanup of client.cleanups ?? []) cleanup();
    client.cleanups = undefined;
    const group = this.byId.get(client.id);
    group?.delete(client);
    if (group && group.size === 0) {
      this.byId.delete(client.id);
      this.broadcast('device_status', { deviceId: client.id, status: 'offline' }, 'device.status');
    }
  }

  private onMessage(client: Client, message: { type: string; data: unknown } | undefined): void {
    if (!message) return;
    const data = message.data as { topics?: unknown } | undefined;
    const topics = Array.isArray(data?.topics) ? (data.topics as unknown[]) : undefined;
    switch (message.type) {
      case 'subscribe': {
        if (!topics)
          return this.reply(client, 'suback', {
            topics: [],
            success: false,
            error: 'invalid request format',
          });
        const wanted = topics.filter((t): t is string => typeof t === 'string');
        if (wanted.length === 0)
          return this.reply(client, 'suback', {
            topics: [],
            success: false,
            error: 'at least one topic is required',
          });
        const problem = wanted.map(topicFilterProblem).find((p) => p !== undefined);
        if (problem)
          return this.reply(client, 'suback', { topics: wanted, success: false, error: problem });
        const group = this.byId.get(client.id) ?? new Set([client]);
        const next = new Set([...client.topics, ...wanted]);
        if (next.size > MAX_SUBSCRIPTIONS)
          return this.reply(client, 'suback', {
            topics: wanted,
            success: false,
            error: `subscription limit exceeded (max ${MAX_SUBSCRIPTIONS})`,
          });
        // As in Nekzus, subscriptions belong to the device id: every connection of it follows.
        for (const c of group) for (const t of wanted) c.topics.add(t);
        return this.reply(client, 'suback', { topics: wanted, success: true });
      }
      case 'unsubscribe': {
        if (!topics || topics.length === 0) return;
        const group = this.byId.get(client.id) ?? new Set([client]);
        for (const c of group)
          for (const t of topics) if (typeof t === 'string') c.topics.delete(t);
        return this.reply(client, 'unsuback', { topics, success: true });
      }
      default: {
        const handler = this.handlers.get(message.type);
        if (handler) handler(this.sessionOf(client), message.data);
        return;
      }
    }
  }

  private reply(client: Client, type: string, data: unknown): void {
    const frame = envelope(type, data);
    for (const c of this.byId.get(client.id) ?? [client]) this.send(c, frame);
  }

  /**
   * To every authenticated connection whose subscriptions match `topic` (a connection
   * without subscriptions receives everything, as in Nekzus).
   */
  broadcast(type: string, data: unknown, topic: string): void {
    if (this.clients.size === 0) return;
    const frame = envelope(type, data);
    for (const client of this.clients)
      if (client.topics.size === 0 || [...client.topics].some((f) => topicMatches(f, topic)))
        this.send(client, frame);
  }

  /** To the connections of the given ids only (a targeted webhook message). */
  sendTo(ids: readonly string[], type: string, data: unknown): number {
    const frame = envelope(type, data);
    let sent = 0;
    for (const id of ids)
      for (const client of this.byId.get(id) ?? []) {
        this.send(client, frame);
        sent++;
      }
    return sent;
  }

  /** Closes the connections a revocation withdrew, with a close frame saying why. */
  revoke(revocation: Revocation): void {
    for (const client of [...this.clients]) {
      const p = client.principal;
      const hit =
        (revocation.kind === 'device' &&
          p.kind === 'device' &&
          p.deviceId === revocation.deviceId) ||
        (revocation.kind === 'session' &&
          p.kind === 'admin' &&
          p.sessionId === revocation.sessionId) ||
        (revocation.kind === 'apikey' && p.kind === 'apikey' && p.keyId === revocation.keyId);
      if (!hit) continue;
      const reason =
        revocation.kind === 'device'
          ? 'device revoked'
          : revocation.kind === 'session'
            ? 'signed out'
            : 'API key revoked';
      if (client.socket.readyState === client.socket.OPEN) {
        client.socket.send(
          envelope(
            'auth_failed',
            revocation.kind === 'device'
              ? { error: 'This device has been revoked', code: 'DEVICE_REVOKED', numericCode: 1004 }
              : { error: reason, code: 'TOKEN_REVOKED', numericCode: 1003 },
          ),
        );
        client.socket.close(POLICY, reason);
      }
      this.remove(client);
    }
  }

  /** The admin endpoint: close every connection of one id. */
  disconnect(id: string): number {
    const group = [...(this.byId.get(id) ?? [])];
    for (const client of group) {
      client.socket.close(POLICY, 'disconnected by an administrator');
      this.remove(client);
    }
    return group.length;
  }

  stats(): { totalConnections: number; devices: Record<string, number> } {
    const devices: Record<string, number> = {};
    for (const [id, group] of this.byId) devices[id] = group.size;
    return { totalConnections: this.clients.size, devices };
  }

  close(): void {
    clearInterval(this.timer);
    for (const client of this.clients) {
      for (const cleanup of client.cleanups ?? []) cleanup();
      client.socket.close(1001, 'gateway shutting down');
    }
    this.clients.clear();
    this.byId.clear();
  }

  private send(client: Client, frame: string): void {
    const socket = client.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > this.settings.disconnectBufferedBytes) {
      socket.close(TOO_SLOW, 'too slow: messages are piling up');
      this.remove(client);
      return;
    }
    if (socket.bufferedAmount > this.settings.maxBufferedBytes) {
      client.dropped++;
      return;
    }
    if (client.dropped > 0) {
      socket.send(
        envelope('messages_dropped', {
          count: client.dropped,
          reason: 'the client read too slowly',
        }),
      );
      client.dropped = 0;
    }
    socket.send(frame);
  }

  private keepAlive(): void {
    const deadline = this.now() - 2 * this.settings.pingIntervalMs;
    for (const client of [...this.clients]) {
      if (client.lastPong < deadline) {
        client.socket.terminate();
        this.remove(client);
      } else client.socket.ping();
    }
  }
}

function idOf(principal: Principal): string {
  switch (principal.kind) {
    case 'device':
      return principal.deviceId;
    case 'admin':
      return `user-${principal.username}`;
    case 'apikey':
      return principal.keyId;
    case 'local':
    case 'anonymous':
      return 'admin';
  }
}

function parse(raw: unknown, isBinary: boolean): { type: string; data: unknown } | undefined {
  if (isBinary) return undefined;
  try {
    const value = JSON.parse(String(raw)) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { type, data } = value as { type?: unknown; data?: unknown };
    return typeof type === 'string' ? { type, data } : undefined;
  } catch {
    return undefined;
  }
}
