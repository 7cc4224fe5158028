import { resolve } from 'node:path';
// From the modules, not the barrel (which brings the NestJS config module): the CLI reads
// settings (`nekzus pair`) without loading Nest.
import { formatIssue, type ConfigIssue } from '../../../libs/config/src/config-issue';
import type { NekzusConfig } from '../../../libs/config/src/config.schema';
import { loadEffectiveConfig, type ConfigFlags } from '../../../libs/config/src/load-config';

/** Everything the gateway reads from its environment and config file, parsed once at start. */
export interface GatewaySettings {
  host: string | undefined;
  port: number;
  /** As given, for messages: `:8080` or `127.0.0.1:8080`. */
  addr: string;
  dataDir: string;
  /** Where the event log and this replica's read models live (storage.*; files in the data dir by default). */
  storage: StorageSettings;
  /** The config file that was read, if one was. */
  configPath: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Maximum JSON body on the control plane, in bytes. */
  bodyLimit: number;
  /** The whole validated config (defaults < file < environment < flags). */
  config: NekzusConfig;
  /** `ENVIRONMENT` is development, dev or test (Nekzus's switch): example-looking secrets are allowed. */
  devMode: boolean;
  /** HOSTNAME, which names our own container when we run in one (discovery skips it). */
  hostname: string;
  /** Unknown keys and other things worth a look; start-up goes on. */
  warnings: string[];
  /** What the config was computed from, so a reload applies the same precedence. */
  sources: { flags: ConfigFlags; env: Readonly<Record<string, string | undefined>> };
}

export interface StorageSettings {
  eventStore: 'sqlite' | 'kurrentdb';
  /** The SQLite events file (also what `sqlite` replicas share). */
  eventsPath: string;
  readModelsPath: string;
  /** Set when eventStore is `kurrentdb`. */
  kurrentdbUrl: string | undefined;
}

/** The config or the environment is wrong: every problem, one per line, with where it is. */
export class SettingsError extends Error {}

export interface SettingsOverrides {
  addr?: string;
  dataDir?: string;
  config?: string;
  logLevel?: string;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

export function loadSettings(
  env: NodeJS.ProcessEnv,
  overrides: SettingsOverrides = {},
): GatewaySettings {
  const configPath = overrides.config ?? env['NEKZUS_CONFIG'];
  const flags: ConfigFlags = {
    ...(configPath ? { config: configPath } : {}),
    ...(overrides.addr ? { addr: overrides.addr } : {}),
    ...(overrides.dataDir ? { data_dir: overrides.dataDir } : {}),
  };
  const result = loadEffectiveConfig({ env, flags });
  const problems: string[] = result.errors.map(formatIssue);
  const level = (overrides.logLevel ?? env['NEKZUS_LOG_LEVEL'] ?? 'info').toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level))
    problems.push(`NEKZUS_LOG_LEVEL: expected one of ${LEVELS.join(', ')}, found "${level}"`);
  const config = result.config;
  const listen = config ? parseAddr(config.server.addr) : undefined;
  if (config && !listen) problems.push(`server.addr: "${config.server.addr}" is not host:port`);
  if (config?.storage.event_store === 'kurrentdb' && !config.storage.kurrentdb.connection_string)
    problems.push(
      'storage.kurrentdb.connection_string (NEKZUS_KURRENTDB_URL): required when storage.event_store is "kurrentdb", e.g. "kurrentdb+discover://node1:2113,node2:2113,node3:2113?tls=true"',
    );
  if (problems.length > 0 || !config || !listen) throw new SettingsError(problems.join('\n'));
  const dataDir = resolve(config.storage.data_dir);
  return {
    host: listen.host,
    port: listen.port,
    addr: config.server.addr,
    dataDir,
    storage: {
      eventStore: config.storage.event_store,
      eventsPath: resolve(dataDir, config.storage.events_path || 'events.db'),
      readModelsPath: resolve(dataDir, config.storage.read_models_path || 'read-models.db'),
      kurrentdbUrl: config.storage.kurrentdb.connection_string || undefined,
    },
    configPath: configPath ? resolve(configPath) : undefined,
    logLevel: level as GatewaySettings['logLevel'],
    bodyLimit: 1024 * 1024,
    config,
    devMode: ['development', 'dev', 'test'].includes((env['ENVIRONMENT'] ?? '').toLowerCase()),
    hostname: env['HOSTNAME'] ?? '',
    sources: { flags, env },
    warnings: result.warnings
      .filter((w: ConfigIssue) => !/config file not found; using defaults/.test(w.message))
      .map(formatIssue),
  };
}

export function parseAddr(addr: string): { host: string | undefined; port: number } | undefined {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):([0-9]{1,5})$/.exec(addr.trim());
  if (!match) return undefined;
  const port = Number(match[3]);
  if (port > 65535) return undefined;
  const host = match[1] ?? match[2];
  return { host: host ? host : undefined, port };
}
