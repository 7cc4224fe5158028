import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * A worker thread's script: the built file next to this one, or in dist/ when this runs from
 * the TypeScript sources (tests). Without one the caller works on its own thread, unless the
 * workers were asked for (`required`), which is an error.
 */
export function builtWorker(file: string, required: boolean): string | undefined {
  const here = join(__dirname, file);
  if (existsSync(here)) return here;
  const built = resolve(__dirname, '../../../../dist/libs/audit/src/infrastructure', file);
  if (existsSync(built)) return built;
  if (required)
    throw new Error(`worker ${file} not found at ${here} or ${built}: run "npm run build"`);
  return undefined;
}
