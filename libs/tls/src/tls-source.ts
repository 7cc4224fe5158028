import { TlsConfigError } from './tls-config-error';
import { type TlsSettings } from './tls-material';

/** Where the certificate comes from, or 'off' for plain HTTP. */
export type TlsSource = 'off' | 'files' | 'auto';

/**
 * `off` wins over files; files win over `auto`; with no mode, HTTPS needs both files. One file
 * without the other is an error whatever the mode (except `off`), rather than a silent HTTP.
 */
export function tlsSourceOf(
  settings: Pick<TlsSettings, 'mode' | 'certFile' | 'keyFile'>,
): TlsSource {
  if (settings.mode === 'off') return 'off';
  const hasCert = settings.certFile.trim() !== '';
  const hasKey = settings.keyFile.trim() !== '';
  if (hasCert !== hasKey) {
    const [set, unset] = hasCert ? ['tls_cert', 'tls_key'] : ['tls_key', 'tls_cert'];
    throw new TlsConfigError(
      `server.${set} is set but server.${unset} is not: set both the certificate and its private key, or neither`,
    );
  }
  if (hasCert) return 'files';
  return settings.mode === 'auto' ? 'auto' : 'off';
}
