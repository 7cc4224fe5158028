export * from './domain';
export * from './application/proposal-directory';
export * from './application/discovery.service';
export { DockerSource, type DockerSourceSettings } from './infrastructure/docker.source';
export { dockerEngine } from './infrastructure/docker-engine';
export { DiscoveryModule } from './discovery.module';
export {
  KubernetesSource,
  type KubernetesSourceSettings,
} from './infrastructure/kubernetes.source';
export { MdnsSource, type MdnsSourceSettings } from './infrastructure/mdns.source';
