import { subscriptionRows } from './webhooks.model';

describe('subscriptionRows', () => {
  it('reads the fields it knows and drops entries without an id', () => {
    const rows = subscriptionRows([
      {
        id: 'wh_1',
        url: 'https://x',
        eventTypes: ['DevicePaired', 3],
        status: 'paused',
        failures: 2,
        lastError: 'HTTP 500',
      },
      { url: 'no id' },
    ]);
    expect(rows).toEqual([
      {
        id: 'wh_1',
        url: 'https://x',
        eventTypes: ['DevicePaired'],
        description: '',
        status: 'paused',
        createdAt: '',
        delivered: 0,
        failures: 2,
        lastError: 'HTTP 500',
      },
    ]);
    expect(subscriptionRows({ nope: true })).toEqual([]);
  });
});
