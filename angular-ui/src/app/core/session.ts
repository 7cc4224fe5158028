import { Injectable, computed, inject, signal } from '@angular/core';
import { Api, type Schemas } from '../api/client';

export type SessionState = 'unknown' | 'setup' | 'signed-out' | 'signed-in';

/** Who is signed in to the portal: the gateway's session cookie, asked for at start. */
@Injectable({ providedIn: 'root' })
export class Session {
  private readonly api = inject(Api);
  private readonly userSignal = signal<Schemas['User'] | undefined>(undefined);
  private readonly stateSignal = signal<SessionState>('unknown');

  readonly user = this.userSignal.asReadonly();
  readonly state = this.stateSignal.asReadonly();
  readonly signedIn = computed(() => this.stateSignal() === 'signed-in');

  constructor() {
    this.api.onUnauthorized(() => {
      if (this.stateSignal() === 'signed-in') this.signedOut();
    });
  }

  /** Asks the gateway: is there an administrator yet, and is it this browser? */
  async refresh(): Promise<SessionState> {
    const status = await this.api.get('/api/v1/auth/setup-status');
    if (status.setupRequired) {
      this.userSignal.set(undefined);
      this.stateSignal.set('setup');
      return 'setup';
    }
    try {
      const me = await this.api.get('/api/v1/auth/me');
      this.userSignal.set(me.user);
      this.stateSignal.set('signed-in');
    } catch {
      this.signedOut();
    }
    return this.stateSignal();
  }

  async setup(username: string, password: string): Promise<void> {
    await this.api.post('/api/v1/auth/setup', { body: { username, password } });
    await this.signIn(username, password);
  }

  async signIn(username: string, password: string): Promise<void> {
    const reply = await this.api.post('/api/v1/auth/login', { body: { username, password } });
    this.userSignal.set(reply.user);
    this.stateSignal.set('signed-in');
  }

  async signOut(): Promise<void> {
    try {
      await this.api.post('/api/v1/auth/logout');
    } finally {
      this.signedOut();
    }
  }

  private signedOut(): void {
    this.userSignal.set(undefined);
    this.stateSignal.set('signed-out');
  }
}
