/** What the gateway's configuration says about HTTPS (`server.tls`, `tls_cert`, `tls_key`). */
export interface TlsSettings {
  /** `server.tls`: "auto" generates a certificate when no files are set, "off" serves HTTP. */
  mode: 'auto' | 'off' | undefined;
  /** `server.tls_cert`, a PEM file (leaf first, then its chain); '' when unset. */
  certFile: string;
  /** `server.tls_key`, the leaf's PEM private key; '' when unset. */
  keyFile: string;
  /** The data directory; generated certificates are kept in `<dataDir>/tls/`. */
  dataDir: string;
  /** Names and addresses a generated certificate must cover; defaults to `localNames()`. */
  names?: string[];
}

/** What an HTTPS server needs, and what the pairing flow shows a phone. */
export interface TlsMaterial {
  /** The leaf's private key, PEM. */
  key: string;
  /** The leaf certificate then its chain, PEM. */
  cert: string;
  /** The generated local CA's certificate, PEM (auto mode only). */
  ca?: string;
  /** `sha256/<base64>` pins of the leaf's and then its issuers' public keys, without repeats. */
  spkiPins: string[];
  source: 'files' | 'auto';
  /** When the leaf certificate expires. */
  notAfter: Date;
  /** The DNS names and IP addresses in the leaf's subjectAltName. */
  names: string[];
  /** Where the generated CA certificate is kept, for a person to install it (auto mode only). */
  caFile?: string;
}
