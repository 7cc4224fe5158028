import type Docker from 'dockerode';
import { dockerEngine } from '#libs/discovery';
import { DomainError } from '#libs/kernel';

/** A container as `GET /api/v1/containers` lists it (contract B §8). */
export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  state: string;
  status: string;
  /** Unix seconds. */
  created: number;
  ports: { ip?: string; privatePort: number; publicPort?: number; type: string }[];
  labels: Record<string, string>;
  runtime: 'docker';
}

export interface ContainerStats {
  containerId: string;
  cpu: { usage: number; coresUsed: number; totalCores: number };
  memory: { usage: number; used: number; limit: number; available: number };
  network: { rx: number; tx: number };
  timestamp: number;
}

export class ContainerNotFound extends DomainError {
  constructor(id: string) {
    super('CONTAINER_NOT_FOUND', 'not_found', `no container "${id}" on the engine`);
  }
}

export class RuntimeUnavailable extends DomainError {
  constructor(message: string) {
    super('RUNTIME_UNAVAILABLE', 'unavailable', `the Docker engine cannot be reached: ${message}`);
  }
}

const ID = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
/** Environment variable names whose values are shown (everything else is redacted). */
const HARMLESS_ENV = /^(PATH|HOME|HOSTNAME|LANG|LC_[A-Z]+|TZ|PUID|PGID|UID|GID|TERM)$/;

function statusOf(error: unknown): number | undefined {
  return (error as { statusCode?: number } | undefined)?.statusCode;
}

function messageOf(error: unknown): string {
  const json = (error as { json?: { message?: unknown } } | undefined)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return error instanceof Error ? error.message : String(error);
}

/** `KEY=value` → `KEY=********` unless the name is a harmless one. */
export function redactEnv(env: readonly string[] | null | undefined): string[] {
  return (env ?? []).map((entry) => {
    const eq = entry.indexOf('=');
    const name = eq === -1 ? entry : entry.slice(0, eq);
    return HARMLESS_ENV.test(name) || eq === -1 ? entry : `${name}=********`;
  });
}

/** Container control on the Docker engine of `discovery.docker.socket_path`. */
export class DockerContainerRuntime {
  private docker: Docker | undefined;
  private socket = '';

  constructor(private readonly socketPath: () => string) {}

  /** The engine client for the configured socket, made again only when the socket changes. */
  engine(): Docker {
    const path = this.socketPath();
    if (!this.docker || path !== this.socket) {
      this.docker = dockerEngine(path);
      this.socket = path;
    }
    return this.docker;
  }

  /** Runs an engine call, turning "no such container" and "engine away" into domain errors. */
  private async call<T>(id: string, run: () => Promise<T>): Promise<T> {
    if (!ID.test(id)) throw new ContainerNotFound(id);
    try {
      return await run();
    } catch (error) {
      if (statusOf(error) === 404) throw new ContainerNotFound(id);
      if (statusOf(error) === undefined) throw new RuntimeUnavailable(messageOf(error));
      throw error;
    }
  }

  async list(): Promise<ContainerSummary[]> {
    let containers: Docker.ContainerInfo[];
    try {
      containers = await this.engine().listContainers({ all: true });
    } catch (error) {
      throw new RuntimeUnavailable(messageOf(error));
    }
    return containers
      .map((c) => ({
        id: c.Id.slice(0, 12),
        name: (c.Names[0] ?? '').replace(/^\//, ''),
        image: c.Image,
        state: c.State === 'exited' ? 'stopped' : c.State,
        status: c.Status,
        created: c.Created,
        ports: c.Ports.map((p) => ({
          ...(p.IP ? { ip: p.IP } : {}),
          privatePort: p.PrivatePort,
          ...(p.PublicPort ? { publicPort: p.PublicPort } : {}),
          type: p.Type,
        })),
        labels: c.Labels ?? {},
        runtime: 'docker' as const,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The engine's inspect answer with every environment value redacted (Nekzus shows them). */
  async inspect(id: string): Promise<Record<string, unknown>> {
    const info = await this.call(id, () => this.engine().getContainer(id).inspect());
    return { ...info, Config: { ...info.Config, Env: redactEnv(info.Config?.Env) } };
  }

  /** Name, full id, running or not, and the app label: what the actions and events need. */
  async identify(
    id: string,
  ): Promise<{ id: string; name: string; running: boolean; appId?: string }> {
    const info = await this.call(id, () => this.engine().getContainer(id).inspect());
    const appId = info.Config?.Labels?.['nekzus.app.id'];
    return {
      id: info.Id.slice(0, 12),
      name: info.Name.replace(/^\//, ''),
      running: info.State?.Running === true,
      ...(appId ? { appId } : {}),
    };
  }

  async start(id: string): Promise<void> {
    await this.call(id, () => this.engine().getContainer(id).start());
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    await this.call(id, () => this.engine().getContainer(id).stop({ t: timeoutSeconds }));
  }

  async restart(id: string, timeoutSeconds: number): Promise<void> {
    await this.call(id, () => this.engine().getContainer(id).restart({ t: timeoutSeconds }));
  }

  async stats(id: string): Promise<ContainerStats> {
    const s = (await this.call(id, () =>
      this.engine().getContainer(id).stats({ stream: false }),
    )) as unknown as DockerStats;
    const cpuDelta =
      (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
    const systemDelta =
      (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
    const cores = s.cpu_stats?.online_cpus ?? s.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
    const usage = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * cores * 100 : 0;
    const cache = s.memory_stats?.stats?.inactive_file ?? s.memory_stats?.stats?.cache ?? 0;
    const used = Math.max(0, (s.memory_stats?.usage ?? 0) - cache);
    const limit = s.memory_stats?.limit ?? 0;
    let rx = 0;
    let tx = 0;
    for (const n of Object.values(s.networks ?? {})) {
      rx += n.rx_bytes ?? 0;
      tx += n.tx_bytes ?? 0;
    }
    return {
      containerId: id.slice(0, 12),
      cpu: {
        usage: Math.round(usage * 100) / 100,
        coresUsed: Math.round((usage / 100) * 100) / 100,
        totalCores: cores,
      },
      memory: {
        usage: limit > 0 ? Math.round((used / limit) * 10000) / 100 : 0,
        used,
        limit,
        available: Math.max(0, limit - used),
      },
      network: { rx, tx },
      timestamp: Math.floor(Date.now() / 1000),
    };
  }
}

interface DockerStats {
  cpu_stats?: CpuStats;
  precpu_stats?: CpuStats;
  memory_stats?: {
    usage?: number;
    limit?: number;
    stats?: { cache?: number; inactive_file?: number };
  };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}
interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}
