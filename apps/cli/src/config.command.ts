import type { Command } from 'commander';
import type { ConfigIssue } from '../../../libs/config/src/config-issue';
import type { ConfigResult } from '../../../libs/config/src/load-config';
import { CliError, jsonLine } from './output';

/** What the commands run, loaded when one runs. */
const tools = () => import('./config-tools.js');

function report(
  formatIssue: (issue: ConfigIssue) => string,
  result: ConfigResult,
  json: boolean | undefined,
): void {
  const issues = (list: readonly ConfigIssue[]) => list.map(formatIssue);
  if (json) {
    process.stdout.write(
      `${jsonLine({ valid: result.errors.length === 0, errors: issues(result.errors), warnings: issues(result.warnings) })}\n`,
    );
    return;
  }
  for (const line of issues(result.errors)) process.stderr.write(`error: ${line}\n`);
  for (const line of issues(result.warnings)) process.stderr.write(`warning: ${line}\n`);
}

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('check and show the configuration');

  config
    .command('validate')
    .argument('<file>', 'a Nekzus YAML (or JSON) config file')
    .description('check a config file: every error with file:line:column; exit 1 if any')
    .option('--json', 'machine-readable result')
    .action(async (file: string, options: { json?: boolean }) => {
      const config = await tools();
      const result = config.loadConfigFile(file);
      report(config.formatIssue, result, options.json);
      if (result.errors.length > 0) {
        if (!options.json)
          process.stderr.write(
            `${file}: ${result.errors.length} error(s); the gateway would not start with it\n`,
          );
        process.exitCode = 1;
      } else if (!options.json) {
        process.stdout.write(
          `${file}: valid${result.warnings.length > 0 ? ` (${result.warnings.length} warning(s))` : ''}\n`,
        );
      }
    });

  config
    .command('print')
    .description('the configuration as the gateway would use it, secrets masked')
    .option('-c, --config <file>', 'config file (default: $NEKZUS_CONFIG)')
    .option('--effective', 'apply the environment (NEKZUS_*) on top of defaults and the file')
    .option('--json', 'JSON instead of YAML')
    .action(async (options: { config?: string; effective?: boolean; json?: boolean }) => {
      const config = await tools();
      const { loadConfigFile, loadEffectiveConfig } = config;
      const file = options.config ?? process.env['NEKZUS_CONFIG'];
      const result = options.effective
        ? loadEffectiveConfig({ env: process.env, flags: file ? { config: file } : {} })
        : file
          ? loadConfigFile(file)
          : loadEffectiveConfig({ env: {}, flags: {} });
      report(config.formatIssue, { ...result, warnings: result.warnings }, false);
      if (!result.config) throw new CliError('the configuration has errors (listed above)');
      const masked = config.maskSecrets(result.config);
      process.stdout.write(
        options.json ? `${JSON.stringify(masked, null, 2)}\n` : config.stringify(masked),
      );
    });

  config
    .command('reference')
    .description('the reference page of every config key, generated from the schema')
    .option('--write <file>', 'write it to a file instead of printing it')
    .option('--check <file>', 'exit 1 if the file differs from what the schema generates')
    .action(async (options: { write?: string; check?: string }) => {
      const { isConfigReferenceCurrent, renderConfigReference, writeConfigReference } =
        await tools();
      if (options.check) {
        if (!(await isConfigReferenceCurrent(options.check)))
          throw new CliError(
            `${options.check} is out of date: run "npm run nekzus -- config reference --write ${options.check}"`,
          );
        process.stdout.write(`${options.check} is current\n`);
        return;
      }
      if (options.write) {
        await writeConfigReference(options.write);
        process.stdout.write(`wrote ${options.write}\n`);
        return;
      }
      process.stdout.write(renderConfigReference());
    });
}
