import 'reflect-metadata';
import { JwtSecretError } from '#libs/access';
import { TlsConfigError } from '#libs/tls';
import { startGateway, describeStart } from './gateway';
import { createLogger } from './logger';
import { loadSettings, SettingsError, type SettingsOverrides } from './settings';

/** Runs the gateway until SIGTERM or SIGINT, then drains and closes cleanly. */
export async function runGateway(overrides: SettingsOverrides = {}): Promise<void> {
  let settings;
  try {
    settings = loadSettings(process.env, overrides);
  } catch (error) {
    if (error instanceof SettingsError) {
      process.stderr.write(`nekzus: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = createLogger(settings.logLevel);
  let gateway;
  try {
    gateway = await startGateway(settings, logger);
  } catch (error) {
    // A certificate or secret the operator gave that cannot be used is a settings problem.
    if (error instanceof TlsConfigError || error instanceof JwtSecretError) {
      process.stderr.write(`nekzus: ${error.message}\n`);
      process.exit(2);
    }
    logger.fatal(
      { err: error instanceof Error ? error.message : String(error) },
      'gateway failed to start',
    );
    process.exit(1);
  }
  for (const line of describeStart(settings, gateway)) {
    if (process.stdout.isTTY) console.log(line);
    else logger.info(line);
  }
  // After the two lines that say where it listens and where the data is.
  for (const warning of settings.warnings) logger.warn({ config: settings.configPath }, warning);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    gateway
      .close()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: String(error) }, 'unclean shutdown');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

if (require.main === module) void runGateway();
