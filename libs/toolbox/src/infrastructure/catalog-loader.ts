import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { analyzeTemplate, type CatalogEntry } from '../domain';
import type { Catalog } from '../application/catalog';

const FILE_NAMES = ['docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml'];
const MAX_FILE = 256 * 1024;

/**
 * The catalogue directory: one folder per service holding a Compose file. Read again when a
 * file changed (size or time), so adding a template needs no restart; a folder whose file
 * does not parse is listed as broken with the reason.
 */
export class DirectoryCatalog implements Catalog {
  private readonly cache = new Map<string, { stamp: string; entry: CatalogEntry }>();

  constructor(private readonly dir: () => string) {}

  entries(): CatalogEntry[] {
    const root = resolve(this.dir());
    let folders: string[];
    try {
      folders = readdirSync(root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
    } catch {
      return [];
    }
    return folders.map((id) => this.entry(root, id));
  }

  private entry(root: string, id: string): CatalogEntry {
    const file = FILE_NAMES.map((n) => join(root, id, n)).find((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    });
    if (!file) return { kind: 'broken', broken: { id, reason: `no docker-compose.yml in ${id}/` } };
    const st = statSync(file);
    const stamp = `${file}:${st.size}:${st.mtimeMs}`;
    const cached = this.cache.get(id);
    if (cached?.stamp === stamp) return cached.entry;
    const entry = load(id, file, st.size);
    this.cache.set(id, { stamp, entry });
    return entry;
  }
}

function load(id: string, file: string, size: number): CatalogEntry {
  if (size > MAX_FILE)
    return { kind: 'broken', broken: { id, reason: `the Compose file is larger than 256 KiB` } };
  const text = readFileSync(file, 'utf8');
  const doc = parseDocument(text, { uniqueKeys: true, merge: true });
  if (doc.errors.length > 0)
    return {
      kind: 'broken',
      broken: { id, reason: `YAML: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}` },
    };
  return analyzeTemplate(id, text, doc.toJS({ maxAliasCount: 100 }));
}
