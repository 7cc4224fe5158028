import { describe, expect, it } from 'vitest';
import { adminAccountDecider, apiKeyDecider } from '#libs/access';
import { configDecider } from '#libs/config';
import { subscriptionDecider } from '#libs/webhooks';
import { deploymentDecider } from '#libs/toolbox';
import { proposalDecider, type DiscoveredService } from '#libs/discovery';
import { serviceHealthDecider } from '#libs/health';
import { deviceDecider, pairingCodeDecider } from '#libs/pairing';
import { fold } from '#libs/kernel';
import { EventSchemaViolation, SchemaRegistry } from '#libs/event-store';
import {
  appDecider,
  routeDecider,
  withDefaults,
  type AppCommand,
  type AppEvent,
  type RouteCommand,
  type RouteEvent,
} from '#libs/routing';
import { emittedEventTypes, loadSchemas } from '../apps/gateway/src/composition';

const metadata = {
  correlationId: 'c-1',
  actor: { kind: 'admin' as const, id: 'local' },
  sourceIp: '127.0.0.1',
};

describe('event schemas', () => {
  const schemas = loadSchemas();

  it('every schema compiles in strict mode (at run time they compile on first use)', () => {
    expect(() => loadSchemas().compileAll()).not.toThrow();
  });

  it('a schema that does not compile fails compileAll, and its first append, not the registry', () => {
    const registry = new SchemaRegistry().register('Broken', 1, {
      type: 'object',
      properties: { a: { type: 'no-such-type' } },
    });
    registry.register('Fine', 1, { type: 'object', additionalProperties: false });
    expect(() => registry.validate('Fine', 1, {}, metadata)).not.toThrow();
    expect(() => registry.validate('Fine', 1, { x: 1 }, metadata)).toThrow(EventSchemaViolation);
    expect(() => registry.validate('Broken', 1, { a: 1 }, metadata)).toThrow(
      /schema is invalid|must be JSONType/,
    );
    expect(() => registry.compileAll()).toThrow(/schema is invalid|must be JSONType/);
  });

  it('every event type the code can emit has a schema, and no schema is orphaned', () => {
    expect(schemas.types()).toEqual(emittedEventTypes());
  });

  it('every event the deciders produce validates against its schema', () => {
    const produced: (RouteEvent | AppEvent)[] = [];
    const ctx = { pathBaseOwner: () => undefined, subdomainOwner: () => undefined };
    const routeRun = (history: RouteEvent[], command: RouteCommand) => {
      const events = routeDecider.decide(command, fold(routeDecider, history), ctx);
      produced.push(...events);
      return [...history, ...events];
    };
    let route: RouteEvent[] = [];
    const full = withDefaults({
      routeId: 'r',
      appId: 'a',
      pathBase: '/apps/r/',
      to: 'https://h:8443/base',
    });
    route = routeRun(route, {
      kind: 'AddRoute',
      route: {
        ...full,
        scopes: ['read:r'],
        subdomain: 'r',
        routingMode: 'both',
        expectedStatusCodes: [200, 401],
        healthCheckTimeout: '5s',
        containerId: '0123456789ab',
      },
    });
    route = routeRun(route, {
      kind: 'PatchRoute',
      routeId: 'r',
      patch: { websockets: true, excludePaths: ['/api/'] },
    });
    route = routeRun(route, { kind: 'PutRoute', route: full });
    routeRun(route, { kind: 'RemoveRoute', routeId: 'r' });

    const appRun = (history: AppEvent[], command: AppCommand) => {
      const events = appDecider.decide(command, fold(appDecider, history), undefined);
      produced.push(...events);
      return [...history, ...events];
    };
    let app: AppEvent[] = [];
    app = appRun(app, {
      kind: 'RegisterApp',
      app: {
        id: 'a',
        name: 'A',
        endpoints: { lan: 'http://10.0.0.2' },
        discoveryMeta: { source: 'docker', containerId: 'abc' },
      },
    });
    app = appRun(app, { kind: 'UpdateApp', appId: 'a', patch: { tags: ['x'] } });
    appRun(app, { kind: 'RemoveApp', appId: 'a', reason: 'test' });

    const summary = { routesPut: ['r'], routesRemoved: [], appsPut: [], appsRemoved: ['a'] };
    const applied = configDecider.decide(
      {
        kind: 'ApplyConfig',
        applied: {
          source: '/etc/nekzus.yaml',
          digest: 'f'.repeat(64),
          routeIds: ['r'],
          appIds: [],
          summary,
          pendingRestart: ['server.addr'],
        },
      },
      configDecider.initialState(),
    );
    const rejected = configDecider.decide(
      { kind: 'RejectConfig', source: '/etc/nekzus.yaml', errors: ['x.yaml:1:1: bad'] },
      configDecider.initialState(),
    );
    produced.push(...(applied as never[]), ...(rejected as never[]));

    // Access and pairing: what their deciders produce, plus the events appended without one.
    const now = { now: new Date('2026-01-01T00:00:00Z') };
    const run = <C, E extends { type: string; data: unknown }, S, X>(
      decider: { initialState(): S; evolve(s: S, e: E): S; decide(c: C, s: S, x: X): E[] },
      context: X,
      commands: C[],
    ) => {
      let history: E[] = [];
      for (const command of commands) {
        const events = decider.decide(command, fold(decider, history), context);
        produced.push(...(events as never[]));
        history = [...history, ...events];
      }
    };
    run(adminAccountDecider, undefined, [
      {
        kind: 'CreateFirstAdmin',
        username: 'admin',
        passwordHash: 'scrypt$15$8$1$c2FsdA==$aGFzaA==',
      },
    ]);
    const keyId = `key_${'a'.repeat(32)}`;
    run(apiKeyDecider, now, [
      {
        kind: 'CreateApiKey',
        keyId,
        name: 'ci',
        prefix: 'nkz_abcdefgh',
        keyHash: 'b'.repeat(64),
        scopes: ['read:catalog'],
        expiresAt: '2027-01-01T00:00:00Z',
      },
      { kind: 'RevokeApiKey', keyId, permanent: false },
      { kind: 'RevokeApiKey', keyId, permanent: true },
    ]);
    const codeId = '0190a0b0-0000-7000-8000-000000000001';
    run(pairingCodeDecider, now, [
      {
        kind: 'IssueCode',
        code: {
          codeId,
          codeHash: 'c'.repeat(64),
          tokenDigest: 'd'.repeat(64),
          expiresAt: '2026-01-01T00:05:00.000Z',
          baseUrl: 'https://192.168.1.10:8080',
          spkiPins: ['sha256/AAAA'],
        },
      },
      { kind: 'RedeemCode', codeId },
      { kind: 'UseCode', codeId, deviceId: 'phone-1' },
    ]);
    run(deviceDecider, undefined, [
      {
        kind: 'PairDevice',
        device: {
          deviceId: 'phone-1',
          name: 'Pixel',
          model: 'Pixel',
          platform: 'android',
          scopes: ['read:catalog'],
          via: 'pairing-code',
          codeId,
          tokenId: '0190a0b0-0000-7000-8000-000000000004',
        },
      },
      { kind: 'RenameDevice', deviceId: 'phone-1', name: 'Kitchen tablet' },
      {
        kind: 'RefreshDeviceToken',
        deviceId: 'phone-1',
        tokenId: '0190a0b0-0000-7000-8000-000000000002',
      },
      { kind: 'RevokeDevice', deviceId: 'phone-1' },
    ]);
    const service: DiscoveredService = {
      proposalId: 'proposal_docker_http_web_8080',
      source: 'docker',
      identity: 'web',
      detectedScheme: 'http',
      detectedHost: '172.17.0.2',
      detectedPort: 8080,
      availablePorts: [
        { port: 8080, scheme: 'http' },
        { port: 9090, scheme: 'http' },
      ],
      confidence: 0.95,
      reasons: ['labelled nekzus.enable=true (0.95)'],
      securityNotes: ['Discovered via Docker API'],
      tags: ['docker'],
      suggestedApp: {
        id: 'web',
        name: 'Web',
        icon: '📦',
        tags: ['docker'],
        endpoints: { lan: 'http://172.17.0.2:8080' },
        discoveryMeta: { source: 'docker', containerId: '0123456789ab' },
      },
      suggestedRoute: {
        routeId: 'web',
        appId: 'web',
        pathBase: '/apps/web/',
        to: 'http://172.17.0.2:8080',
        containerId: '0123456789ab',
        scopes: ['access:web'],
        stripPrefix: true,
      },
    };
    const proposalId = service.proposalId;
    run(proposalDecider, undefined, [
      { kind: 'Observe', service, fingerprint: 'e'.repeat(64), changed: [] },
      {
        kind: 'Observe',
        service: { ...service, detectedHost: '172.17.0.3' },
        fingerprint: 'f'.repeat(64),
        changed: ['detectedHost'],
      },
      { kind: 'Reject', proposalId, reason: 'not now' },
      { kind: 'Observe', service, fingerprint: 'e'.repeat(64), changed: ['detectedHost'] },
      { kind: 'Dismiss', proposalId },
      { kind: 'Restore', proposalId },
      { kind: 'Approve', proposalId, overrides: { port: 9090, name: 'Web UI' } },
      { kind: 'FailApproval', proposalId, reason: 'route conflict' },
      { kind: 'Vanish', proposalId },
    ]);
    const subject = { appId: 'web', appName: 'Web', routeId: 'web', proxyPath: '/apps/web/' };
    run(serviceHealthDecider, undefined, [
      { kind: 'MarkHealthy', subject, latencyMs: 12 },
      { kind: 'MarkUnhealthy', subject, reason: 'HTTP 502', consecutiveFailures: 2 },
      { kind: 'MarkHealthy', subject, latencyMs: 3 },
    ]);
    produced.push({
      type: 'RediscoveryTriggered',
      data: { dismissedCleared: 1, activeCleared: 0 },
    } as never);
    const wh = `wh_${'a'.repeat(24)}`;
    run(subscriptionDecider, undefined, [
      {
        kind: 'Create',
        subscriptionId: wh,
        fromPosition: 12n,
        spec: { url: 'https://hooks.example/in', eventTypes: ['RouteAdded'] },
      },
      { kind: 'Pause', subscriptionId: wh, reason: 'failing for a day' },
      { kind: 'Change', subscriptionId: wh, patch: { eventTypes: ['*'] }, resume: true },
      { kind: 'Remove', subscriptionId: wh },
    ]);
    produced.push(
      {
        type: 'WebhookDelivered',
        data: {
          subscriptionId: wh,
          eventId: '0190a0b0-0000-7000-8000-000000000009',
          position: '13',
          status: 200,
          attempts: 2,
        },
      } as never,
      {
        type: 'WebhookDeliveryFailed',
        data: {
          subscriptionId: wh,
          eventId: '0190a0b0-0000-7000-8000-000000000009',
          position: '13',
          attempt: 1,
          error: 'the receiver answered 503',
          retryInSeconds: 1,
        },
      } as never,
      {
        type: 'ExternalActivityReported',
        data: { kind: 'activity', deviceIds: ['phone-1'], payload: { message: 'hi' } },
      } as never,
    );
    const session = '0190a0b0-0000-7000-8000-000000000003';
    produced.push(
      {
        type: 'AdminSignedIn',
        data: {
          username: 'admin',
          sessionId: session,
          expiresAt: '2026-01-01T12:00:00.000Z',
          address: '127.0.0.1',
        },
      } as never,
      {
        type: 'AdminSignInFailed',
        data: { username: 'nobody', reason: 'unknown-user', address: '::1' },
      } as never,
      { type: 'AdminSignedOut', data: { username: 'admin', sessionId: session } } as never,
      { type: 'GatewayInstanceCreated', data: { nekzusId: 'nkz_abcdefghijklmnop' } } as never,
      {
        type: 'ContainerStarted',
        data: { containerId: '0123456789ab', name: 'grafana', appId: 'grafana' },
      } as never,
      {
        type: 'ContainerStopped',
        data: { containerId: '0123456789ab', name: 'grafana', timeoutSeconds: 10 },
      } as never,
      {
        type: 'ContainerRestarted',
        data: { containerId: '0123456789ab', name: 'grafana', timeoutSeconds: 5 },
      } as never,
    );
    const deploymentId = `deploy_${'b'.repeat(24)}`;
    run(deploymentDecider, undefined, [
      {
        kind: 'Request',
        request: {
          deploymentId,
          serviceId: 'whoami',
          serviceName: 'My Notes',
          projectName: 'my-notes',
          envVars: { NOTES_PORT: '8885' },
          secretNames: ['DB_PASSWORD'],
          sealedSecrets: 'v1.AbC-_9',
          autoStart: true,
          customPort: 8886,
        },
      },
      { kind: 'Start', deploymentId, services: ['db', 'web'] },
      { kind: 'Fail', deploymentId, phase: 'images', message: 'pulling x: no such host' },
      { kind: 'Start', deploymentId, services: ['db', 'web'] },
      {
        kind: 'Succeed',
        deploymentId,
        containers: [{ service: 'web', containerId: 'a'.repeat(64), name: 'my-notes-web-1' }],
        networks: ['my-notes_default'],
        volumes: ['my-notes_data'],
      },
      { kind: 'Stop', deploymentId },
      { kind: 'Resume', deploymentId },
      { kind: 'Remove', deploymentId, volumesRemoved: false },
    ]);

    expect(new Set(produced.map((e) => e.type))).toEqual(new Set(emittedEventTypes()));
    for (const event of produced)
      expect(() =>
        schemas.validate(event.type, schemas.latestVersion(event.type)!, event.data, metadata),
      ).not.toThrow();
  });

  it('refuses data the schema does not allow', () => {
    expect(() =>
      schemas.validate(
        'RouteRemoved',
        1,
        { routeId: 'r', appId: 'a', pathBase: '/apps/r/', extra: 1 },
        metadata,
      ),
    ).toThrow(/unknown field "extra"/);
    expect(() => schemas.validate('RouteAdded', 1, { route: { routeId: 'r' } }, metadata)).toThrow(
      /RouteAdded v1 is invalid/,
    );
  });
});
