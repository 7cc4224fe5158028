import { describe, expect, it } from 'vitest';
import { certificateBlocks, pemLabels } from './pem';

const block = (label: string, body: string) =>
  `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----`;

describe('PEM blocks', () => {
  const text = [
    'Bag Attributes: friendlyName=gateway',
    block('CERTIFICATE', 'AAAA'),
    block('PRIVATE KEY', 'BBBB'),
    block('CERTIFICATE', 'CCCC'),
    '',
  ].join('\n');

  it('splits the certificates of a bundle, in order, dropping text around them', () => {
    expect(certificateBlocks(text)).toEqual([
      `${block('CERTIFICATE', 'AAAA')}\n`,
      `${block('CERTIFICATE', 'CCCC')}\n`,
    ]);
  });

  it('names every block, so a wrong file can be told apart from a garbled one', () => {
    expect(pemLabels(text)).toEqual(['CERTIFICATE', 'PRIVATE KEY', 'CERTIFICATE']);
    expect(pemLabels('not pem at all')).toEqual([]);
  });
});
