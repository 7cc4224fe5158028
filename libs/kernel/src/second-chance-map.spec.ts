import { describe, expect, it } from 'vitest';
import { SecondChanceMap } from './second-chance-map';

const present = (map: SecondChanceMap<string, number>, keys: string[]) =>
  keys.filter((key) => map.get(key) !== undefined);

describe('SecondChanceMap', () => {
  it('stays within its capacity, dropping the oldest entries nobody used', () => {
    const map = new SecondChanceMap<string, number>(3);
    ['a', 'b', 'c', 'd', 'e'].forEach((key, i) => map.set(key, i));
    expect(map.size).toBe(3);
    expect(present(map, ['a', 'b', 'c', 'd', 'e'])).toEqual(['c', 'd', 'e']);
  });

  it('keeps an entry read since it was inserted over older unread ones', () => {
    const map = new SecondChanceMap<string, number>(3);
    map.set('hot', 0);
    map.set('b', 1);
    map.set('c', 2);
    expect(map.get('hot')).toBe(0);
    map.set('d', 3);
    map.set('e', 4);
    expect(map.size).toBe(3);
    expect(present(map, ['hot', 'b', 'c', 'd', 'e'])).toEqual(['hot', 'd', 'e']);
  });

  it('still evicts when every entry was used: one lap clears the chances', () => {
    const map = new SecondChanceMap<string, number>(2);
    map.set('a', 0);
    map.set('b', 1);
    map.get('a');
    map.get('b');
    map.set('c', 2);
    expect(map.size).toBe(2);
    // a and b both went to the back with their flags cleared; a, oldest again, went.
    expect(present(map, ['a', 'b', 'c'])).toEqual(['b', 'c']);
  });

  it('replaces a present key in place, counting it as used', () => {
    const map = new SecondChanceMap<string, number>(2);
    map.set('a', 0);
    map.set('b', 1);
    map.set('a', 10);
    map.set('c', 2);
    expect(map.size).toBe(2);
    expect(map.get('a')).toBe(10);
    expect(map.get('b')).toBeUndefined();
  });

  it('forgets a deleted key and refuses a capacity under one', () => {
    const map = new SecondChanceMap<string, number>(1);
    map.set('a', 0);
    expect(map.delete('a')).toBe(true);
    expect(map.get('a')).toBeUndefined();
    expect(map.size).toBe(0);
    map.set('b', 1);
    map.set('c', 2);
    expect(present(map, ['b', 'c'])).toEqual(['c']);
    expect(() => new SecondChanceMap(0)).toThrow(RangeError);
  });
});
