import { describe, expect, it } from 'vitest';
import { traceTree } from './trace';

describe('traceTree', () => {
  it('puts each event under the event that caused it, each level in log order', () => {
    const events = [
      { position: 5, id: 'route', correlationId: 'c', causationId: 'config' },
      { position: 2, id: 'config', correlationId: 'c' },
      { position: 6, id: 'app', correlationId: 'c', causationId: 'config' },
      { position: 9, id: 'health', correlationId: 'd', causationId: 'route' },
      { position: 3, id: 'other', correlationId: 'c' },
    ];
    expect(traceTree(events).map((l) => [l.event.id, l.depth])).toEqual([
      ['config', 0],
      ['route', 1],
      ['health', 2],
      ['app', 1],
      ['other', 0],
    ]);
  });

  it('shows every event once even when a tampered log makes causes loop', () => {
    const events = [
      { position: 1, id: 'a', correlationId: 'c', causationId: 'b' },
      { position: 2, id: 'b', correlationId: 'c', causationId: 'a' },
    ];
    expect(
      traceTree(events)
        .map((l) => l.event.id)
        .sort(),
    ).toEqual(['a', 'b']);
  });
});
