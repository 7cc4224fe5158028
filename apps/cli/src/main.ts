import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './audit.command';
import { registerConfigCommands } from './config.command';
import { registerEventCommands } from './events.command';
import { registerGraphqlCommands } from './graphql.command';
import { registerOpenApiCommand } from './openapi.command';
import { CliError } from './output';
import { registerPairCommand } from './pair.command';
import { registerProjectionCommands } from './projections.command';

export function buildProgram(): Command {
  const program = new Command('nekzus')
    .description('Nekzus: an event-sourced gateway for the services on your network')
    .option('-d, --data-dir <dir>', 'data directory (default: $NEKZUS_DATA_DIR or ./data)')
    .showHelpAfterError()
    .exitOverride();
  const dataDir = () => program.opts<{ dataDir?: string }>().dataDir;

  program
    .command('serve')
    .description('run the gateway')
    .option(
      '-a, --addr <addr>',
      'listen address, ":8080" or "host:port" (default: $NEKZUS_ADDR or :8080)',
    )
    .option('-c, --config <file>', 'YAML config file (default: $NEKZUS_CONFIG)')
    .action(async (options: { addr?: string; config?: string }) => {
      const dir = dataDir();
      // Loaded only for `serve`: the other commands start without the whole gateway.
      const { runGateway } = await import('../../gateway/src/main.js');
      await runGateway({
        ...(options.addr ? { addr: options.addr } : {}),
        ...(options.config ? { config: options.config } : {}),
        ...(dir ? { dataDir: dir } : {}),
      });
    });

  registerEventCommands(program, dataDir);
  registerProjectionCommands(program, dataDir);
  registerAuditCommands(program, dataDir);
  registerConfigCommands(program);
  registerPairCommand(program);
  registerOpenApiCommand(program);
  registerGraphqlCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof CliError) {
      process.stderr.write(`nekzus: ${error.message}\n`);
      return error.exitCode;
    }
    process.stderr.write(`nekzus: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
