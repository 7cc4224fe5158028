import {
  ANY,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  WrongExpectedVersionError,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { WrongExpectedVersion } from '../errors';
import {
  decodeMetadata,
  encodeMetadata,
  planFilter,
  toKurrentStreamState,
  toPortError,
  toPortPosition,
  toReadPosition,
} from './kurrentdb-mapping';

const chain = { schemaVersion: 2, prevHash: '0'.repeat(64), hash: 'a'.repeat(64) };

describe('KurrentDB mapping (no server needed)', () => {
  it('maps every port stream state to the client’s streamState', () => {
    expect(toKurrentStreamState('any')).toBe(ANY);
    expect(toKurrentStreamState('no_stream')).toBe(NO_STREAM);
    expect(toKurrentStreamState('stream_exists')).toBe(STREAM_EXISTS);
    expect(toKurrentStreamState(7n)).toBe(7n);
    expect(() => toKurrentStreamState(-1n)).toThrow(/negative/);
  });

  it('positions are commit positions, and back', () => {
    expect(toPortPosition({ commit: 1234n })).toBe(1234n);
    expect(() => toPortPosition(undefined)).toThrow(/without a position/);
    expect(toReadPosition('start')).toBe(START);
    expect(toReadPosition('end')).toBe(END);
    expect(toReadPosition(1234n)).toEqual({ commit: 1234n, prepare: 1234n });
    // A fresh checkpoint (0n, "nothing seen") subscribes from the start of $all.
    expect(toReadPosition(0n)).toBe(START);
  });

  it('turns the client’s WrongExpectedVersionError into the port’s, keeping the actual revision', () => {
    const atFour = new WrongExpectedVersionError(undefined, {
      streamName: 'route-a',
      expected: 2n,
      current: 4n,
    });
    const mapped = toPortError(atFour, 'route-a', 2n);
    expect(mapped).toBeInstanceOf(WrongExpectedVersion);
    expect(mapped).toMatchObject({ stream: 'route-a', expected: 2n, actual: 4n });
    const missing = new WrongExpectedVersionError(undefined, {
      streamName: 'route-b',
      expected: STREAM_EXISTS,
      current: NO_STREAM,
    });
    expect(toPortError(missing, 'route-b', 'stream_exists')).toMatchObject({
      expected: 'stream_exists',
      actual: 'no_stream',
    });
    const other = new Error('unavailable');
    expect(toPortError(other, 's', 'any')).toBe(other);
  });

  it('sends event types to the server as an anchored, escaped regex and checks prefixes here', () => {
    const plan = planFilter({ eventTypes: ['RouteAdded', 'A.B'], streamPrefixes: ['route-'] });
    expect(plan.server).toMatchObject({ filterOn: 'eventType', regex: '^(?:RouteAdded|A\\.B)$' });
    const regex = new RegExp((plan.server as { regex: string }).regex);
    expect(['RouteAdded', 'A.B', 'AxB', 'RouteAddedX'].map((t) => regex.test(t))).toEqual([
      true,
      true,
      false,
      false,
    ]);
    expect(plan.matches('route-a', 'RouteAdded')).toBe(true);
    expect(plan.matches('app-a', 'RouteAdded')).toBe(false);
    expect(plan.matches('route-a', 'RouteRemoved')).toBe(false);
  });

  it('sends stream prefixes alone to the server; without a filter, system events stay out', () => {
    const byStream = planFilter({ streamPrefixes: ['device-', 'pairing-'] });
    expect(byStream.server).toMatchObject({
      filterOn: 'streamName',
      prefixes: ['device-', 'pairing-'],
    });
    const none = planFilter(undefined);
    expect(none.server).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
    expect(none.matches('$$route-a', '$metadata')).toBe(false);
    expect(none.matches('$ce-route', 'RouteAdded')).toBe(false);
    expect(none.matches('route-a', 'RouteAdded')).toBe(true);
  });

  it('stores the port metadata with KurrentDB’s correlation fields and the chain link, and reads back only the port’s', () => {
    const metadata = {
      correlationId: 'c-1',
      causationId: 'c-0',
      actor: { kind: 'admin' as const, id: 'alice' },
      sourceIp: '10.0.0.2',
    };
    const stored = encodeMetadata(metadata, chain);
    expect(stored).toMatchObject({ $correlationId: 'c-1', $causationId: 'c-0', nekzus: chain });
    const back = decodeMetadata(JSON.parse(JSON.stringify(stored)));
    expect(back.metadata).toEqual(metadata);
    expect(Object.keys(back.metadata)).toEqual([
      'correlationId',
      'causationId',
      'actor',
      'sourceIp',
    ]);
    expect(back.chain).toEqual(chain);
    expect(decodeMetadata(undefined).chain).toBeUndefined();
  });
});
