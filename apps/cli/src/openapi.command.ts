import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { CliError } from './output';

/**
 * The OpenAPI document exactly as a gateway serves it at `/api/openapi.json`: a gateway is
 * started on 127.0.0.1 over an empty, temporary data directory, asked once, and stopped.
 */
export async function openApiDocumentJson(): Promise<string> {
  // Loaded here: the other commands start without the whole gateway.
  const { startGateway } = await import('../../gateway/src/gateway.js');
  const { createLogger } = await import('../../gateway/src/logger.js');
  const { loadSettings } = await import('../../gateway/src/settings.js');
  const { OPENAPI_JSON_PATH } = await import('../../gateway/src/openapi.js');
  const dataDir = mkdtempSync(join(tmpdir(), 'nekzus-openapi-'));
  try {
    const settings = loadSettings({}, { addr: '127.0.0.1:0', dataDir, logLevel: 'error' });
    const gateway = await startGateway(settings, createLogger('silent', process.stderr));
    try {
      const res = await fetch(`${gateway.url}${OPENAPI_JSON_PATH}`);
      if (!res.ok)
        throw new CliError(`the gateway answered ${res.status} for ${OPENAPI_JSON_PATH}`);
      return renderOpenApi(await res.json());
    } finally {
      await gateway.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The committed form: two-space JSON and a final newline. */
export function renderOpenApi(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Whether `file` holds the document the code generates. */
export async function isOpenApiCurrent(file: string): Promise<boolean> {
  let current: string;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  return current === (await openApiDocumentJson());
}

export function registerOpenApiCommand(program: Command): void {
  program
    .command('openapi')
    .description('the OpenAPI document of the REST API, generated from the code')
    .option('--write <file>', 'write it to a file instead of printing it')
    .option('--check <file>', 'exit 1 if the file differs from what the code generates')
    .action(async (options: { write?: string; check?: string }) => {
      if (options.check) {
        if (!(await isOpenApiCurrent(options.check))) {
          process.stderr.write(
            `${options.check} is out of date; run "nekzus openapi --write ${options.check}"\n`,
          );
          process.exitCode = 1;
        } else process.stdout.write(`${options.check} is up to date\n`);
        return;
      }
      const json = await openApiDocumentJson();
      if (options.write) {
        writeFileSync(options.write, json);
        process.stdout.write(`wrote ${options.write}\n`);
      } else process.stdout.write(json);
    });
}
