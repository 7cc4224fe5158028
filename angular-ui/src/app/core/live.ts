import { Injectable, signal } from '@angular/core';

/** One message of the gateway's WebSocket protocol (`/api/v1/ws`). */
export interface LiveMessage {
  type: string;
  topic?: string;
  data: unknown;
  timestamp: string;
}

export type LiveStatus = 'offline' | 'connecting' | 'online';

/** Messages that are about the gateway's state, not the connection itself. */
const CONNECTION_TYPES = new Set([
  'auth_success',
  'auth_failed',
  'hello',
  'suback',
  'unsuback',
  'pong',
]);

export const RECENT_LIMIT = 50;

/**
 * The live feed: one WebSocket to `/api/v1/ws`, authenticated by the session cookie (an empty
 * token in the auth message), reconnected with backoff while signed in.
 */
@Injectable({ providedIn: 'root' })
export class LiveFeed {
  private socket: WebSocket | undefined;
  private wanted = false;
  private retry = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly listeners = new Set<(m: LiveMessage) => void>();
  /** Container log lines go here only: they are not state changes. */
  private readonly logListeners = new Set<(m: LiveMessage) => void>();
  private readonly statusSignal = signal<LiveStatus>('offline');
  private readonly recentSignal = signal<LiveMessage[]>([]);

  readonly status = this.statusSignal.asReadonly();
  /** The newest state-changing messages first. */
  readonly recent = this.recentSignal.asReadonly();

  connect(): void {
    this.wanted = true;
    if (this.socket) return;
    this.open();
  }

  disconnect(): void {
    this.wanted = false;
    clearTimeout(this.timer);
    this.socket?.close(1000, 'signed out');
    this.socket = undefined;
    this.statusSignal.set('offline');
  }

  /** Calls `listener` for every state-changing message; returns the unsubscribe function. */
  listen(listener: (m: LiveMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` for every `container.logs*` message; returns the unsubscribe function. */
  listenLogs(listener: (m: LiveMessage) => void): () => void {
    this.logListeners.add(listener);
    return () => this.logListeners.delete(listener);
  }

  /** Sends a client message (`container.logs.subscribe`…); false when not connected. */
  send(type: string, data: unknown): boolean {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || this.statusSignal() !== 'online')
      return false;
    socket.send(JSON.stringify({ type, data }));
    return true;
  }

  /** Handles one frame (public for tests). */
  receive(raw: string): void {
    let message: LiveMessage;
    try {
      message = JSON.parse(raw) as LiveMessage;
    } catch {
      return;
    }
    if (typeof message?.type !== 'string') return;
    if (message.type === 'auth_success') {
      this.retry = 0;
      this.statusSignal.set('online');
    }
    if (CONNECTION_TYPES.has(message.type)) return;
    if (message.type.startsWith('container.logs')) {
      for (const listener of this.logListeners) listener(message);
      return;
    }
    this.recentSignal.update((list) => [message, ...list].slice(0, RECENT_LIMIT));
    for (const listener of this.listeners) listener(message);
  }

  private open(): void {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/ws`);
    this.socket = socket;
    this.statusSignal.set('connecting');
    socket.onopen = () => socket.send(JSON.stringify({ type: 'auth', data: { token: '' } }));
    socket.onmessage = (event) => this.receive(String(event.data));
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      this.statusSignal.set('offline');
      if (!this.wanted) return;
      const delay = Math.min(30_000, 1000 * 2 ** this.retry++);
      this.timer = setTimeout(() => this.wanted && this.open(), delay);
    };
  }
}
