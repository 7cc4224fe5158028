import { isIP } from 'node:net';

/** An address as numbers: IPv4 (and IPv4-mapped IPv6) as one uint32, IPv6 as eight 16-bit words. */
type Parsed = { family: 4; value: number } | { family: 6; words: number[]; zone: string };

interface V4Range {
  net: number;
  mask: number;
}

interface V6Range {
  words: number[];
  prefix: number;
}

/**
 * Answers "is this address in one of these ranges?" for the per-request trust decisions.
 * Entries are parsed once. An IPv4 address and its IPv4-mapped IPv6 form (`::ffff:a.b.c.d`)
 * are the same address, so each matches IPv4 ranges and IPv6 ranges that cover the mapped
 * space. A zone (`fe80::1%eth0`) is ignored when matching.
 */
export class AddressMatcher {
  private readonly v4: V4Range[] = [];
  private readonly v6: V6Range[] = [];

  constructor(entries: readonly string[]) {
    for (const entry of entries) this.add(entry);
  }

  get empty(): boolean {
    return this.v4.length === 0 && this.v6.length === 0;
  }

  matches(ip: string): boolean {
    const address = parseIp(ip);
    if (!address) return false;
    if (address.family === 4) {
      const value = address.value;
      for (const range of this.v4) if ((value & range.mask) >>> 0 === range.net) return true;
      return false;
    }
    for (const range of this.v6) if (inV6Range(address.words, range)) return true;
    return false;
  }

  private add(entry: string): void {
    const slash = entry.indexOf('/');
    const address = parseIp(slash === -1 ? entry : entry.slice(0, slash));
    const prefixText = slash === -1 ? undefined : entry.slice(slash + 1);
    if (!address) throw new Error(`"${entry}" is not an IP address or CIDR range`);
    const written = isIP(slash === -1 ? entry : entry.slice(0, slash));
    const max = written === 4 ? 32 : 128;
    if (prefixText !== undefined && (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max))
      throw new Error(`"${entry}" has an invalid prefix length (0 to ${max} for IPv${written})`);
    const prefix = prefixText === undefined ? max : Number(prefixText);

    if (address.family === 4) {
      // Written as IPv4, or as IPv4-mapped IPv6 with a prefix inside the mapped space.
      const bits = written === 4 ? prefix : prefix - 96;
      if (bits >= 0) {
        this.addV4(address.value, bits);
        return;
      }
    }
    const words = address.family === 6 ? address.words : mappedWords(address.value);
    const range = { words: maskWords(words, prefix), prefix };
    this.v6.push(range);
    // A range covering the whole IPv4-mapped space covers every IPv4 address.
    if (prefix <= 96 && inV6Range(mappedWords(0), range)) this.addV4(0, 0);
  }

  private addV4(value: number, prefix: number): void {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    this.v4.push({ net: (value & mask) >>> 0, mask });
  }
}

/**
 * The one spelling of an address used for keys and logs: IPv4-mapped IPv6 becomes plain
 * IPv4, IPv6 is lower-case and compressed (RFC 5952). Text that is not an IP address is
 * returned unchanged.
 */
export function normalizeIp(ip: string): string {
  return canonicalIp(ip) ?? ip;
}

/**
 * The unit a per-address limit should count: an IPv4 address, or the /64 network of an IPv6
 * one (a home connection gets a whole /64 and can pick any address in it).
 */
export function rateLimitKeyOf(ip: string): string {
  const address = parseIp(ip);
  if (!address) return ip;
  if (address.family === 4) return formatV4(address.value);
  return `${formatV6([...address.words.slice(0, 4), 0, 0, 0, 0])}/64`;
}

/** The normalised address, or undefined when `text` is not an IP address. */
export function canonicalIp(text: string): string | undefined {
  const address = parseIp(text);
  if (!address) return undefined;
  if (address.family === 4) return formatV4(address.value);
  return formatV6(address.words) + address.zone.toLowerCase();
}

function parseIp(text: string): Parsed | undefined {
  const family = isIP(text);
  if (family === 4) return { family: 4, value: parseV4(text) };
  if (family !== 6) return undefined;
  const percent = text.indexOf('%');
  const zone = percent === -1 ? '' : text.slice(percent);
  const words = parseV6(percent === -1 ? text : text.slice(0, percent));
  if (!words) return undefined;
  if (isMapped(words)) return { family: 4, value: ((words[6]! << 16) | words[7]!) >>> 0 };
  return { family: 6, words, zone };
}

/** Only called on text that `isIP` accepted as IPv4. */
function parseV4(text: string): number {
  let value = 0;
  for (const part of text.split('.')) value = value * 256 + Number(part);
  return value;
}

/** Only called on text that `isIP` accepted as IPv6 (without its zone). */
function parseV6(text: string): number[] | undefined {
  const halves = text.split('::');
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  if (!head || !tail || halves.length > 2) return undefined;
  const gap = 8 - head.length - tail.length;
  if (gap < 0 || (halves.length === 1 && gap !== 0)) return undefined;
  return [...head, ...new Array<number>(gap).fill(0), ...tail];
}

function groupsOf(part: string): number[] | undefined {
  if (part === '') return [];
  const words: number[] = [];
  for (const group of part.split(':')) {
    if (group.includes('.')) {
      if (isIP(group) !== 4) return undefined;
      const value = parseV4(group);
      words.push(value >>> 16, value & 0xffff);
    } else {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
      words.push(parseInt(group, 16));
    }
  }
  return words;
}

function isMapped(words: readonly number[]): boolean {
  return (
    words[0] === 0 &&
    words[1] === 0 &&
    words[2] === 0 &&
    words[3] === 0 &&
    words[4] === 0 &&
    words[5] === 0xffff
  );
}

function mappedWords(value: number): number[] {
  return [0, 0, 0, 0, 0, 0xffff, value >>> 16, value & 0xffff];
}

function maskWords(words: readonly number[], prefix: number): number[] {
  return words.map((word, i) => word & wordMask(prefix - i * 16));
}

/** The mask for one 16-bit word given the prefix bits left at its start. */
function wordMask(bits: number): number {
  if (bits >= 16) return 0xffff;
  if (bits <= 0) return 0;
  return (0xffff << (16 - bits)) & 0xffff;
}

function inV6Range(words: readonly number[], range: V6Range): boolean {
  const full = range.prefix >>> 4;
  for (let i = 0; i < full; i++) if (words[i] !== range.words[i]) return false;
  const rest = range.prefix & 15;
  if (rest === 0) return true;
  return (words[full]! & wordMask(rest)) === range.words[full];
}

function formatV4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 255}.${(value >>> 8) & 255}.${value & 255}`;
}

function formatV6(words: readonly number[]): string {
  // RFC 5952: the longest run of two or more zero words (the first on a tie) becomes "::".
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number) =>
    words
      .slice(from, to)
      .map((w) => w.toString(16))
      .join(':');
  if (bestStart === -1) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`;
}
