import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type Docker from 'dockerode';
import {
  dockerVerdict,
  type ContainerFacts,
  type DiscoveredService,
  type DockerRules,
} from '../domain';
import type { DiscoverySink, Rescanner } from '../application/discovery.service';
import { CoalescingTask } from './coalescing-task';
import { dockerEngine } from './docker-engine';

export interface DockerSourceSettings extends Omit<DockerRules, 'self'> {
  socketPath: string;
  pollIntervalMs: number;
  /** HOSTNAME of this process: inside a container it names (or is the id of) our own container. */
  hostname: string;
}

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

/**
 * Docker discovery: a full list at start, after every container event (debounced) and on a
 * timer; the engine's event stream is re-opened with backoff when it drops, followed by a
 * full resync, and a scan that fails (engine gone) reports nothing rather than an empty
 * list — so a restarting engine never makes every service "vanish". Nothing here dies
 * silently: failures are logged and retried.
 */
export class DockerSource implements Rescanner {
  private readonly docker: Docker;
  private stopped = false;
  private poller: NodeJS.Timeout | undefined;
  private events: NodeJS.ReadableStream | undefined;
  private readonly scans = new CoalescingTask(() => this.scan(), 300);
  private backoffMs = 1000;
  private readonly self: { id?: string; name?: string };
  private readonly skipped = new Map<string, string>();

  constructor(
    private readonly settings: DockerSourceSettings,
    private readonly sink: DiscoverySink,
    private readonly logger: Logger,
  ) {
    this.docker = dockerEngine(settings.socketPath);
    this.self = selfIdentity(settings.hostname);
  }

  start(): void {
    this.rescan();
    void this.watch();
    this.poller = setInterval(() => this.rescan(), this.settings.pollIntervalMs);
    this.poller.unref();
  }

  stop(): void {
    this.stopped = true;
    this.scans.stop();
    if (this.poller) clearInterval(this.poller);
    (this.events as { destroy?: () => void } | undefined)?.destroy?.();
  }

  /** Scans soon; scans never overlap, and requests during a scan fold into one more. */
  rescan(): void {
    this.scans.request();
  }

  /** Resolves after the scans requested so far have finished (tests, shutdown). */
  settled(): Promise<void> {
    return this.scans.settled();
  }

  private async scan(): Promise<void> {
    if (this.stopped) return;
    let facts: ContainerFacts[];
    try {
      facts = await this.list();
    } catch (error) {
      this.sink.warning(
        'docker',
        `could not list containers at ${this.settings.socketPath}: ${messageOf(error)}; retrying`,
      );
      return;
    }
    const services: DiscoveredService[] = [];
    for (const container of facts) {
      const verdict = dockerVerdict(container, { ...this.settings, self: this.self });
      if (verdict.kind === 'skip') {
        this.noteSkip(container, verdict.reason, verdict.invalid === true);
        continue;
      }
      const reachable = await probeAll(verdict.host, verdict.candidates);
      const built = verdict.build(reachable);
      if (!('kind' in built)) services.push(built);
      else if (built.kind === 'skip') this.noteSkip(container, built.reason, false);
    }
    if (!this.stopped) await this.sink.snapshot('docker', services);
  }

  /** Logs a skipped container once per reason, not at every scan. */
  private noteSkip(container: ContainerFacts, reason: string, invalid: boolean): void {
    if (this.skipped.get(container.id) === reason) return;
    this.skipped.set(container.id, reason);
    const line = `container ${container.name.replace(/^\//, '')} skipped: ${reason}`;
    if (invalid) this.logger.warn(line);
    else this.logger.info(line);
  }

  private async list(): Promise<ContainerFacts[]> {
    const containers = await this.docker.listContainers({ filters: { status: ['running'] } });
    const out: ContainerFacts[] = [];
    for (const c of containers) {
      let exposed: number[] = [];
      try {
        const inspected = await this.docker.getContainer(c.Id).inspect();
        exposed = Object.keys(inspected.Config.ExposedPorts ?? {})
          .filter((p) => p.endsWith('/tcp'))
          .map((p) => Number.parseInt(p, 10));
      } catch {
        // gone between list and inspect: the next scan settles it
      }
      const listed = (c.Ports ?? [])
        .filter((p) => p.Type === 'tcp')
        .map((p) => ({
          privatePort: p.PrivatePort,
          ...(p.PublicPort ? { publicPort: p.PublicPort } : {}),
        }));
      const seen = new Set(listed.map((p) => p.privatePort));
      const ports = [
        ...listed,
        ...exposed.filter((p) => !seen.has(p)).map((p) => ({ privatePort: p })),
      ];
      const networks: Record<string, string> = {};
      for (const [name, net] of Object.entries(c.NetworkSettings?.Networks ?? {}))
        if (net.IPAddress) networks[name] = net.IPAddress;
      out.push({
        id: c.Id,
        name: c.Names?.[0] ?? c.Id.slice(0, 12),
        image: c.Image,
        labels: c.Labels ?? {},
        networks,
        ports,
      });
    }
    return out;
  }

  private async watch(): Promise<void> {
    while (!this.stopped) {
      try {
        const stream = await this.docker.getEvents({
          filters: { type: ['container'] },
        });
        this.events = stream;
        this.backoffMs = 1000;
        this.rescan();
        await new Promise<void>((resolve) => {
          stream.on('data', () => this.rescan());
          stream.on('end', resolve);
          stream.on('close', resolve);
          stream.on('error', resolve);
        });
        if (!this.stopped)
          this.sink.warning('docker', 'the engine event stream ended; reconnecting');
      } catch (error) {
        if (!this.stopped)
          this.sink.warning(
            'docker',
            `cannot reach the engine at ${this.settings.socketPath}: ${messageOf(error)}; retrying in ${this.backoffMs / 1000} s`,
          );
      }
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, this.backoffMs).unref());
      this.backoffMs = Math.min(this.backoffMs * 2, 30_000);
    }
  }
}

/** Which of `ports` answer an HTTP HEAD on `host` (any status counts), at most 8 at once. */
async function probeAll(host: string, ports: readonly number[]): Promise<number[]> {
  const answered: number[] = [];
  for (let i = 0; i < ports.length; i += 8)
    await Promise.all(
      ports.slice(i, i + 8).map(async (port) => {
        if (await probe(host, port)) answered.push(port);
      }),
    );
  return ports.filter((p) => answered.includes(p));
}

function probe(host: string, port: number): Promise<boolean> {
  const tls = port === 443 || port === 8443;
  return new Promise((resolve) => {
    const req = (tls ? httpsRequest : httpRequest)(
      {
        host,
        port,
        method: 'HEAD',
        path: '/',
        timeout: 2000,
        rejectUnauthorized: false,
        headers: { 'user-agent': 'nekzus-probe/1.0', connection: 'close' },
      },
      (res) => {
        res.resume();
        resolve(true);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/** Our own container, so it is never proposed: from the cgroup file or HOSTNAME. */
function selfIdentity(hostname: string): { id?: string; name?: string } {
  try {
    const cgroup = readFileSync('/proc/self/cgroup', 'utf8');
    const match =
      /[/-]([0-9a-f]{64})(?:\.scope)?\s*$/m.exec(cgroup) ??
      /\/docker\/([0-9a-f]{12,64})/.exec(cgroup);
    if (match?.[1]) return { id: match[1].slice(0, 12) };
  } catch {
    // not Linux, or not allowed: fall through
  }
  if (/^[0-9a-f]{12,64}$/.test(hostname)) return { id: hostname.slice(0, 12) };
  return hostname ? { name: hostname } : {};
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
