import { resolve } from 'node:path';

/** Everything the gateway reads from its environment, parsed once at start. */
export interface GatewaySettings {
  host: string | undefined;
  port: number;
  /** As given, for messages: `:8080` or `127.0.0.1:8080`. */
  addr: string;
  dataDir: string;
  configPath: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Maximum JSON body on the control plane, in bytes. */
  bodyLimit: number;
}

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
  const problems: string[] = [];
  const addr = overrides.addr ?? env['NEKZUS_ADDR'] ?? ':8080';
  const parsed = parseAddr(addr);
  if (!parsed)
    problems.push(
      `NEKZUS_ADDR "${addr}" is not ":port" or "host:port" (port 1-65535, or 0 for any free port)`,
    );
  const level = (overrides.logLevel ?? env['NEKZUS_LOG_LEVEL'] ?? 'info').toLowerCase();
  if (!(LEVELS as readonly string[]).includes(level))
    problems.push(`NEKZUS_LOG_LEVEL "${level}" is not one of ${LEVELS.join(', ')}`);
  if (problems.length > 0) throw new SettingsError(problems.join('\n'));
  const config = overrides.config ?? env['NEKZUS_CONFIG'];
  return {
    host: parsed!.host,
    port: parsed!.port,
    addr,
    dataDir: resolve(overrides.dataDir ?? env['NEKZUS_DATA_DIR'] ?? './data'),
    configPath: config ? resolve(config) : undefined,
    logLevel: level as GatewaySettings['logLevel'],
    bodyLimit: 1024 * 1024,
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
