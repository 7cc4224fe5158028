/** Facts about this gateway that pairing hands to phones (from the composition root). */
export interface PairingSettings {
  /** Instance id, generated once and kept in the event log. */
  nekzusId: string;
  /** "Nekzus @ <host name>". */
  name: string;
  /** The URL phones reach the gateway on, put into QR codes. */
  baseUrl: string;
  /** SPKI pins of the serving certificate and its CA; empty on plain HTTP. */
  spkiPins: string[];
  version: string;
}

export const PAIRING_SETTINGS = Symbol('PAIRING_SETTINGS');
export const DEVICE_DIRECTORY = Symbol('DEVICE_DIRECTORY');
export const PAIRING_CODES = Symbol('PAIRING_CODES');

/** Nekzus's fixed capability list. */
export const CAPABILITIES = ['catalog', 'events', 'proxy', 'discovery'];
