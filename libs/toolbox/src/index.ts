export * from './domain';
export * from './application/catalog';
export * from './application/ports';
export * from './application/deployment-directory';
export * from './application/toolbox.service';
export { ToolboxAutoRouter } from './application/auto-router';
export { DirectoryCatalog } from './infrastructure/catalog-loader';
export {
  DockerComposeEngine,
  LABEL_CREATED_BY,
  LABEL_DEPLOYMENT,
  LABEL_PROJECT,
} from './infrastructure/docker-compose.engine';
export { FileSecretBox } from './infrastructure/secret-box';
export { ToolboxModule, type ToolboxModuleOptions } from './toolbox.module';
export { ContainersService } from './application/containers.service';
export { redactEnv } from './infrastructure/container-runtime';
