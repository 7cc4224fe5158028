import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isConfigReferenceCurrent } from '#libs/config';

describe('docs/config-reference.md', () => {
  it('is what the config schema generates (run "npm run nekzus -- config reference --write docs/config-reference.md")', async () => {
    expect(
      await isConfigReferenceCurrent(join(__dirname, '..', 'docs', 'config-reference.md')),
    ).toBe(true);
  });
});
