import type { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Bonjour, type Browser, type Service, type ServiceConfig } from 'bonjour-service';
import {
  MDNS_WEB_TYPES,
  mdnsVerdict,
  parseServiceType,
  type DiscoveredService,
  type MdnsServiceFacts,
} from '../domain';
import type { DiscoverySink, Rescanner } from '../application/discovery.service';
import { CoalescingTask } from './coalescing-task';

export interface MdnsSourceSettings {
  /** DNS-SD types to browse, e.g. `_http._tcp`; only web types make proposals. */
  services: string[];
  /** How often the network is asked again; a service that misses two rounds has gone. */
  scanIntervalMs: number;
  /** The IPv4 address (or the name) of the one interface to use; unset: every interface. */
  interface?: string;
}

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

/** A service silent for this many rounds in a row (no goodbye heard) is taken as gone. */
const MISSED_ROUNDS = 2;
/** Answers to the first query arrive within this; reporting earlier would make everything vanish. */
const SETTLE_MS = 1500;
const MAX_BACKOFF_MS = 30_000;

interface Known {
  facts: MdnsServiceFacts;
  missed: number;
}

/**
 * mDNS / DNS-SD discovery (contract B §4.4, which Nekzus never implemented): browses the
 * configured web types; a goodbye removes a service at once, and a service that stops
 * answering for {@link MISSED_ROUNDS} rounds is removed too. Reports a full snapshot after
 * every change and every round — never while the socket is down, so a network problem
 * does not make every service vanish.
 */
export class MdnsSource implements Rescanner {
  private stopped = false;
  private bonjour: Bonjour | undefined;
  private readonly browsers = new Map<string, Browser>();
  private readonly known = new Map<string, Known>();
  private readonly skipped = new Map<string, string>();
  private readonly types: string[] = [];
  private settled = false;
  private healthy = false;
  private round: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private settle: NodeJS.Timeout | undefined;
  private readonly reports = new CoalescingTask(() => this.report(), 100);
  private backoffMs = 1000;

  constructor(
    private readonly settings: MdnsSourceSettings,
    private readonly sink: DiscoverySink,
    private readonly logger: Logger,
  ) {
    for (const text of [...new Set(settings.services)]) {
      const parsed = parseServiceType(text);
      if (!parsed) logger.warn(`mDNS service type "${text}" is not like _http._tcp; ignored`);
      else if (parsed.protocol !== 'tcp' || !MDNS_WEB_TYPES.includes(parsed.type))
        logger.info(`mDNS service type ${text} is not a web app type; not browsed`);
      else this.types.push(parsed.type);
    }
  }

  start(): void {
    if (this.types.length === 0) {
      this.logger.warn('mDNS: no web service type to browse (e.g. _http._tcp); nothing to do');
      return;
    }
    this.open();
    this.round = setInterval(() => this.nextRound(), this.settings.scanIntervalMs);
    this.round.unref();
  }

  stop(): void {
    this.stopped = true;
    for (const t of [this.round, this.retry, this.settle]) if (t) clearTimeout(t);
    this.reports.stop();
    if (this.round) clearInterval(this.round);
    this.close();
  }

  /** Asks the network again now. */
  rescan(): void {
    if (this.stopped || !this.bonjour) return;
    for (const browser of this.browsers.values()) browser.update();
    this.scheduleReport();
  }

  /** Resolves after the reports requested so far have been delivered (tests, shutdown). */
  delivered(): Promise<void> {
    return this.reports.settled();
  }

  private open(): void {
    if (this.stopped) return;
    let address: string;
    try {
      address = interfaceAddress(this.settings.interface);
    } catch (error) {
      this.fail(error);
      return;
    }
    // `bind` 0.0.0.0: multicast-dns binds to the interface address otherwise, and a socket
    // bound to a unicast address never receives the multicast answers.
    const options = (
      address ? { interface: address, bind: '0.0.0.0' } : {}
    ) as Partial<ServiceConfig>;
    const bonjour = new Bonjour(options, (error: unknown) => this.fail(error));
    this.bonjour = bonjour;
    // bonjour-service leaves the socket's error event unhandled, which would end the process.
    const socket = (bonjour as unknown as { server: { mdns: EventEmitter } }).server.mdns;
    socket.on('error', (error: unknown) => this.fail(error));
    socket.on('warning', (error: unknown) => {
      // Without its membership and multicast interface, a socket meant for one interface
      // would send on the default one: stop rather than multicast where it was not asked to.
      const call = (error as { syscall?: string } | undefined)?.syscall;
      if (address && (call === 'addMembership' || call === 'setMulticastInterface'))
        this.fail(error);
      else this.logger.warn(`mDNS: ${messageOf(error)} (on ${address || 'every interface'})`);
    });
    socket.once('ready', () => {
      this.healthy = true;
      this.backoffMs = 1000;
    });
    for (const type of this.types) this.browse(type);
    this.settle = setTimeout(() => {
      this.settled = true;
      this.scheduleReport();
    }, SETTLE_MS);
    this.settle.unref();
  }

  private browse(type: string): void {
    const bonjour = this.bonjour;
    if (!bonjour) return;
    this.browsers.get(type)?.stop();
    const browser = bonjour.find({ type, protocol: 'tcp' });
    this.browsers.set(type, browser);
    const seen = (service: Service) => {
      const facts = factsOf(service);
      if (!facts) return;
      this.known.set(facts.fqdn, { facts, missed: 0 });
      this.scheduleReport();
    };
    browser.on('up', seen);
    browser.on('srv-update', seen);
    browser.on('txt-update', seen);
    browser.on('down', (service: Service) => {
      if (service.fqdn && this.known.delete(service.fqdn)) this.scheduleReport();
    });
  }

  /**
   * A new browser per type and round: it asks once and hears every live service answer,
   * so one that stays silent for several rounds has gone without saying goodbye.
   */
  private nextRound(): void {
    if (this.stopped || !this.bonjour || !this.healthy) return;
    for (const [type, browser] of this.browsers) {
      const answered = new Set(browser.services.map((s) => s.fqdn));
      for (const [fqdn, entry] of this.known) {
        if (entry.facts.type !== type) continue;
        if (answered.has(fqdn)) entry.missed = 0;
        else if (++entry.missed >= MISSED_ROUNDS) this.known.delete(fqdn);
      }
      this.browse(type);
    }
    this.scheduleReport();
  }

  /** The socket failed: report nothing, start again with backoff. */
  private fail(error: unknown): void {
    if (this.stopped) return;
    this.sink.warning(
      'mdns',
      `mDNS is not working${this.settings.interface ? ` on ${this.settings.interface}` : ''}: ${messageOf(error)}; retrying in ${this.backoffMs / 1000} s`,
    );
    this.close();
    if (this.retry) clearTimeout(this.retry);
    this.retry = setTimeout(() => this.open(), this.backoffMs);
    this.retry.unref();
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }

  private close(): void {
    this.healthy = false;
    this.settled = false;
    if (this.settle) clearTimeout(this.settle);
    for (const browser of this.browsers.values()) browser.stop();
    this.browsers.clear();
    const bonjour = this.bonjour;
    this.bonjour = undefined;
    try {
      bonjour?.destroy();
    } catch {
      // already closed
    }
  }

  private scheduleReport(): void {
    this.reports.request();
  }

  private async report(): Promise<void> {
    if (this.stopped || !this.settled || !this.healthy) return;
    const services: DiscoveredService[] = [];
    const byId = new Set<string>();
    const entries = [...this.known.values()].sort((a, b) =>
      a.facts.fqdn < b.facts.fqdn ? -1 : a.facts.fqdn > b.facts.fqdn ? 1 : 0,
    );
    for (const { facts } of entries) {
      const verdict = mdnsVerdict(facts);
      if (verdict.kind === 'skip') {
        this.noteSkip(facts, verdict.reason, verdict.invalid);
        continue;
      }
      if (byId.has(verdict.service.proposalId)) continue;
      byId.add(verdict.service.proposalId);
      services.push(verdict.service);
    }
    try {
      await this.sink.snapshot('mdns', services);
    } catch (error) {
      this.sink.warning('mdns', `recording what was found failed: ${messageOf(error)}`);
    }
  }

  /** Logs a skipped service once per reason, not at every round. */
  private noteSkip(facts: MdnsServiceFacts, reason: string, invalid: boolean): void {
    if (this.skipped.get(facts.fqdn) === reason) return;
    this.skipped.set(facts.fqdn, reason);
    const line = `mDNS service ${facts.fqdn} skipped: ${reason}`;
    if (invalid) this.logger.warn(line);
    else this.logger.info(line);
  }
}

/** The IPv4 address to bind multicast to: given as an address, or as an interface name. */
function interfaceAddress(value: string | undefined): string {
  if (!value) return '';
  if (isIP(value) === 4) return value;
  const found = networkInterfaces()[value]?.find((a) => a.family === 'IPv4');
  if (!found) throw new Error(`no interface "${value}" with an IPv4 address`);
  return found.address;
}

function factsOf(service: Service): MdnsServiceFacts | undefined {
  if (!service.fqdn || !service.host || !service.port) return undefined;
  const txt: Record<string, string> = {};
  for (const [key, value] of Object.entries((service.txt ?? {}) as Record<string, unknown>))
    txt[key.toLowerCase()] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  return {
    name: service.name,
    fqdn: service.fqdn,
    type: service.type.toLowerCase(),
    host: service.host.replace(/\.$/, ''),
    port: service.port,
    addresses: service.addresses ?? [],
    ...(service.referer?.address ? { sender: service.referer.address } : {}),
    txt,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
