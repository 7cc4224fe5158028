import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '#libs/event-store';
import { withDefaults, type RoutingEvent } from '../domain';
import { RouteTable } from './route-table';

let position = 0n;
function recorded(event: RoutingEvent): RecordedEvent {
  position += 1n;
  return {
    ...event,
    id: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
    stream: 's',
    revision: 0n,
    position,
    schemaVersion: 1,
    metadata: { correlationId: 'c', actor: { kind: 'system', id: 't' } },
    recordedAt: new Date(0),
  };
}

const route = (routeId: string, pathBase: string, subdomain = '') =>
  recorded({
    type: 'RouteAdded',
    data: { route: withDefaults({ routeId, appId: routeId, pathBase, to: 'http://x', subdomain }) },
  });

describe('route table', () => {
  it('matches the longest path base on a segment boundary', () => {
    const table = new RouteTable();
    table.apply(route('a', '/apps/a/'));
    table.apply(route('ab', '/apps/a/b/'));
    expect(table.match('/apps/a/b/c')?.routeId).toBe('ab');
    expect(table.match('/apps/a/b')?.routeId).toBe('ab');
    expect(table.match('/apps/a/bc')?.routeId).toBe('a');
    expect(table.match('/apps/a/')?.routeId).toBe('a');
    expect(table.match('/apps/ab')).toBeUndefined();
    expect(table.match('/apps/')).toBeUndefined();
  });

  it('follows changes and removals, freeing the old path base and subdomain', () => {
    const table = new RouteTable();
    table.apply(route('a', '/apps/a/', 'sub'));
    const moved = withDefaults({
      routeId: 'a',
      appId: 'a',
      pathBase: '/apps/moved/',
      to: 'http://x',
    });
    table.apply(
      recorded({
        type: 'RouteChanged',
        data: { routeId: 'a', route: moved, changedFields: ['pathBase', 'subdomain'] },
      }),
    );
    expect(table.pathBaseOwner('/apps/a/')).toBeUndefined();
    expect(table.subdomainOwner('sub')).toBeUndefined();
    expect(table.match('/apps/moved/x')?.routeId).toBe('a');
    table.apply(
      recorded({
        type: 'RouteRemoved',
        data: { routeId: 'a', appId: 'a', pathBase: '/apps/moved/' },
      }),
    );
    expect(table.match('/apps/moved/x')).toBeUndefined();
    expect(table.size).toBe(0);
  });

  it('advances its position on every event, routing or not', async () => {
    const table = new RouteTable();
    const e = recorded({ type: 'AppRemoved', data: { appId: 'x', reason: 'r' } });
    table.apply({ ...e, type: 'SomethingElse' });
    expect(await table.waitFor(e.position, 10)).toBe(true);
  });
});
