export * from './domain';
export * from './application/proposal-directory';
export * from './application/discovery.service';
export { DockerSource, type DockerSourceSettings } from './infrastructure/docker.source';
export { DiscoveryModule } from './discovery.module';
