import { describe, it } from 'vitest';
import { deciderSpecification } from '#libs/kernel';
import { deploymentDecider } from './deployment.decider';
import type { DeploymentEvent } from './toolbox.events';

const id = `deploy_${'a'.repeat(24)}`;
const spec = deciderSpecification(deploymentDecider, undefined);
const requested: DeploymentEvent = {
  type: 'DeploymentRequested',
  data: {
    deploymentId: id,
    serviceId: 'notes',
    serviceName: 'Notes',
    projectName: 'notes',
    envVars: {},
    secretNames: [],
    autoStart: true,
  },
};
const started: DeploymentEvent = {
  type: 'DeploymentStarted',
  data: { deploymentId: id, services: ['web'] },
};
const succeeded: DeploymentEvent = {
  type: 'DeploymentSucceeded',
  data: { deploymentId: id, containers: [], networks: [], volumes: [] },
};

describe('deployment decider', () => {
  it('a deployment id is requested once', () => {
    spec
      .given([requested])
      .when({ kind: 'Request', request: requested.data })
      .thenThrows('DEPLOYMENT_EXISTS');
  });

  it('starts from pending or failed, never twice at once', () => {
    spec
      .given([requested])
      .when({ kind: 'Start', deploymentId: id, services: ['web'] })
      .then([started]);
    spec
      .given([requested, started])
      .when({ kind: 'Start', deploymentId: id, services: ['web'] })
      .thenThrows('DEPLOYMENT_BUSY');
    spec
      .given([
        requested,
        started,
        { type: 'DeploymentFailed', data: { deploymentId: id, phase: 'images', message: 'x' } },
      ])
      .when({ kind: 'Start', deploymentId: id, services: ['web'] })
      .then([started]);
  });

  it('records the failure phase and the engine message', () => {
    spec
      .given([requested, started])
      .when({ kind: 'Fail', deploymentId: id, phase: 'health', message: 'web is unhealthy' })
      .then([
        {
          type: 'DeploymentFailed',
          data: { deploymentId: id, phase: 'health', message: 'web is unhealthy' },
        },
      ]);
  });

  it('stops a deployed one, starts a stopped one; repeating either changes nothing', () => {
    spec
      .given([requested, started, succeeded])
      .when({ kind: 'Stop', deploymentId: id })
      .then([{ type: 'DeploymentStopped', data: { deploymentId: id } }]);
    const stopped: DeploymentEvent = { type: 'DeploymentStopped', data: { deploymentId: id } };
    spec
      .given([requested, started, succeeded, stopped])
      .when({ kind: 'Stop', deploymentId: id })
      .then([]);
    spec
      .given([requested, started, succeeded, stopped])
      .when({ kind: 'Resume', deploymentId: id })
      .then([{ type: 'DeploymentResumed', data: { deploymentId: id } }]);
    spec.given([requested]).when({ kind: 'Stop', deploymentId: id }).thenThrows('DEPLOYMENT_BUSY');
  });

  it('is not removed mid-deployment; removed, it is gone', () => {
    spec
      .given([requested, started])
      .when({ kind: 'Remove', deploymentId: id, volumesRemoved: false })
      .thenThrows('DEPLOYMENT_BUSY');
    const removed: DeploymentEvent = {
      type: 'DeploymentRemoved',
      data: { deploymentId: id, volumesRemoved: true },
    };
    spec
      .given([requested, started, succeeded])
      .when({ kind: 'Remove', deploymentId: id, volumesRemoved: true })
      .then([removed]);
    spec
      .given([requested, started, succeeded, removed])
      .when({ kind: 'Stop', deploymentId: id })
      .thenThrows('DEPLOYMENT_NOT_FOUND');
  });
});
