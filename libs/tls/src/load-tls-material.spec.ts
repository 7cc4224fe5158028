import { describe, expect, it } from 'vitest';
import { tlsServerOptions } from './load-tls-material';

describe('tlsServerOptions', () => {
  it('serves the key and the whole chain, TLS 1.2 at least', () => {
    const options = tlsServerOptions({
      key: 'KEY',
      cert: 'LEAF\nCA\n',
      spkiPins: [],
      source: 'files',
      notAfter: new Date('2027-01-01T00:00:00Z'),
      names: [],
    });

    expect(options).toEqual({ key: 'KEY', cert: 'LEAF\nCA\n', minVersion: 'TLSv1.2' });
  });
});
