import { isIP } from 'node:net';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { configSchema } from './config.schema';

/** Annotation keywords of the config schema; ajv's strict mode needs them declared. */
export const ANNOTATION_KEYWORDS = ['x-env', 'x-restart', 'x-secret'] as const;

const GO_DURATION = /^(?:0|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$/;
const PORT = /^\d{1,5}$/;

function isHostPort(value: string): boolean {
  const colon = value.lastIndexOf(':');
  if (colon < 0) return false;
  const host = value.slice(0, colon);
  const port = value.slice(colon + 1);
  if (!PORT.test(port) || Number(port) > 65535) return false;
  if (host.startsWith('[')) return host.endsWith(']') && isIP(host.slice(1, -1)) === 6;
  return !/[\s[\]]/.test(host) && !host.includes(':');
}

function isIpOrCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A fresh ajv instance that knows the formats and annotation keywords of the config schema. */
export function createConfigAjv(options: { useDefaults: boolean }): Ajv {
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    useDefaults: options.useDefaults,
    verbose: true,
  });
  for (const keyword of ANNOTATION_KEYWORDS) ajv.addKeyword({ keyword });
  ajv.addFormat('duration', GO_DURATION);
  ajv.addFormat('host-port', isHostPort);
  ajv.addFormat('ip-or-cidr', isIpOrCidr);
  ajv.addFormat('http-url', isHttpUrl);
  ajv.addFormat('absolute-path', (value: string) => value.startsWith('/'));
  ajv.addFormat(
    'metrics-path',
    (value: string) => value.startsWith('/') && !value.startsWith('/api/') && value !== '/api',
  );
  return ajv;
}

let withDefaults: ValidateFunction | undefined;
let withoutDefaults: ValidateFunction | undefined;

/**
 * Validates `data` against the config schema, filling defaults in place when asked. Returns
 * ajv's raw errors; `describe-errors.ts` turns them into messages.
 */
export function validateAgainstSchema(data: unknown, fillDefaults: boolean): ErrorObject[] {
  const validate = fillDefaults
    ? (withDefaults ??= createConfigAjv({ useDefaults: true }).compile(configSchema))
    : (withoutDefaults ??= createConfigAjv({ useDefaults: false }).compile(configSchema));
  return validate(data) ? [] : [...(validate.errors ?? [])];
}
