import type { Schemas } from '../../api/client';
import type { LiveMessage } from '../../core/live';

export type Tone = 'ok' | 'bad' | 'warn';

export interface AppHealthRow {
  id: string;
  name: string;
  status: 'healthy' | 'unhealthy' | 'unknown';
  tone: Tone;
  routes: number;
}

/** An app is unhealthy when any of its routes is, healthy when all are active. */
export function appHealth(apps: Schemas['App'][], routes: Schemas['Route'][]): AppHealthRow[] {
  return apps
    .map((app) => {
      const mine = routes.filter((r) => r.appId === app.id);
      const status: AppHealthRow['status'] = mine.some((r) => r.status === 'UNHEALTHY')
        ? 'unhealthy'
        : mine.length > 0 && mine.every((r) => r.status === 'ACTIVE')
          ? 'healthy'
          : 'unknown';
      const tone: Tone = status === 'healthy' ? 'ok' : status === 'unhealthy' ? 'bad' : 'warn';
      return { id: app.id, name: app.name || app.id, status, tone, routes: mine.length };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One line for the activity feed, in words. */
export function describeMessage(m: LiveMessage): string {
  const d = (m.data ?? {}) as Record<string, unknown>;
  const s = (k: string) =>
    typeof d[k] === 'string' || typeof d[k] === 'number' ? String(d[k]) : '?';
  switch (m.type) {
    case 'device_paired':
      return `Device ${s('deviceName')} (${s('platform')}) paired`;
    case 'device_revoked':
      return `Device ${s('deviceId')} revoked`;
    case 'device_status':
      return `${s('deviceId')} is ${s('status')}`;
    case 'app_registered':
      return `App ${s('appName')} registered at ${s('proxyPath')}`;
    case 'route_added':
      return `Route ${s('routeId')} added at ${s('pathBase')}`;
    case 'route_removed':
      return `Route ${s('routeId')} removed`;
    case 'discovery':
      return `Discovered ${s('detectedHost')}:${s('detectedPort')}`;
    case 'proposal_approved':
      return `Proposal approved: app ${s('appId')}`;
    case 'proposal_rejected':
      return `Proposal ${s('proposalId')} rejected`;
    case 'proposal_dismissed':
      return `Proposal ${s('proposalId')} dismissed`;
    case 'rediscovery_triggered':
      return 'Rediscovery started';
    case 'health_change':
      return `${s('appName')} is ${s('status')}: ${s('message')}`;
    case 'config_reload':
      return m.topic === 'route.changed' ? 'A route changed' : 'Configuration reloaded';
    case 'webhook':
      return 'Webhook activity reported';
    default:
      return m.type.replace(/_/g, ' ');
  }
}
