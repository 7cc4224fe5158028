import { TestBed } from '@angular/core/testing';
import { LiveFeed, RECENT_LIMIT } from './live';

describe('LiveFeed', () => {
  it('passes state changes to listeners and keeps the newest first; protocol frames are not activity', () => {
    const feed = TestBed.inject(LiveFeed);
    const seen: string[] = [];
    const stop = feed.listen((m) => seen.push(m.type));
    feed.receive(JSON.stringify({ type: 'auth_success', data: {}, timestamp: 't' }));
    feed.receive(
      JSON.stringify({ type: 'device_paired', data: { deviceName: 'a' }, timestamp: 't' }),
    );
    feed.receive(JSON.stringify({ type: 'route_added', data: {}, timestamp: 't' }));
    feed.receive('not json');
    expect(feed.status()).toBe('online');
    expect(seen).toEqual(['device_paired', 'route_added']);
    expect(feed.recent().map((m) => m.type)).toEqual(['route_added', 'device_paired']);
    stop();
    feed.receive(JSON.stringify({ type: 'route_removed', data: {}, timestamp: 't' }));
    expect(seen).toHaveLength(2);
  });

  it('keeps a bounded list', () => {
    const feed = TestBed.inject(LiveFeed);
    for (let i = 0; i < RECENT_LIMIT + 10; i++)
      feed.receive(JSON.stringify({ type: 'route_added', data: { i }, timestamp: 't' }));
    expect(feed.recent()).toHaveLength(RECENT_LIMIT);
  });
});
