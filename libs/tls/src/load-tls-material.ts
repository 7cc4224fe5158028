import { type SecureContextOptions } from 'node:tls';
import { loadAutoTls } from './auto-tls';
import { localNames } from './local-names';
import { canonicalNames } from './names';
import { TlsConfigError } from './tls-config-error';
import { type TlsMaterial, type TlsSettings } from './tls-material';
import { tlsSourceOf } from './tls-source';
import { loadTlsFiles } from './tls-files';

/**
 * The key and certificates to serve HTTPS with, or `undefined` to serve plain HTTP. Checks the
 * operator's files, or creates and renews the local CA and server certificate in auto mode.
 */
export async function loadTlsMaterial(
  settings: TlsSettings,
  now: Date = new Date(),
): Promise<TlsMaterial | undefined> {
  switch (tlsSourceOf(settings)) {
    case 'off':
      return undefined;
    case 'files':
      return loadTlsFiles(settings.certFile, settings.keyFile, now);
    case 'auto':
      if (settings.dataDir.trim() === '') {
        throw new TlsConfigError(
          'server.tls is "auto" but no data directory is set to keep the generated certificate in',
        );
      }
      return loadAutoTls(settings.dataDir, wantedNames(settings.names), now);
  }
}

/** Options for `https.createServer` / `tls.createSecureContext`; TLS 1.0 and 1.1 are refused. */
export function tlsServerOptions(
  material: TlsMaterial,
): SecureContextOptions & { minVersion: 'TLSv1.2' } {
  return { key: material.key, cert: material.cert, minVersion: 'TLSv1.2' };
}

function wantedNames(names: readonly string[] | undefined): string[] {
  const wanted = canonicalNames(names ?? localNames(), (name) => {
    throw new TlsConfigError(
      `server.tls: cannot issue a certificate for "${name}": it is neither a DNS name nor an IP address`,
    );
  });
  if (wanted.length === 0) {
    throw new TlsConfigError('server.tls: no name or address to issue a certificate for');
  }
  return wanted;
}
