export {
  configSchema,
  FORMAT_DESCRIPTIONS,
  type AppConfig,
  type AuthConfig,
  type DiscoveryConfig,
  type NekzusConfig,
  type RouteConfig,
  type ServerConfig,
} from './config.schema';
export { formatIssue, type ConfigIssue } from './config-issue';
export { createConfigAjv } from './config-validator';
export {
  applyEnvironment,
  applyFlags,
  DEFAULT_CONFIG_PATH,
  loadConfigFile,
  loadEffectiveConfig,
  parseConfigText,
  type ConfigFlags,
  type ConfigResult,
  type ReadTextFile,
} from './load-config';
export { MASK, maskSecrets } from './mask-secrets';
export { renderConfigReference } from './reference';
export { schemaLeaves, type SchemaLeaf, type SchemaNode } from './schema-walk';
export { isConfigReferenceCurrent, writeConfigReference } from './write-reference';
export * from './domain/config.decider';
export { ConfigApplier, type ApplyOutcome } from './application/config-applier';
export {
  desiredState,
  pendingRestart,
  routeFromConfig,
  appFromConfig,
} from './application/config-routes';
export { LiveConfig } from './application/live-config';
export { ConfigWatcher } from './infrastructure/config-watcher';
export { ConfigModule } from './config.module';
export { durationMs } from './duration';
