/**
 * The activity feed (Nekzus contract A §9.2): a few human sentences about what happened, for
 * the dashboard and the phones. Derived from domain events only, so no code path can forget to
 * write it; a rebuild gives the same feed.
 */

export interface ActivityItem {
  /** Nekzus's id pattern (`device_paired_<id>`, …); not unique across repeats, as in Nekzus. */
  id: string;
  type: string;
  /** A lucide icon name. */
  icon: string;
  /** `success`, `warning`, `error` or `""`. */
  iconClass: string;
  message: string;
  details?: string;
  /** Unix milliseconds. */
  timestamp: number;
}

/** What the feed reads of an event. */
export interface ActivitySource {
  type: string;
  recordedAt: Date;
  data: unknown;
}

/** Names learnt from earlier events (a revocation carries only the device id). */
export interface ActivityNames {
  device(id: string): string | undefined;
}

/** Event types the feed shows, or learns names from. */
export const ACTIVITY_EVENT_TYPES = [
  'DevicePaired',
  'DeviceRenamed',
  'DeviceRevoked',
  'ProposalApproved',
  'ProposalRejected',
  'ProposalDismissed',
  'RediscoveryTriggered',
  'ConfigApplied',
  'ServiceBecameHealthy',
  'ServiceBecameUnhealthy',
  'ExternalActivityReported',
] as const;

type Data = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** `YYYYMMDDhhmmss` in UTC, Nekzus's rediscovery id suffix. */
function compactTime(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The name a device event teaches, if any. */
export function deviceNameOf(
  source: ActivitySource,
): { deviceId: string; name: string } | undefined {
  if (source.type !== 'DevicePaired' && source.type !== 'DeviceRenamed') return undefined;
  const data = source.data as Data;
  return { deviceId: str(data.deviceId), name: str(data.name) };
}

/** The feed entry an event makes, or undefined when it is not news. */
export function activityOf(source: ActivitySource, names: ActivityNames): ActivityItem | undefined {
  const data = (source.data ?? {}) as Data;
  const timestamp = source.recordedAt.getTime();
  const item = (
    id: string,
    type: string,
    icon: string,
    iconClass: string,
    message: string,
    details?: string,
  ): ActivityItem => ({
    id,
    type,
    icon,
    iconClass,
    message,
    ...(details ? { details } : {}),
    timestamp,
  });
  switch (source.type) {
    case 'DevicePaired': {
      const id = str(data.deviceId);
      return item(
        `device_paired_${id}`,
        'device_paired',
        'Smartphone',
        'success',
        `Device paired: ${str(data.name) || id}`,
      );
    }
    case 'DeviceRevoked': {
      const id = str(data.deviceId);
      const name = names.device(id);
      return item(
        `device_revoked_${id}`,
        'device_revoked',
        'XCircle',
        '',
        `Device revoked: ${name ?? id}`,
        name ? `Device id ${id}` : undefined,
      );
    }
    case 'ProposalApproved': {
      const app = (data.app ?? {}) as Data;
      const appId = str(app.id);
      return item(
        `app_registered_${appId}`,
        'app_registered',
        'CheckCircle2',
        'success',
        `Registered: ${str(app.name) || appId}`,
      );
    }
    case 'ProposalRejected': {
      const id = str(data.proposalId);
      return item(
        `proposal_rejected_${id}`,
        'proposal_rejected',
        'Ban',
        '',
        `Proposal rejected: ${id}`,
        str(data.reason) || undefined,
      );
    }
    case 'ProposalDismissed': {
      const id = str(data.proposalId);
      return item(
        `proposal_dismissed_${id}`,
        'proposal_dismissed',
        'X',
        '',
        `Proposal dismissed: ${id}`,
      );
    }
    case 'RediscoveryTriggered':
      return item(
        `rediscovery_${compactTime(source.recordedAt)}`,
        'rediscovery_triggered',
        'RefreshCw',
        '',
        `Discovery scan triggered (cleared ${num(data.dismissedCleared)} dismissed, ${num(data.activeCleared)} active proposals)`,
      );
    case 'ConfigApplied': {
      const summary = (data.summary ?? {}) as Data;
      const parts = [
        num(summary.routesPut) ? `${plural(num(summary.routesPut), 'route')} added or changed` : '',
        num(summary.routesRemoved) ? `${plural(num(summary.routesRemoved), 'route')} removed` : '',
        num(summary.appsPut) ? `${plural(num(summary.appsPut), 'app')} added or changed` : '',
        num(summary.appsRemoved) ? `${plural(num(summary.appsRemoved), 'app')} removed` : '',
      ].filter(Boolean);
      return item(
        `config_reload_${Math.floor(timestamp / 1000)}`,
        'config_reload',
        'RefreshCw',
        '',
        'Configuration reloaded',
        parts.join('; ') || undefined,
      );
    }
    case 'ServiceBecameUnhealthy': {
      const appId = str(data.appId);
      return item(
        `health_${appId}_${timestamp}`,
        'health_change',
        'AlertTriangle',
        'warning',
        `Unhealthy: ${str(data.appName) || appId}`,
        str(data.reason) || undefined,
      );
    }
    case 'ServiceBecameHealthy': {
      // An app's first verdict is not news; a recovery is (as the WebSocket does).
      if (data.previous === 'unknown') return undefined;
      const appId = str(data.appId);
      return item(
        `health_${appId}_${timestamp}`,
        'health_change',
        'CheckCircle2',
        'success',
        `Healthy again: ${str(data.appName) || appId}`,
      );
    }
    case 'ExternalActivityReported': {
      if (data.kind !== 'activity') return undefined;
      const p = (data.payload ?? {}) as Data;
      return {
        id: str(p.id),
        type: str(p.type) || 'webhook.activity',
        icon: str(p.icon) || 'Bell',
        iconClass: str(p.iconClass),
        message: str(p.message),
        ...(str(p.details) ? { details: str(p.details) } : {}),
        timestamp: typeof p.timestamp === 'number' ? p.timestamp : timestamp,
      };
    }
    default:
      return undefined;
  }
}
