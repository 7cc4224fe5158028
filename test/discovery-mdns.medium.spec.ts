import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { Bonjour, type Service, type ServiceConfig } from 'bonjour-service';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdnsSource, type DiscoveredService, type DiscoverySink } from '#libs/discovery';

/**
 * Real mDNS, kept on the loopback interface: publisher and browser both multicast through
 * 127.0.0.1 only, so nothing leaves the machine. Skipped (with the reason) where the kernel
 * does not loop multicast back on `lo`.
 */
const LOOPBACK = '127.0.0.1';

/** Can a multicast datagram go out on lo and come back? TTL 0: it could not leave anyway. */
function loopbackMulticastWorks(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket({ type: 'udp4', reuseAddr: true });
    const token = randomBytes(8).toString('hex');
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), 2000);
    socket.on('error', () => finish(false));
    socket.on('message', (message) => {
      if (message.toString() === token) finish(true);
    });
    socket.bind(0, '0.0.0.0', () => {
      try {
        socket.addMembership('224.0.0.251', LOOPBACK);
        socket.setMulticastInterface(LOOPBACK);
        socket.setMulticastTTL(0);
        socket.setMulticastLoopback(true);
        socket.send(token, socket.address().port, '224.0.0.251');
      } catch {
        finish(false);
      }
    });
  });
}

const NO_LOOPBACK_MULTICAST =
  'skipped: this kernel does not loop multicast back on 127.0.0.1 (and nothing may go out of the real interface)';

class FakeSink implements DiscoverySink {
  readonly snapshots: DiscoveredService[][] = [];
  readonly warnings: string[] = [];
  snapshot(_source: string, services: readonly DiscoveredService[]): Promise<void> {
    this.snapshots.push([...services]);
    return Promise.resolve();
  }
  warning(_source: string, message: string): void {
    this.warnings.push(message);
  }
  /** The last snapshot, limited to this run's services (others may announce on lo too). */
  mine(suffix: string): DiscoveredService[] | undefined {
    return this.snapshots.at(-1)?.filter((s) => s.proposalId.includes(suffix));
  }
}

async function eventually<T>(check: () => T | undefined | false, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('mDNS discovery, for real on the loopback interface', () => {
  const suffix = randomBytes(3).toString('hex');
  const ids = {
    wiki: `proposal_mdns_http_wiki_${suffix}_local_18080`,
    printer: `proposal_mdns_http_printer_${suffix}_local_8631`,
  };
  const sink = new FakeSink();
  const logged: string[] = [];
  let publisher: Bonjour;
  let printer: Service;
  let source: MdnsSource;
  let multicastOnLoopback = false;

  beforeAll(async () => {
    multicastOnLoopback = await loopbackMulticastWorks();
    if (!multicastOnLoopback) {
      console.warn(`mDNS test ${NO_LOOPBACK_MULTICAST}`);
      return;
    }
    publisher = new Bonjour({ interface: LOOPBACK, bind: '0.0.0.0' } as Partial<ServiceConfig>);
    publisher.publish({
      name: `Wiki ${suffix}`,
      type: 'http',
      port: 18080,
      host: `wiki-${suffix}.local`,
      disableIPv6: true,
      txt: { app_id: `wiki-${suffix}`, path: `/apps/wiki-${suffix}`, nekzus_enable: 'true' },
    });
    printer = publisher.publish({
      name: `Printer ${suffix}`,
      type: 'http',
      port: 8631,
      host: `printer-${suffix}.local`,
      disableIPv6: true,
      txt: { path: '/admin/' },
    });
    publisher.publish({
      name: `Broken ${suffix}`,
      type: 'http',
      port: 8000,
      host: `broken-${suffix}.local`,
      disableIPv6: true,
      txt: { app_id: 'Not An Id!' },
    });
    publisher.publish({
      name: `Shell ${suffix}`,
      type: 'ssh',
      port: 22,
      host: `shell-${suffix}.local`,
      disableIPv6: true,
    });
    source = new MdnsSource(
      {
        services: ['_http._tcp', '_https._tcp', '_ssh._tcp'],
        scanIntervalMs: 400,
        interface: LOOPBACK,
      },
      sink,
      { info: (m) => logged.push(`info ${m}`), warn: (m) => logged.push(`warn ${m}`) },
    );
    source.start();
  });

  afterAll(async () => {
    source?.stop();
    await new Promise<void>((resolve) => {
      try {
        publisher?.destroy(() => resolve());
      } catch {
        resolve();
      }
    });
  });

  it('proposes announced web services with their TXT keys, and leaves other types alone', async ({
    skip,
  }) => {
    if (!multicastOnLoopback) skip(NO_LOOPBACK_MULTICAST);
    const found = await eventually(
      () => (sink.mine(suffix)?.length === 2 ? sink.mine(suffix) : undefined),
      'both web services',
    );
    const [printerProposal, wiki] = found;
    expect(found.map((s) => s.proposalId)).toEqual([ids.printer, ids.wiki]);
    expect(wiki).toMatchObject({
      source: 'mdns',
      identity: `Wiki ${suffix}._http._tcp.local`,
      detectedScheme: 'http',
      detectedPort: 18080,
      confidence: 0.95,
      suggestedApp: {
        id: `wiki-${suffix}`,
        name: `Wiki ${suffix}`,
        endpoints: { mdns: `http://wiki-${suffix}.local:18080` },
      },
      // path= under /apps/ is the route's path base.
      suggestedRoute: {
        routeId: `wiki-${suffix}`,
        pathBase: `/apps/wiki-${suffix}/`,
        scopes: [`access:wiki-${suffix}`],
        stripPrefix: true,
      },
    });
    expect(wiki!.suggestedRoute.to).toBe(`http://${wiki!.detectedHost}:18080`);
    // path= elsewhere is where the app lives on its host.
    expect(printerProposal).toMatchObject({
      confidence: 0.7,
      suggestedApp: { id: `printer-${suffix}` },
      suggestedRoute: { pathBase: `/apps/printer-${suffix}/` },
    });
    expect(printerProposal!.suggestedRoute.to).toBe(
      `http://${printerProposal!.detectedHost}:8631/admin`,
    );
    expect(logged).toContain('info mDNS service type _ssh._tcp is not a web app type; not browsed');
    await eventually(() => logged.some((l) => l.includes(`Broken ${suffix}`)), 'the skip');
    expect(logged.filter((l) => l.includes(`Broken ${suffix}`))).toEqual([
      `warn mDNS service Broken ${suffix}._http._tcp.local skipped: TXT app_id="Not An Id!" is not an id (lower-case letters, digits, "-" and "_", at most 63)`,
    ]);
  });

  it('notices a goodbye at once, and a service gone silent after a few rounds', async ({
    skip,
  }) => {
    if (!multicastOnLoopback) skip(NO_LOOPBACK_MULTICAST);
    await new Promise<void>((resolve) => {
      printer.stop?.(() => resolve());
    });
    await eventually(
      () =>
        sink
          .mine(suffix)
          ?.map((s) => s.proposalId)
          .join() === ids.wiki
          ? true
          : undefined,
      'the printer gone',
    );
    // The publisher disappears without a goodbye (a host that lost power).
    const seen = sink.snapshots.length;
    await new Promise<void>((resolve) => publisher.destroy(() => resolve()));
    await eventually(
      () => (sink.mine(suffix)?.length === 0 ? true : undefined),
      'the wiki gone silent',
    );
    // Rounds went on in between; none reported a snapshot that lost the wiki early and got it back.
    const since = sink.snapshots.slice(seen).map((s) => s.some((x) => x.proposalId === ids.wiki));
    expect(since.indexOf(false)).toBe(since.lastIndexOf(true) + 1);
    expect(sink.warnings).toEqual([]);
  });
});
