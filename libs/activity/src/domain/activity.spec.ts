import { describe, expect, it } from 'vitest';
import { activityOf, type ActivityNames } from './activity';

const at = new Date('2026-11-25T10:20:30.456Z');
const none: ActivityNames = { device: () => undefined };
const of = (type: string, data: unknown, names = none) =>
  activityOf({ type, recordedAt: at, data }, names);

describe('activity feed entries', () => {
  it("uses Nekzus's ids, icons and messages for its catalogue", () => {
    expect(of('ProposalApproved', { app: { id: 'grafana', name: 'Grafana' } })).toEqual({
      id: 'app_registered_grafana',
      type: 'app_registered',
      icon: 'CheckCircle2',
      iconClass: 'success',
      message: 'Registered: Grafana',
      timestamp: at.getTime(),
    });
    expect(of('RediscoveryTriggered', { dismissedCleared: 2, activeCleared: 5 })).toMatchObject({
      id: 'rediscovery_20261125102030',
      message: 'Discovery scan triggered (cleared 2 dismissed, 5 active proposals)',
    });
    expect(of('ProposalDismissed', { proposalId: 'docker_x_80' })).toMatchObject({
      id: 'proposal_dismissed_docker_x_80',
      icon: 'X',
      message: 'Proposal dismissed: docker_x_80',
    });
    expect(
      of('ConfigApplied', {
        summary: { routesPut: 1, routesRemoved: 2, appsPut: 0, appsRemoved: 0 },
      }),
    ).toMatchObject({
      id: `config_reload_${Math.floor(at.getTime() / 1000)}`,
      message: 'Configuration reloaded',
      details: '1 route added or changed; 2 routes removed',
    });
  });

  it('names a revoked device when an earlier event named it', () => {
    const names: ActivityNames = { device: (id) => (id === 'p1' ? 'Pixel' : undefined) };
    expect(of('DeviceRevoked', { deviceId: 'p1' }, names)?.message).toBe('Device revoked: Pixel');
    expect(of('DeviceRevoked', { deviceId: 'p2' }, names)?.message).toBe('Device revoked: p2');
  });

  it('leaves out what is not news: a first health verdict, notify webhooks, other events', () => {
    expect(of('ServiceBecameHealthy', { appId: 'a', appName: 'A', previous: 'unknown' })).toBe(
      undefined,
    );
    expect(
      of('ServiceBecameHealthy', { appId: 'a', appName: 'A', previous: 'unhealthy' })?.message,
    ).toBe('Healthy again: A');
    expect(
      of('ServiceBecameUnhealthy', { appId: 'a', appName: 'A', reason: 'HTTP 500' }),
    ).toMatchObject({ iconClass: 'warning', message: 'Unhealthy: A', details: 'HTTP 500' });
    expect(of('ExternalActivityReported', { kind: 'notify', deviceIds: [], payload: {} })).toBe(
      undefined,
    );
    expect(of('RouteChanged', {})).toBe(undefined);
  });
});
