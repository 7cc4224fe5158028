import type { ComposeProject, DeployedContainer, DeploymentPhase } from '../domain';

export type ServiceState =
  'waiting' | 'pulling' | 'created' | 'starting' | 'running' | 'healthy' | 'failed';

/** What a running deployment is doing now: shown over the API and pushed over the WebSocket. */
export interface DeployProgress {
  phase: DeploymentPhase;
  services: Record<string, ServiceState>;
}

export interface DeployHooks {
  progress(p: DeployProgress): void;
  signal: AbortSignal;
}

export interface DeployOutcome {
  containers: DeployedContainer[];
  networks: string[];
  volumes: string[];
}

/** A deployment step the engine refused, with the engine's own message. */
export class DeployFailure extends Error {
  constructor(
    readonly phase: DeploymentPhase,
    message: string,
  ) {
    super(message);
    this.name = 'DeployFailure';
  }
}

/** The container engine as a deployment needs it (Docker in production and in the tests). */
export interface ComposeEngine {
  /** Brings the project up; throws DeployFailure. Leaves cleaning up to `cleanup`. */
  deploy(
    deploymentId: string,
    projectName: string,
    project: ComposeProject,
    hooks: DeployHooks,
  ): Promise<DeployOutcome>;
  /** Removes what an attempt left: containers, networks, and volumes it created. */
  cleanup(projectName: string, deploymentId: string): Promise<void>;
  remove(projectName: string, removeVolumes: boolean): Promise<void>;
  stop(projectName: string): Promise<void>;
  start(projectName: string): Promise<void>;
}

/** Seals secret variables at rest; only this gateway's key opens them, for the same context. */
export interface SecretBox {
  seal(values: Record<string, string>, context: string): string;
  open(sealed: string, context: string): Record<string, string>;
}
