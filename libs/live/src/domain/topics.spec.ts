import { describe, expect, it } from 'vitest';
import { topicFilterProblem, topicMatches } from './topics';

describe('topic filters', () => {
  it.each([
    ['#', 'device.paired', true],
    ['device.#', 'device.paired', true],
    ['device.+', 'device.paired', true],
    ['device.+', 'device.paired.x', false],
    ['route.added', 'route.added', true],
    ['route.added', 'route.removed', false],
    ['+.revoked', 'device.revoked', true],
    ['device.paired.extra', 'device.paired', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it('refuses malformed filters with a reason', () => {
    expect(topicFilterProblem('a.#.b')).toMatch(/last/);
    expect(topicFilterProblem('a+')).toMatch(/whole level/);
    expect(topicFilterProblem('a..b')).toMatch(/empty level/);
    expect(topicFilterProblem('device.#')).toBeUndefined();
  });
});
