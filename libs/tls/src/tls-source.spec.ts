import { describe, expect, it } from 'vitest';
import { TlsConfigError } from './tls-config-error';
import { tlsSourceOf } from './tls-source';

const files = { certFile: '/etc/nekzus/cert.pem', keyFile: '/etc/nekzus/key.pem' };
const none = { certFile: '', keyFile: '' };

describe('where the certificate comes from', () => {
  it.each([
    ['auto', files, 'files'],
    ['auto', none, 'auto'],
    ['off', files, 'off'],
    ['off', none, 'off'],
    [undefined, files, 'files'],
    [undefined, none, 'off'],
  ] as const)('server.tls %s with %o serves %s', (mode, paths, source) => {
    expect(tlsSourceOf({ mode, ...paths })).toBe(source);
  });

  it.each([
    [{ certFile: '/c.pem', keyFile: '' }, 'server.tls_cert is set but server.tls_key is not'],
    [{ certFile: '', keyFile: '/k.pem' }, 'server.tls_key is set but server.tls_cert is not'],
    [{ certFile: '/c.pem', keyFile: '  ' }, 'server.tls_cert is set but server.tls_key is not'],
  ])('refuses one file without the other: %o', (paths, message) => {
    for (const mode of ['auto', undefined] as const) {
      expect(() => tlsSourceOf({ mode, ...paths })).toThrow(TlsConfigError);
      expect(() => tlsSourceOf({ mode, ...paths })).toThrow(message);
    }
  });

  it('does not mind a lone file when TLS is off', () => {
    expect(tlsSourceOf({ mode: 'off', certFile: '/c.pem', keyFile: '' })).toBe('off');
  });
});
