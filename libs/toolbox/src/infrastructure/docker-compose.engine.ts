import { mkdirSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type Docker from 'dockerode';
import { dockerEngine } from '#libs/discovery';
import type { ComposeProject, ComposeService, DeployedContainer, DeploymentPhase } from '../domain';
import {
  DeployFailure,
  type ComposeEngine,
  type DeployHooks,
  type DeployOutcome,
  type ServiceState,
} from '../application/ports';

/** Labels that find everything a deployment created, so removal misses nothing. */
export const LABEL_PROJECT = 'nekzus.toolbox.project';
export const LABEL_DEPLOYMENT = 'nekzus.toolbox.deployment';
export const LABEL_CREATED_BY = 'nekzus.toolbox.created-by';
export const LABEL_ORDER = 'nekzus.toolbox.order';

export interface EngineSettings {
  socketPath: string;
  /** Where relative bind mounts live, as the Docker host sees it: `<dir>/<project>/<path>`. */
  hostDataDir: string;
  /** The same directory as this process sees it (created before a bind mount needs it). */
  localDataDir: string;
}

const POLL_MS = 250;
const messageOf = (error: unknown): string => {
  const e = error as { json?: { message?: string }; message?: string };
  return (e?.json?.message ?? e?.message ?? String(error)).trim();
};
const notFound = (error: unknown) => (error as { statusCode?: number })?.statusCode === 404;

/**
 * Runs a Compose project on the Docker engine the way `docker compose up -d` would for the
 * keys we honour, labelling every container, network and volume it creates.
 */
export class DockerComposeEngine implements ComposeEngine {
  private engine: Docker | undefined;

  constructor(private readonly settings: EngineSettings) {}

  /** The engine client, made on first use (a gateway with the toolbox off never loads dockerode). */
  get docker(): Docker {
    return (this.engine ??= dockerEngine(this.settings.socketPath));
  }

  async deploy(
    deploymentId: string,
    projectName: string,
    project: ComposeProject,
    hooks: DeployHooks,
  ): Promise<DeployOutcome> {
    const states: Record<string, ServiceState> = {};
    for (const s of project.services) states[s.name] = 'waiting';
    let phase: DeploymentPhase = 'images';
    const report = () => hooks.progress({ phase, services: { ...states } });
    const step = async <T>(p: DeploymentPhase, work: () => Promise<T>): Promise<T> => {
      phase = p;
      report();
      if (hooks.signal.aborted)
        throw new DeployFailure(p, String(hooks.signal.reason ?? 'aborted'));
      try {
        return await work();
      } catch (error) {
        if (error instanceof DeployFailure) throw error;
        throw new DeployFailure(p, messageOf(error));
      }
    };
    const base = (): Record<string, string> => ({
      [LABEL_PROJECT]: projectName,
      [LABEL_DEPLOYMENT]: deploymentId,
      'com.docker.compose.project': projectName,
    });

    await step('images', async () => {
      for (const image of new Set(project.services.map((s) => s.image))) {
        const users = project.services.filter((s) => s.image === image).map((s) => s.name);
        try {
          await this.docker.getImage(image).inspect();
          continue;
        } catch (error) {
          if (!notFound(error)) throw error;
        }
        for (const u of users) states[u] = 'pulling';
        report();
        try {
          await this.pull(image);
        } catch (error) {
          for (const u of users) states[u] = 'failed';
          throw new DeployFailure('images', `pulling ${image}: ${messageOf(error)}`);
        }
      }
    });

    const volumes = new Map<string, string>();
    await step('volumes', async () => {
      for (const v of project.volumes) {
        const name = v.name ?? `${projectName}_${v.key}`;
        volumes.set(v.key, name);
        try {
          await this.docker.getVolume(name).inspect();
          continue; // kept from an earlier deployment: its data is the point
        } catch (error) {
          if (!notFound(error)) throw error;
          if (v.external)
            throw new DeployFailure('volumes', `external volume ${name} does not exist`);
        }
        await this.docker.createVolume({
          Name: name,
          ...(v.driver ? { Driver: v.driver } : {}),
          Labels: {
            ...base(),
            'com.docker.compose.volume': v.key,
            [LABEL_CREATED_BY]: deploymentId,
          },
        });
      }
    });

    const networks = new Map<string, string>();
    await step('networks', async () => {
      const used = new Set(project.services.flatMap((s) => s.networks));
      const declared = new Map(project.networks.map((n) => [n.key, n]));
      for (const key of used) {
        const spec = declared.get(key);
        const name = spec?.name ?? `${projectName}_${key}`;
        networks.set(key, name);
        const existing: unknown = await this.docker
          .getNetwork(name)
          .inspect()
          .catch((error: unknown) => {
            if (notFound(error)) return undefined;
            throw error;
          });
        if (existing) {
          const labels = (existing as { Labels?: Record<string, string> }).Labels ?? {};
          if (spec?.external || labels[LABEL_PROJECT] === projectName) continue;
          throw new DeployFailure(
            'networks',
            `network ${name} exists and is not this deployment's`,
          );
        }
        if (spec?.external)
          throw new DeployFailure('networks', `external network ${name} does not exist`);
        await this.docker.createNetwork({
          Name: name,
          CheckDuplicate: true,
          ...(spec?.driver ? { Driver: spec.driver } : {}),
          Labels: {
            ...base(),
            'com.docker.compose.network': key,
            [LABEL_CREATED_BY]: deploymentId,
          },
        });
      }
    });

    const created = new Map<string, Docker.Container>();
    await step('containers', async () => {
      let order = 0;
      for (const s of project.services) {
        const container = await this.docker.createContainer(
          this.containerSpec(s, projectName, base(), order++, volumes, networks),
        );
        created.set(s.name, container);
        // Further networks are joined before the start, with the service name as alias.
        for (const key of s.networks.slice(1))
          await this.docker
            .getNetwork(networks.get(key)!)
            .connect({ Container: container.id, EndpointConfig: { Aliases: [s.name] } });
        states[s.name] = 'created';
        report();
      }
    });

    await step('start', async () => {
      for (const s of project.services) {
        for (const d of s.dependsOn) {
          if (d.condition === 'service_healthy')
            await this.waitFor(
              created.get(d.service)!,
              d.service,
              'healthy',
              hooks,
              states,
              report,
            );
          else if (d.condition === 'service_completed_successfully')
            await this.waitFor(
              created.get(d.service)!,
              d.service,
              'completed',
              hooks,
              states,
              report,
            );
        }
        states[s.name] = 'starting';
        report();
        await created.get(s.name)!.start();
        states[s.name] = 'running';
        report();
      }
    });

    await step('health', async () => {
      for (const s of project.services)
        await this.waitFor(created.get(s.name)!, s.name, 'settled', hooks, states, report);
    });

    const containers: DeployedContainer[] = project.services.map((s) => ({
      service: s.name,
      containerId: created.get(s.name)!.id,
      name: `${projectName}-${s.name}-1`,
    }));
    return {
      containers,
      networks: [...new Set(networks.values())],
      volumes: [...new Set(volumes.values())],
    };
  }

  private containerSpec(
    s: ComposeService,
    projectName: string,
    base: Record<string, string>,
    order: number,
    volumes: ReadonlyMap<string, string>,
    networks: ReadonlyMap<string, string>,
  ): Docker.ContainerCreateOptions {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, { HostIp?: string; HostPort?: string }[]> = {};
    for (const p of s.ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({
        ...(p.hostIp ? { HostIp: p.hostIp } : {}),
        HostPort: p.hostPort ? String(p.hostPort) : '',
      });
    }
    const binds: string[] = [];
    const mounts: Docker.MountSettings[] = [];
    for (const m of s.mounts) {
      if (m.type === 'volume')
        mounts.push({
          Type: 'volume',
          Source: volumes.get(m.source)!,
          Target: m.target,
          ReadOnly: m.readOnly,
        });
      else {
        const host = isAbsolute(m.source)
          ? m.source
          : resolve(this.settings.hostDataDir, projectName, m.source);
        if (!isAbsolute(m.source))
          mkdirSync(resolve(this.settings.localDataDir, projectName, m.source), {
            recursive: true,
          });
        binds.push(`${host}:${m.target}${m.readOnly ? ':ro' : ''}`);
      }
    }
    const first = s.networks[0];
    const h = s.healthcheck;
    const ns = (ms: number | undefined) => (ms === undefined ? undefined : ms * 1_000_000);
    return {
      name: `${projectName}-${s.name}-1`,
      Image: s.image,
      Env: Object.entries(s.environment).map(([k, v]) => `${k}=${v}`),
      Labels: {
        ...s.labels,
        ...base,
        'com.docker.compose.service': s.name,
        'com.docker.compose.container-number': '1',
        [LABEL_ORDER]: String(order),
      },
      ...(s.command ? { Cmd: s.command } : {}),
      ...(s.entrypoint ? { Entrypoint: s.entrypoint } : {}),
      ...(s.user ? { User: s.user } : {}),
      ...(s.workingDir ? { WorkingDir: s.workingDir } : {}),
      ...(s.hostname ? { Hostname: s.hostname } : {}),
      ...(s.stopSignal ? { StopSignal: s.stopSignal } : {}),
      ...(s.stopGraceSeconds !== undefined ? { StopTimeout: s.stopGraceSeconds } : {}),
      ExposedPorts: exposed,
      ...(h
        ? {
            Healthcheck: {
              Test: h.test,
              ...(h.intervalMs !== undefined ? { Interval: ns(h.intervalMs) } : {}),
              ...(h.timeoutMs !== undefined ? { Timeout: ns(h.timeoutMs) } : {}),
              ...(h.startPeriodMs !== undefined ? { StartPeriod: ns(h.startPeriodMs) } : {}),
              ...(h.retries !== undefined ? { Retries: h.retries } : {}),
            },
          }
        : {}),
      HostConfig: {
        PortBindings: bindings,
        Mounts: mounts,
        Binds: binds,
        RestartPolicy: { Name: s.restart === 'no' ? '' : s.restart },
        ...(first ? { NetworkMode: networks.get(first)! } : {}),
      },
      ...(first
        ? {
            NetworkingConfig: {
              EndpointsConfig: { [networks.get(first)!]: { Aliases: [s.name] } },
            },
          }
        : {}),
    };
  }

  /**
   * Polls a container until it is healthy (`healthy`), exited 0 (`completed`), or running
   * and, with a healthcheck, healthy (`settled`); an exit or an unhealthy verdict fails.
   */
  private async waitFor(
    container: Docker.Container,
    service: string,
    want: 'healthy' | 'completed' | 'settled',
    hooks: DeployHooks,
    states: Record<string, ServiceState>,
    report: () => void,
  ): Promise<void> {
    for (;;) {
      if (hooks.signal.aborted)
        throw new DeployFailure('health', String(hooks.signal.reason ?? 'aborted'));
      const info = await container.inspect();
      const st = info.State;
      const health = (st as { Health?: { Status?: string; Log?: { Output?: string }[] } }).Health;
      if (want === 'completed') {
        if (!st.Running && st.Status === 'exited') {
          if (st.ExitCode === 0) return;
          states[service] = 'failed';
          throw new DeployFailure('start', `${service} exited with code ${st.ExitCode}`);
        }
      } else {
        if (!st.Running || st.Restarting) {
          states[service] = 'failed';
          throw new DeployFailure(
            'health',
            `${service} stopped (exit code ${st.ExitCode})${st.Error ? `: ${st.Error}` : ''}`,
          );
        }
        if (!health || health.Status === 'healthy') {
          if (health) {
            states[service] = 'healthy';
            report();
          }
          if (want === 'settled' || health) return;
        }
        if (health?.Status === 'unhealthy') {
          states[service] = 'failed';
          const last = health.Log?.at(-1)?.Output?.trim();
          throw new DeployFailure('health', `${service} is unhealthy${last ? `: ${last}` : ''}`);
        }
        if (want === 'healthy' && !health)
          throw new DeployFailure('start', `${service} has no healthcheck to wait for`);
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  }

  private pull(image: string): Promise<void> {
    return new Promise((resolvePull, reject) => {
      void this.docker.pull(image, (error: unknown, stream: NodeJS.ReadableStream | undefined) => {
        if (error || !stream)
          return reject(error instanceof Error ? error : new Error(String(error)));
        const modem = this.docker.modem as {
          followProgress(
            stream: NodeJS.ReadableStream,
            done: (error: unknown, output: { error?: string }[] | undefined) => void,
          ): void;
        };
        modem.followProgress(stream, (done: unknown, output: { error?: string }[] | undefined) => {
          const failed = output?.find((o) => o.error);
          if (done) reject(done instanceof Error ? done : new Error(messageOf(done)));
          else if (failed) reject(new Error(failed.error));
          else resolvePull();
        });
      });
    });
  }

  /** Removes containers and networks of the project, and volumes this deployment created. */
  async cleanup(projectName: string, deploymentId: string): Promise<void> {
    await this.removeContainers(projectName);
    await this.removeNetworks(projectName);
    const { Volumes } = await this.docker.listVolumes({
      filters: { label: [`${LABEL_CREATED_BY}=${deploymentId}`] },
    });
    for (const v of Volumes ?? []) await this.docker.getVolume(v.Name).remove().catch(ignoreGone);
  }

  async remove(projectName: string, removeVolumes: boolean): Promise<void> {
    await this.removeContainers(projectName);
    await this.removeNetworks(projectName);
    if (!removeVolumes) return;
    const { Volumes } = await this.docker.listVolumes({
      filters: { label: [`${LABEL_PROJECT}=${projectName}`] },
    });
    for (const v of Volumes ?? []) await this.docker.getVolume(v.Name).remove().catch(ignoreGone);
  }

  async stop(projectName: string): Promise<void> {
    const list = await this.projectContainers(projectName);
    for (const c of list.reverse())
      if (c.State === 'running')
        await this.docker.getContainer(c.Id).stop().catch(ignoreNotModified);
  }

  async start(projectName: string): Promise<void> {
    const list = await this.projectContainers(projectName);
    if (list.length === 0)
      throw new Error(`no containers of ${projectName} are left on the engine`);
    for (const c of list)
      if (c.State !== 'running')
        await this.docker.getContainer(c.Id).start().catch(ignoreNotModified);
  }

  /** The project's containers in start order. */
  private async projectContainers(projectName: string): Promise<Docker.ContainerInfo[]> {
    const list = await this.docker.listContainers({
      all: true,
      filters: { label: [`${LABEL_PROJECT}=${projectName}`] },
    });
    return list.sort(
      (a, b) => Number(a.Labels[LABEL_ORDER] ?? 0) - Number(b.Labels[LABEL_ORDER] ?? 0),
    );
  }

  private async removeContainers(projectName: string): Promise<void> {
    for (const c of await this.projectContainers(projectName))
      await this.docker.getContainer(c.Id).remove({ force: true, v: false }).catch(ignoreRemoving);
  }

  private async removeNetworks(projectName: string): Promise<void> {
    const nets = await this.docker.listNetworks({
      filters: { label: [`${LABEL_PROJECT}=${projectName}`] },
    });
    for (const n of nets) await this.docker.getNetwork(n.Id).remove().catch(ignoreGone);
  }
}

function ignoreGone(error: unknown): void {
  if (notFound(error)) return;
  throw error;
}

/** Gone already, or its removal is already under way. */
function ignoreRemoving(error: unknown): void {
  if (notFound(error) || (error as { statusCode?: number })?.statusCode === 409) return;
  throw error;
}

function ignoreNotModified(error: unknown): void {
  if ((error as { statusCode?: number })?.statusCode === 304) return;
  throw error;
}
