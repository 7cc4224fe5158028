import { readFile, writeFile } from 'node:fs/promises';
import { renderConfigReference } from './reference';

/** Writes the generated config reference page to `path`. */
export async function writeConfigReference(path: string): Promise<void> {
  await writeFile(path, renderConfigReference(), 'utf8');
}

/** True when the page at `path` is exactly what the schema generates now (for a drift check). */
export async function isConfigReferenceCurrent(path: string): Promise<boolean> {
  try {
    return (await readFile(path, 'utf8')) === renderConfigReference();
  } catch {
    return false;
  }
}
