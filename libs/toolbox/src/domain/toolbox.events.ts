import type { DomainEvent } from '#libs/kernel';

export type DeploymentStatus = 'pending' | 'deploying' | 'deployed' | 'stopped' | 'failed';

/** Where a deployment broke: what the engine was doing when it refused. */
export type DeploymentPhase =
  | 'validate'
  | 'images'
  | 'volumes'
  | 'networks'
  | 'containers'
  | 'start'
  | 'health'
  | 'interrupted';

export interface DeployedContainer {
  service: string;
  containerId: string;
  name: string;
}

/**
 * A deployment was asked for. Variables the template marks secret are never in clear
 * here: only their names, and their values sealed with the gateway's toolbox key.
 */
export type DeploymentRequested = DomainEvent<
  'DeploymentRequested',
  {
    deploymentId: string;
    serviceId: string;
    serviceName: string;
    projectName: string;
    envVars: Record<string, string>;
    secretNames: string[];
    sealedSecrets?: string;
    autoStart: boolean;
    customPort?: number;
  }
>;
export type DeploymentStarted = DomainEvent<
  'DeploymentStarted',
  { deploymentId: string; services: string[] }
>;
export type DeploymentSucceeded = DomainEvent<
  'DeploymentSucceeded',
  {
    deploymentId: string;
    containers: DeployedContainer[];
    networks: string[];
    volumes: string[];
  }
>;
export type DeploymentFailed = DomainEvent<
  'DeploymentFailed',
  { deploymentId: string; phase: DeploymentPhase; message: string }
>;
export type DeploymentStopped = DomainEvent<'DeploymentStopped', { deploymentId: string }>;
/** A stopped deployment's containers were started again. */
export type DeploymentResumed = DomainEvent<'DeploymentResumed', { deploymentId: string }>;
export type DeploymentRemoved = DomainEvent<
  'DeploymentRemoved',
  { deploymentId: string; volumesRemoved: boolean }
>;

export type DeploymentEvent =
  | DeploymentRequested
  | DeploymentStarted
  | DeploymentSucceeded
  | DeploymentFailed
  | DeploymentStopped
  | DeploymentResumed
  | DeploymentRemoved;

export const DEPLOYMENT_EVENT_TYPES = [
  'DeploymentRequested',
  'DeploymentStarted',
  'DeploymentSucceeded',
  'DeploymentFailed',
  'DeploymentStopped',
  'DeploymentResumed',
  'DeploymentRemoved',
] as const;

export const TOOLBOX_EVENT_TYPES = DEPLOYMENT_EVENT_TYPES;

export const deploymentStream = (id: string) => `deployment-${id}`;
