import { describe, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import { appDecider } from './app.decider';
import type { AppEvent } from './routing.events';

const app = { id: 'grafana', name: 'Grafana', icon: '', tags: [], endpoints: {} };
const registered: AppEvent = { type: 'AppRegistered', data: { app } };

describe('app decider', () => {
  const spec = deciderSpecification(appDecider, undefined);

  it('registers an app with defaults for what was not given', () => {
    spec
      .given([])
      .when({ kind: 'RegisterApp', app: { id: 'grafana', name: 'Grafana' } })
      .then([registered]);
  });

  it('uses the id as the name when none is given', () => {
    spec
      .given([])
      .when({ kind: 'EnsureApp', app: { id: 'grafana' } })
      .then([{ type: 'AppRegistered', data: { app: { ...app, name: 'grafana' } } }]);
  });

  it('refuses to register twice, but EnsureApp leaves an existing app alone', () => {
    spec.given([registered]).when({ kind: 'RegisterApp', app }).thenThrows('APP_EXISTS');
    spec
      .given([registered])
      .when({ kind: 'EnsureApp', app: { id: 'grafana', name: 'Other' } })
      .then([]);
  });

  it('updates only the given fields and names them', () => {
    spec
      .given([registered])
      .when({ kind: 'UpdateApp', appId: 'grafana', patch: { icon: 'chart', tags: ['monitoring'] } })
      .then([
        {
          type: 'AppUpdated',
          data: {
            appId: 'grafana',
            app: { ...app, icon: 'chart', tags: ['monitoring'] },
            changedFields: ['icon', 'tags'],
          },
        },
      ]);
    spec
      .given([registered])
      .when({ kind: 'UpdateApp', appId: 'grafana', patch: { name: 'Grafana' } })
      .then([]);
  });

  it('validates names, tags and endpoints', () => {
    spec
      .given([])
      .when({ kind: 'RegisterApp', app: { id: 'x', name: '   ' } })
      .thenThrows('VALIDATION_FAILED', /name/);
    spec
      .given([])
      .when({ kind: 'RegisterApp', app: { id: 'Nope!', name: 'n' } })
      .thenThrows('VALIDATION_FAILED', /id/);
    spec
      .given([])
      .when({
        kind: 'RegisterApp',
        app: { id: 'x', name: 'n', endpoints: { 'Bad Key': 'http://x' } },
      })
      .thenThrows('VALIDATION_FAILED', /endpoints/);
  });

  it('updating a missing app is not found; removing one is a no-op', () => {
    spec
      .given([])
      .when({ kind: 'UpdateApp', appId: 'grafana', patch: {} })
      .thenThrows('APP_NOT_FOUND');
    spec.given([]).when({ kind: 'RemoveApp', appId: 'grafana', reason: 'r' }).then([]);
    spec
      .given([registered])
      .when({ kind: 'RemoveApp', appId: 'grafana', reason: 'r' })
      .then([{ type: 'AppRemoved', data: { appId: 'grafana', reason: 'r' } }]);
  });
});
