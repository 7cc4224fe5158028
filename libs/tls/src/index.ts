export { localNames } from './local-names';
export { loadTlsMaterial, tlsServerOptions } from './load-tls-material';
export { spkiPinOf } from './spki-pin';
export { TlsConfigError } from './tls-config-error';
export type { TlsMaterial, TlsSettings } from './tls-material';
