import { describe, expect, it } from 'vitest';
import { parseConfigText } from './load-config';
import { maskSecrets } from './mask-secrets';

describe('maskSecrets', () => {
  const { config } = parseConfigText(
    [
      'auth:',
      '  hs256_secret: Xq8vR2mX8pL5nW7tY4zB6cF1hG0sDaQeUoZ9',
      'bootstrap:',
      '  tokens: [tok-alpha-111, tok-beta-222]',
      'federation:',
      '  cluster_secret: "0123456789abcdef0123456789abcdef"',
      'routes:',
      '  - id: a',
      '    path_base: /apps/a/',
      '    to: http://a',
    ].join('\n'),
    'secrets.yaml',
  );

  it('hides the JWT secret, bootstrap tokens and any other secret', () => {
    const masked = maskSecrets(config!);

    expect(masked.auth.hs256_secret).toBe('***');
    expect(masked.bootstrap.tokens).toEqual(['***', '***']);
    expect(masked.federation.cluster_secret).toBe('***');
    expect(JSON.stringify(masked)).not.toMatch(/Xq8v|tok-alpha|tok-beta|0123456789abcdef/);
  });

  it('keeps everything else and does not change the input', () => {
    const masked = maskSecrets(config!);

    expect(masked.server).toEqual(config!.server);
    expect(masked.routes).toEqual(config!.routes);
    expect(config!.auth.hs256_secret).toBe('Xq8vR2mX8pL5nW7tY4zB6cF1hG0sDaQeUoZ9');
  });

  it('shows that an unset secret is unset', () => {
    const { config: bare } = parseConfigText('', 'empty.yaml');

    const masked = maskSecrets(bare!);

    expect(masked.federation.cluster_secret).toBe('');
    expect(masked.auth.hs256_secret).toBeUndefined();
  });
});
