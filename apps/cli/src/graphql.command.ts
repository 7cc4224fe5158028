import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';

/** The schema as the code defines it (loaded here: the other commands start without it). */
export async function graphqlSchemaFile(): Promise<string> {
  const { graphqlSchemaText } = await import('../../gateway/src/graphql/graphql-schema.js');
  return graphqlSchemaText();
}

export async function isGraphqlSchemaCurrent(file: string): Promise<boolean> {
  let current: string;
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  return current === (await graphqlSchemaFile());
}

export function registerGraphqlCommands(program: Command): void {
  const graphql = program.command('graphql').description('the GraphQL API');
  graphql
    .command('schema')
    .description('the GraphQL schema (SDL) of /graphql, generated from the code')
    .option('--write <file>', 'write it to a file instead of printing it')
    .option('--check <file>', 'exit 1 if the file differs from what the code generates')
    .action(async (options: { write?: string; check?: string }) => {
      if (options.check) {
        if (!(await isGraphqlSchemaCurrent(options.check))) {
          process.stderr.write(
            `${options.check} is out of date; run "nekzus graphql schema --write ${options.check}"\n`,
          );
          process.exitCode = 1;
        } else process.stdout.write(`${options.check} is up to date\n`);
        return;
      }
      const text = await graphqlSchemaFile();
      if (options.write) {
        writeFileSync(options.write, text);
        process.stdout.write(`wrote ${options.write}\n`);
      } else process.stdout.write(text);
    });
}
