import { DomainError, type Decider } from '#libs/kernel';
import type {
  DeployedContainer,
  DeploymentEvent,
  DeploymentPhase,
  DeploymentRequested,
  DeploymentStatus,
} from './toolbox.events';

export type DeploymentState =
  | { status: 'missing' | 'removed' }
  | {
      status: DeploymentStatus;
      request: DeploymentRequested['data'];
      containers: DeployedContainer[];
    };

export type DeploymentCommand =
  | { kind: 'Request'; request: DeploymentRequested['data'] }
  | { kind: 'Start'; deploymentId: string; services: string[] }
  | {
      kind: 'Succeed';
      deploymentId: string;
      containers: DeployedContainer[];
      networks: string[];
      volumes: string[];
    }
  | { kind: 'Fail'; deploymentId: string; phase: DeploymentPhase; message: string }
  | { kind: 'Stop'; deploymentId: string }
  | { kind: 'Resume'; deploymentId: string }
  | { kind: 'Remove'; deploymentId: string; volumesRemoved: boolean };

export class DeploymentNotFound extends DomainError {
  constructor(id: string) {
    super('DEPLOYMENT_NOT_FOUND', 'not_found', `no deployment with id "${id}"`);
  }
}

export class DeploymentBusy extends DomainError {
  constructor(id: string, status: string, wanted: string) {
    super('DEPLOYMENT_BUSY', 'conflict', `deployment ${id} is ${status}; cannot ${wanted} it now`);
  }
}

const MAX_MESSAGE = 1000;

/** One deployment's life: pending → deploying → deployed ⇄ stopped, or failed; removed at the end. */
export const deploymentDecider: Decider<DeploymentCommand, DeploymentEvent, DeploymentState, void> =
  {
    initialState: () => ({ status: 'missing' }),
    evolve(state, event): DeploymentState {
      if (event.type === 'DeploymentRequested')
        return { status: 'pending', request: event.data, containers: [] };
      if (!('request' in state)) return state;
      switch (event.type) {
        case 'DeploymentStarted':
          return { ...state, status: 'deploying', containers: [] };
        case 'DeploymentSucceeded':
          return { ...state, status: 'deployed', containers: event.data.containers };
        case 'DeploymentFailed':
          return { ...state, status: 'failed', containers: [] };
        case 'DeploymentStopped':
          return { ...state, status: 'stopped' };
        case 'DeploymentResumed':
          return { ...state, status: 'deployed' };
        case 'DeploymentRemoved':
          return { status: 'removed' };
      }
    },
    decide(command, state) {
      if (command.kind === 'Request') {
        if (state.status !== 'missing')
          throw new DomainError(
            'DEPLOYMENT_EXISTS',
            'conflict',
            `deployment ${command.request.deploymentId} exists`,
          );
        return [{ type: 'DeploymentRequested', data: command.request }];
      }
      const id = command.deploymentId;
      if (state.status === 'missing' || state.status === 'removed')
        throw new DeploymentNotFound(id);
      switch (command.kind) {
        case 'Start':
          if (state.status !== 'pending' && state.status !== 'failed')
            throw new DeploymentBusy(id, state.status, 'deploy');
          return [
            { type: 'DeploymentStarted', data: { deploymentId: id, services: command.services } },
          ];
        case 'Succeed':
          if (state.status !== 'deploying') throw new DeploymentBusy(id, state.status, 'complete');
          return [
            {
              type: 'DeploymentSucceeded',
              data: {
                deploymentId: id,
                containers: command.containers,
                networks: command.networks,
                volumes: command.volumes,
              },
            },
          ];
        case 'Fail':
          if (state.status !== 'deploying' && state.status !== 'pending')
            throw new DeploymentBusy(id, state.status, 'fail');
          return [
            {
              type: 'DeploymentFailed',
              data: {
                deploymentId: id,
                phase: command.phase,
                message: command.message.slice(0, MAX_MESSAGE) || 'unknown error',
              },
            },
          ];
        case 'Stop':
          if (state.status === 'stopped') return [];
          if (state.status !== 'deployed') throw new DeploymentBusy(id, state.status, 'stop');
          return [{ type: 'DeploymentStopped', data: { deploymentId: id } }];
        case 'Resume':
          if (state.status === 'deployed') return [];
          if (state.status !== 'stopped') throw new DeploymentBusy(id, state.status, 'start');
          return [{ type: 'DeploymentResumed', data: { deploymentId: id } }];
        case 'Remove':
          if (state.status === 'deploying') throw new DeploymentBusy(id, state.status, 'remove');
          return [
            {
              type: 'DeploymentRemoved',
              data: { deploymentId: id, volumesRemoved: command.volumesRemoved },
            },
          ];
      }
    },
  };
