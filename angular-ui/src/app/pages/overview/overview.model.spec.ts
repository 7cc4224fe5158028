import type { Schemas } from '../../api/client';
import { appHealth, describeMessage } from './overview.model';

const app = (id: string) => ({ id, name: id, icon: '', tags: [], endpoints: {}, faviconUrl: '' });
const route = (appId: string, status: Schemas['Route']['status']) =>
  ({ appId, status }) as Schemas['Route'];

describe('appHealth', () => {
  it('an app is unhealthy when a route is, healthy when all are active, else unknown', () => {
    const rows = appHealth(
      [app('a'), app('b'), app('c')],
      [route('a', 'ACTIVE'), route('a', 'UNHEALTHY'), route('b', 'ACTIVE')],
    );
    expect(rows.map((r) => [r.id, r.status])).toEqual([
      ['a', 'unhealthy'],
      ['b', 'healthy'],
      ['c', 'unknown'],
    ]);
  });
});

describe('describeMessage', () => {
  it('says what happened in words', () => {
    expect(
      describeMessage({
        type: 'device_paired',
        data: { deviceName: 'Pixel', platform: 'android' },
        timestamp: '',
      }),
    ).toBe('Device Pixel (android) paired');
  });
});
