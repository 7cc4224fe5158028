import type { Command } from 'commander';
import { verifyChain } from '#libs/event-store';
import { existingEventsFile, resolveDataDir } from './data-dir';
import { jsonLine, Progress } from './output';

export function registerAuditCommands(
  program: Command,
  dataDirOption: () => string | undefined,
): void {
  const audit = program.command('audit').description('prove the event log was not edited');

  audit
    .command('verify')
    .description('walk the hash chain; exit 1 naming the first event that does not verify')
    .option('--json', 'machine-readable result')
    .action((options: { json?: boolean }) => {
      const file = existingEventsFile(resolveDataDir(dataDirOption()));
      const progress = new Progress('verifying');
      const report = verifyChain(file, (n, total) => progress.update(n, total));
      progress.done();
      if (options.json) process.stdout.write(`${jsonLine(report)}\n`);
      else if (report.intact)
        process.stdout.write(
          `chain intact: ${report.events} events, head ${report.headHash} at position ${report.headPosition}\n`,
        );
      else
        process.stdout.write(
          `chain BROKEN at position ${report.firstBadPosition}: ${report.reason}\n(${report.events} events before it verify; last good hash ${report.headHash})\n`,
        );
      if (!report.intact) process.exitCode = 1;
    });
}
