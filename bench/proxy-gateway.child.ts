import { startGateway } from '../apps/gateway/src/gateway';
import { createLogger } from '../apps/gateway/src/logger';
import { loadSettings } from '../apps/gateway/src/settings';
import { childTask } from './support/child';

/**
 * The whole gateway for the proxy benchmark, in its own process so it can be pinned to a core
 * and its CPU time read. Routes and the bootstrap token come from the config file the parent
 * wrote. Prints its port once the config is applied, then serves until killed.
 */
interface GatewayTask {
  dataDir: string;
  config: string;
  /** Environment the gateway reads its settings from (e.g. NEKZUS_PROXY_UPSTREAM_CLIENT). */
  env?: Record<string, string>;
}

async function main(): Promise<void> {
  const task = childTask<GatewayTask>();
  const settings = loadSettings(task.env ?? {}, {
    addr: '127.0.0.1:0',
    dataDir: task.dataDir,
    logLevel: 'error',
    config: task.config,
  });
  const gateway = await startGateway(settings, createLogger('error'));
  await gateway.configApplied;
  process.stdout.write(`${new URL(gateway.url).port}\n`);
  process.on('SIGTERM', () => {
    void gateway.close().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
