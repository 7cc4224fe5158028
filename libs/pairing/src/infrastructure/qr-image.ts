import QRCode from 'qrcode';

/** Compact JSON with sorted keys, as Nekzus encodes the QR text: {"c":…,"u":…,"v":…}. */
export function qrText(qr: { u: string; c: string; v: string }): string {
  return JSON.stringify({ c: qr.c, u: qr.u, v: qr.v });
}

/** A 256×256 PNG, error correction "Medium" (Nekzus's). */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: 'M', width: 256, margin: 2 });
}

/** The QR code drawn with block characters, for a terminal. */
export function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: 'M' });
}
