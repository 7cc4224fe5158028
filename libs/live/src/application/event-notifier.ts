import type { EventStore, RecordedEvent, Subscription } from '#libs/event-store';
import type {
  ProposalApproved,
  ProposalDismissed,
  ProposalRejected,
  ServiceDiscovered,
} from '#libs/discovery';
import type { ServiceBecameHealthy, ServiceBecameUnhealthy } from '#libs/health';
import type { DevicePaired, DeviceRevoked } from '#libs/pairing';
import type { ExternalActivityReported } from '#libs/webhooks';
import type { AppRegistered, RouteAdded, RouteRemoved } from '#libs/routing';
import type { WsHub } from './ws-hub';

type Message = { type: string; topic: string; data: unknown };

const TYPES = [
  'ExternalActivityReported',
  'DevicePaired',
  'DeviceRevoked',
  'AppRegistered',
  'RouteAdded',
  'RouteRemoved',
  'RouteChanged',
  'ConfigApplied',
  'ServiceDiscovered',
  'ProposalApproved',
  'ProposalRejected',
  'ProposalDismissed',
  'RediscoveryTriggered',
  'ServiceBecameHealthy',
  'ServiceBecameUnhealthy',
];

/**
 * Turns recorded events into the protocol's server→client messages (contract A §6.6), plus
 * `route_added` / `route_removed`, which Nekzus defines but never sends. Its own live
 * subscription to the log, from the head at start: history is not re-sent to clients.
 */
export class EventNotifier {
  private subscription: Subscription | undefined;

  constructor(private readonly hub: WsHub) {}

  start(store: EventStore): void {
    const subscription = store.subscribeToAll({ from: 'end', filter: { eventTypes: TYPES } });
    this.subscription = subscription;
    void (async () => {
      for await (const recorded of subscription) this.apply(recorded);
    })().catch(() => undefined);
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  apply(recorded: RecordedEvent): void {
    if (recorded.type === 'ExternalActivityReported') {
      // Nekzus's inbound webhooks: to the phones named, or to everyone.
      const { deviceIds, payload } = recorded.data as ExternalActivityReported['data'];
      if (deviceIds.length > 0) this.hub.sendTo(deviceIds, 'webhook', payload);
      else this.hub.broadcast('webhook', payload, 'webhook');
      return;
    }
    const message = messageOf(recorded);
    if (message) this.hub.broadcast(message.type, message.data, message.topic);
  }
}

function messageOf(recorded: RecordedEvent): Message | undefined {
  switch (recorded.type) {
    case 'DevicePaired': {
      const data = recorded.data as DevicePaired['data'];
      return {
        type: 'device_paired',
        topic: 'device.paired',
        data: { deviceId: data.deviceId, deviceName: data.name, platform: data.platform },
      };
    }
    case 'DeviceRevoked': {
      const data = recorded.data as DeviceRevoked['data'];
      return { type: 'device_revoked', topic: 'device.revoked', data: { deviceId: data.deviceId } };
    }
    case 'AppRegistered': {
      const { app } = recorded.data as AppRegistered['data'];
      return {
        type: 'app_registered',
        topic: 'app.registered',
        data: { appId: app.id, appName: app.name, proxyPath: `/apps/${app.id}/` },
      };
    }
    case 'RouteAdded': {
      const { route } = recorded.data as RouteAdded['data'];
      return {
        type: 'route_added',
        topic: 'route.added',
        data: { routeId: route.routeId, appId: route.appId, pathBase: route.pathBase },
      };
    }
    case 'RouteRemoved': {
      const data = recorded.data as RouteRemoved['data'];
      return {
        type: 'route_removed',
        topic: 'route.removed',
        data: { routeId: data.routeId, appId: data.appId, pathBase: data.pathBase },
      };
    }
    case 'ServiceDiscovered': {
      const { service } = recorded.data as ServiceDiscovered['data'];
      return {
        type: 'discovery',
        topic: 'discovery.proposal',
        data: {
          id: service.proposalId,
          source: service.source,
          detectedScheme: service.detectedScheme,
          detectedHost: service.detectedHost,
          detectedPort: service.detectedPort,
          availablePorts: service.availablePorts,
          confidence: service.confidence,
          suggestedApp: service.suggestedApp,
          suggestedRoute: service.suggestedRoute,
          tags: service.tags,
          lastSeen: recorded.recordedAt.toISOString(),
          securityNotes: service.securityNotes,
        },
      };
    }
    case 'ProposalApproved': {
      const data = recorded.data as ProposalApproved['data'];
      return {
        type: 'proposal_approved',
        topic: 'discovery.approved',
        data: { proposalId: data.proposalId, appId: data.app.id, routeId: data.route.routeId },
      };
    }
    case 'ProposalRejected': {
      const data = recorded.data as ProposalRejected['data'];
      return {
        type: 'proposal_rejected',
        topic: 'discovery.rejected',
        data: { proposalId: data.proposalId, reason: data.reason },
      };
    }
    case 'ProposalDismissed': {
      const data = recorded.data as ProposalDismissed['data'];
      return {
        type: 'proposal_dismissed',
        topic: 'discovery.dismissed',
        data: { proposalId: data.proposalId },
      };
    }
    case 'RediscoveryTriggered':
      return { type: 'rediscovery_triggered', topic: 'discovery.rediscover', data: recorded.data };
    case 'ServiceBecameHealthy': {
      const data = recorded.data as ServiceBecameHealthy['data'];
      // As Nekzus: an app's first verdict is not news; a recovery is.
      if (data.previous === 'unknown') return undefined;
      return healthChange(recorded, data, 'healthy', 'Service recovered');
    }
    case 'ServiceBecameUnhealthy': {
      const data = recorded.data as ServiceBecameUnhealthy['data'];
      return healthChange(recorded, data, 'unhealthy', data.reason);
    }
    case 'RouteChanged':
    case 'ConfigApplied':
      return {
        type: 'config_reload',
        topic: recorded.type === 'RouteChanged' ? 'route.changed' : 'config.reload',
        data: { message: 'Configuration reloaded' },
      };
    default:
      return undefined;
  }
}

/** Contract B §3.5: `{appId, appName, proxyPath, status, message, timestamp (unix seconds)}`. */
function healthChange(
  recorded: RecordedEvent,
  subject: { appId: string; appName: string; proxyPath: string },
  status: 'healthy' | 'unhealthy',
  message: string,
): Message {
  return {
    type: 'health_change',
    topic: `health.${status}`,
    data: {
      appId: subject.appId,
      appName: subject.appName,
      proxyPath: subject.proxyPath,
      status,
      message,
      timestamp: Math.floor(recorded.recordedAt.getTime() / 1000),
    },
  };
}
