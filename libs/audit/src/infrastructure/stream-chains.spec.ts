import { describe, expect, it } from 'vitest';
import {
  KURRENTDB_CAPABILITIES,
  linkStreamEvents as linkEvents,
  SQLITE_CAPABILITIES,
  verifyStreamChain,
  type StreamChainReport,
} from '#libs/event-store';

import { verifyStreamChains, type StreamChainSource } from './stream-chains';

/** Streams held in memory as the KurrentDB adapter stores them (no server here). */
function source(streams: Record<string, string[]>, tamper?: (s: string, data: string[]) => void) {
  const stored = Object.entries(streams).map(([stream, datas]) => {
    const events = datas.map((data, i) => ({
      id: `0190a0b0-0000-7000-8000-0000000000${String(i).padStart(2, '0')}`,
      type: 'ThingHappened',
      schemaVersion: 1,
      metadata: '{"correlationId":"c","actor":{"kind":"system","id":"t"}}',
      data,
    }));
    const links = linkEvents(stream, undefined, events);
    const kept = [...datas];
    tamper?.(stream, kept);
    return {
      stream,
      links: events.map((e, i) => ({
        ...e,
        data: kept[i]!,
        stream,
        revision: BigInt(i),
        chain: links[i],
      })),
    };
  });
  const s: StreamChainSource = {
    capabilities: KURRENTDB_CAPABILITIES,
    async *streams() {
      for (const { stream } of stored) yield stream;
    },
    verifyStream: async (name): Promise<StreamChainReport> =>
      verifyStreamChain(name, stored.find((x) => x.stream === name)!.links),
  };
  return s;
}

describe('audit verify on a per-stream chain backend', () => {
  it('reports every stream intact, with what such a chain cannot prove', async () => {
    const report = await verifyStreamChains(
      source({ 'route-a': ['{"n":1}', '{"n":2}'], 'app-a': ['{"n":3}'] }),
    );
    expect(report).toMatchObject({
      intact: true,
      chain: 'per-stream',
      streams: 2,
      events: 3,
      broken: [],
    });
    expect(report.limits).toMatch(/deleted stream/);
  });

  it('names each stream whose chain breaks and where', async () => {
    const report = await verifyStreamChains(
      source({ 'route-a': ['{"n":1}', '{"n":2}'], 'app-a': ['{"n":3}'] }, (stream, data) => {
        if (stream === 'route-a') data[1] = '{"n":20}';
      }),
    );
    expect(report.intact).toBe(false);
    expect(report.broken).toEqual([
      { stream: 'route-a', revision: '1', reason: 'its content does not match its hash' },
    ]);
  });

  it("digests every stream's head: a stream cut short or deleted changes it, an intact log does not", async () => {
    const log = { 'route-a': ['{"n":1}', '{"n":2}'], 'app-a': ['{"n":3}'] };
    const whole = await verifyStreamChains(source(log));
    expect((await verifyStreamChains(source(log))).headsDigest).toBe(whole.headsDigest);
    // Both stay "intact" (a per-stream chain cannot tell), only the digest shows it.
    const cut = await verifyStreamChains(source({ ...log, 'route-a': ['{"n":1}'] }));
    expect(cut.intact).toBe(true);
    expect(cut.headsDigest).not.toBe(whole.headsDigest);
    const deleted = await verifyStreamChains(source({ 'route-a': log['route-a'] }));
    expect(deleted.headsDigest).not.toBe(whole.headsDigest);
  });

  it('refuses a backend with one global chain (its file is verified instead)', async () => {
    await expect(
      verifyStreamChains({ ...source({}), capabilities: SQLITE_CAPABILITIES }),
    ).rejects.toThrow(/one chain through the log/);
  });
});
