/**
 * The TLS settings cannot be served: a file is missing, unreadable or wrong. The message names
 * the setting and the file and says what is wrong, so it can be shown to a person as it is.
 */
export class TlsConfigError extends Error {
  override readonly name = 'TlsConfigError';
}
