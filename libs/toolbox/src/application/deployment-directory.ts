import type { RecordedEvent } from '#libs/event-store';
import { PositionTracker } from '#libs/projections';
import {
  DEPLOYMENT_EVENT_TYPES,
  type DeployedContainer,
  type DeploymentEvent,
  type DeploymentPhase,
  type DeploymentStatus,
} from '../domain';

export interface DeploymentRecord {
  id: string;
  serviceId: string;
  serviceName: string;
  projectName: string;
  status: DeploymentStatus;
  /** Variables in clear: only the non-secret ones. */
  envVars: Record<string, string>;
  secretNames: string[];
  sealedSecrets?: string;
  autoStart: boolean;
  customPort?: number;
  containers: DeployedContainer[];
  networks: string[];
  volumes: string[];
  errorMessage?: string;
  failedPhase?: DeploymentPhase;
  createdAt: Date;
  updatedAt: Date;
  deployedAt?: Date;
  /** `kind:id` of whoever asked for it. */
  deployedBy: string;
  /** Position and id of the last event of this deployment. */
  position: bigint;
  lastEventId: string;
}

const TYPES: ReadonlySet<string> = new Set(DEPLOYMENT_EVENT_TYPES);

/** Every live deployment, rebuilt from the log at start (removed ones are dropped). */
export class DeploymentDirectory {
  readonly name = 'deployment-directory';
  private readonly deployments = new Map<string, DeploymentRecord>();
  private readonly tracker = new PositionTracker();
  private readonly listeners = new Set<(record: DeploymentRecord, event: RecordedEvent) => void>();
  private readonly seen = new Set<(event: RecordedEvent) => void>();

  apply(recorded: RecordedEvent): void {
    if (TYPES.has(recorded.type))
      this.on({ type: recorded.type, data: recorded.data } as DeploymentEvent, recorded);
    for (const listener of this.seen) listener(recorded);
    this.tracker.advance(recorded.position);
  }

  waitFor(position: bigint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitFor(position, timeoutMs);
  }

  /** Called after a deployment's record changed. */
  onChange(listener: (record: DeploymentRecord, event: RecordedEvent) => void): void {
    this.listeners.add(listener);
  }

  /** Called with every event of the log (the auto-router watches discovery's). */
  onEvent(listener: (event: RecordedEvent) => void): void {
    this.seen.add(listener);
  }

  private on(event: DeploymentEvent, recorded: RecordedEvent): void {
    const id = event.data.deploymentId;
    const at = recorded.recordedAt;
    let record = this.deployments.get(id);
    if (event.type === 'DeploymentRequested') {
      const d = event.data;
      record = {
        id,
        serviceId: d.serviceId,
        serviceName: d.serviceName,
        projectName: d.projectName,
        status: 'pending',
        envVars: d.envVars,
        secretNames: d.secretNames,
        ...(d.sealedSecrets ? { sealedSecrets: d.sealedSecrets } : {}),
        autoStart: d.autoStart,
        ...(d.customPort ? { customPort: d.customPort } : {}),
        containers: [],
        networks: [],
        volumes: [],
        createdAt: at,
        updatedAt: at,
        deployedBy: `${recorded.metadata.actor.kind}:${recorded.metadata.actor.id}`,
        position: recorded.position,
        lastEventId: recorded.id,
      };
      this.deployments.set(id, record);
    } else {
      if (!record) return;
      record.updatedAt = at;
      record.position = recorded.position;
      record.lastEventId = recorded.id;
      switch (event.type) {
        case 'DeploymentStarted':
          record.status = 'deploying';
          delete record.errorMessage;
          delete record.failedPhase;
          break;
        case 'DeploymentSucceeded':
          Object.assign(record, {
            status: 'deployed',
            containers: event.data.containers,
            networks: event.data.networks,
            volumes: event.data.volumes,
            deployedAt: at,
          });
          break;
        case 'DeploymentFailed':
          Object.assign(record, {
            status: 'failed',
            errorMessage: event.data.message,
            failedPhase: event.data.phase,
            containers: [],
          });
          break;
        case 'DeploymentStopped':
          record.status = 'stopped';
          break;
        case 'DeploymentResumed':
          record.status = 'deployed';
          break;
        case 'DeploymentRemoved':
          this.deployments.delete(id);
          break;
      }
    }
    for (const listener of this.listeners) listener(record, recorded);
  }

  get(id: string): DeploymentRecord | undefined {
    return this.deployments.get(id);
  }

  byProject(projectName: string): DeploymentRecord | undefined {
    return [...this.deployments.values()].find((d) => d.projectName === projectName);
  }

  list(status?: string): DeploymentRecord[] {
    return [...this.deployments.values()]
      .filter((d) => status === undefined || d.status === status)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : 1));
  }
}
