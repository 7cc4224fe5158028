const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

/** The labels of the PEM blocks in a text, in order ("CERTIFICATE", "PRIVATE KEY", ...). */
export function pemLabels(text: string): string[] {
  return [...text.matchAll(PEM_BLOCK)].map((match) => match[1] ?? '');
}

/** The `-----BEGIN CERTIFICATE-----` blocks of a text, each as its own PEM string. */
export function certificateBlocks(text: string): string[] {
  return [...text.matchAll(PEM_BLOCK)]
    .filter((match) => match[1] === 'CERTIFICATE')
    .map((match) => `${match[0]}\n`);
}
