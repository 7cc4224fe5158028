import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The portal's API types are generated from the committed openapi.json by openapi-typescript;
 * this fails when the two drift apart (regenerate with `npm run generate:api`).
 */
describe("the portal's generated API client", () => {
  it('matches what openapi-typescript makes of openapi.json', () => {
    const ui = join(__dirname, '..', 'angular-ui');
    const dir = mkdtempSync(join(tmpdir(), 'nekzus-api-'));
    try {
      const out = join(dir, 'schema.d.ts');
      const cli = join(ui, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
      const r = spawnSync(process.execPath, [cli, '../openapi.json', '-o', out], {
        cwd: ui,
        encoding: 'utf8',
      });
      expect(r.status, r.stderr).toBe(0);
      const committed = readFileSync(join(ui, 'src', 'app', 'api', 'schema.d.ts'), 'utf8');
      expect(
        committed === readFileSync(out, 'utf8'),
        'angular-ui/src/app/api/schema.d.ts is stale: run "npm run generate:api"',
      ).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
