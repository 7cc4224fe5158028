/**
 * The part of the Compose file format a deployment honours, normalised from a parsed (and
 * interpolated) document: services in `depends_on` order, with ports, named volumes and
 * bind mounts, networks, restart policy, healthchecks, command and entrypoint.
 */

export interface PortBinding {
  hostIp?: string;
  hostPort?: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

export interface Mount {
  type: 'volume' | 'bind';
  /** The volume's name in the file, or the bind mount's host path as written. */
  source: string;
  target: string;
  readOnly: boolean;
}

export type DependencyCondition =
  'service_started' | 'service_healthy' | 'service_completed_successfully';

export interface Healthcheck {
  test: string[];
  intervalMs?: number;
  timeoutMs?: number;
  retries?: number;
  startPeriodMs?: number;
}

export interface ComposeService {
  name: string;
  image: string;
  command?: string[];
  entrypoint?: string[];
  environment: Record<string, string>;
  labels: Record<string, string>;
  ports: PortBinding[];
  mounts: Mount[];
  networks: string[];
  restart: 'no' | 'always' | 'on-failure' | 'unless-stopped';
  dependsOn: { service: string; condition: DependencyCondition }[];
  healthcheck?: Healthcheck;
  user?: string;
  workingDir?: string;
  hostname?: string;
  stopSignal?: string;
  stopGraceSeconds?: number;
}

export interface ComposeResource {
  /** Key in the file. */
  key: string;
  external: boolean;
  /** The engine's name when `name:` (or an external name) was given. */
  name?: string;
  driver?: string;
}

export interface ComposeProject {
  services: ComposeService[];
  networks: ComposeResource[];
  volumes: ComposeResource[];
}

/** Keys a deployment honours; anything else is reported once, so nobody trusts it silently. */
const SUPPORTED = new Set([
  'image',
  'command',
  'entrypoint',
  'environment',
  'labels',
  'ports',
  'volumes',
  'networks',
  'restart',
  'depends_on',
  'healthcheck',
  'user',
  'working_dir',
  'hostname',
  'container_name',
  'expose',
  'stop_grace_period',
  'stop_signal',
]);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
/** A value as text for a message or a scalar field; structures are shown as JSON. */
const text = (v: unknown): string =>
  v === undefined || v === null ? '' : scalar(v) ? String(v) : JSON.stringify(v);

export interface NormalizeResult {
  project?: ComposeProject;
  problems: string[];
  /** Keys present but not honoured, as `service.key`. */
  ignored: string[];
}

export function normalizeProject(doc: unknown): NormalizeResult {
  const problems: string[] = [];
  const ignored: string[] = [];
  if (!isObj(doc)) return { problems: ['the file is not a YAML mapping'], ignored };
  if (!isObj(doc['services']) || Object.keys(doc['services']).length === 0)
    return { problems: ['no services'], ignored };
  const networks = resources(doc['networks'], 'networks', problems);
  const volumes = resources(doc['volumes'], 'volumes', problems);
  const networkKeys = new Set(networks.map((n) => n.key));
  const volumeKeys = new Set(volumes.map((v) => v.key));
  const services: ComposeService[] = [];
  for (const [name, raw] of Object.entries(doc['services'])) {
    const at = `services.${name}`;
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) {
      problems.push(`${at}: "${name}" is not a service name`);
      continue;
    }
    if (!isObj(raw)) {
      problems.push(`${at}: expected a mapping`);
      continue;
    }
    for (const key of Object.keys(raw)) if (!SUPPORTED.has(key)) ignored.push(`${name}.${key}`);
    const image = raw['image'];
    if (typeof image !== 'string' || image.trim() === '') {
      problems.push(`${at}.image: required (building images is not supported)`);
      continue;
    }
    const service: ComposeService = {
      name,
      image: image.trim(),
      environment: keyValues(raw['environment'], `${at}.environment`, problems),
      labels: keyValues(raw['labels'], `${at}.labels`, problems),
      ports: ports(raw['ports'], `${at}.ports`, problems),
      mounts: mounts(raw['volumes'], `${at}.volumes`, volumeKeys, problems),
      networks: serviceNetworks(raw['networks'], `${at}.networks`, networkKeys, problems),
      restart: restartOf(raw['restart'], `${at}.restart`, problems),
      dependsOn: dependsOn(raw['depends_on'], `${at}.depends_on`, problems),
    };
    const command = argv(raw['command'], `${at}.command`, problems);
    if (command) service.command = command;
    const entrypoint = argv(raw['entrypoint'], `${at}.entrypoint`, problems);
    if (entrypoint) service.entrypoint = entrypoint;
    const health = healthcheck(raw['healthcheck'], `${at}.healthcheck`, problems);
    if (health) service.healthcheck = health;
    const grace = raw['stop_grace_period'];
    if (grace !== undefined) {
      const ms = typeof grace === 'string' ? durationMs(grace) : undefined;
      if (ms === undefined)
        problems.push(`${at}.stop_grace_period: "${text(grace)}" is not a duration`);
      else service.stopGraceSeconds = Math.ceil(ms / 1000);
    }
    for (const [key, field] of [
      ['user', 'user'],
      ['working_dir', 'workingDir'],
      ['hostname', 'hostname'],
      ['stop_signal', 'stopSignal'],
    ] as const) {
      const v = raw[key];
      if (v === undefined) continue;
      if (scalar(v)) service[field] = String(v);
      else problems.push(`${at}.${key}: expected a string`);
    }
    services.push(service);
  }
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const s of services)
    for (const d of s.dependsOn)
      if (!byName.has(d.service))
        problems.push(`services.${s.name}.depends_on: no service "${d.service}"`);
  const ordered = problems.length === 0 ? dependencyOrder(services, problems) : services;
  if (problems.length > 0) return { problems, ignored };
  return { project: { services: ordered, networks, volumes }, problems, ignored };
}

function resources(raw: unknown, where: string, problems: string[]): ComposeResource[] {
  if (raw === undefined || raw === null) return [];
  if (!isObj(raw)) {
    problems.push(`${where}: expected a mapping`);
    return [];
  }
  const out: ComposeResource[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(key)) {
      problems.push(`${where}.${key}: not a valid name`);
      continue;
    }
    const spec = isObj(value) ? value : {};
    const external = spec['external'];
    const isExternal =
      external === true || (isObj(external) && typeof external['name'] === 'string');
    const name =
      typeof spec['name'] === 'string'
        ? spec['name']
        : isObj(external) && typeof external['name'] === 'string'
          ? external['name']
          : undefined;
    out.push({
      key,
      external: isExternal,
      ...(name ? { name } : {}),
      ...(typeof spec['driver'] === 'string' ? { driver: spec['driver'] } : {}),
    });
  }
  return out;
}

function keyValues(raw: unknown, where: string, problems: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined || raw === null) return out;
  if (Array.isArray(raw)) {
    for (const item of raw) {
      if (typeof item !== 'string') {
        problems.push(`${where}: expected KEY=value strings`);
        continue;
      }
      const eq = item.indexOf('=');
      if (eq === -1) out[item] = '';
      else out[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return out;
  }
  if (!isObj(raw)) {
    problems.push(`${where}: expected a mapping or a list`);
    return out;
  }
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || v === undefined) out[k] = '';
    else if (scalar(v)) out[k] = String(v);
    else problems.push(`${where}.${k}: expected a string`);
  }
  return out;
}

const PORT = (v: string) => /^[0-9]{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535;

function ports(raw: unknown, where: string, problems: string[]): PortBinding[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${where}: expected a list`);
    return [];
  }
  const out: PortBinding[] = [];
  raw.forEach((item, i) => {
    const at = `${where}.${i}`;
    if (isObj(item)) {
      const target = text(item['target']);
      const published = text(item['published']);
      const protocol = item['protocol'] === 'udp' ? 'udp' : 'tcp';
      if (!PORT(target) || (published !== '' && !PORT(published))) {
        problems.push(`${at}: target and published must be ports (1-65535)`);
        return;
      }
      out.push({
        containerPort: Number(target),
        ...(published ? { hostPort: Number(published) } : {}),
        ...(typeof item['host_ip'] === 'string' ? { hostIp: item['host_ip'] } : {}),
        protocol,
      });
      return;
    }
    if (!scalar(item)) {
      problems.push(`${at}: expected "host:container" or a mapping`);
      return;
    }
    let mapping = String(item);
    let protocol: 'tcp' | 'udp' = 'tcp';
    const slash = mapping.lastIndexOf('/');
    if (slash !== -1) {
      const p = mapping.slice(slash + 1);
      if (p !== 'tcp' && p !== 'udp') {
        problems.push(`${at}: unknown protocol "${p}"`);
        return;
      }
      protocol = p;
      mapping = mapping.slice(0, slash);
    }
    // [ip:]host:container, where ip may be an IPv6 literal in brackets.
    const m =
      /^(?:(\[[0-9a-fA-F:.]+\]|[0-9]{1,3}(?:\.[0-9]{1,3}){3}):)?(?:([0-9]*):)?([0-9]+)$/.exec(
        mapping,
      );
    // A host port of 0 or none means "any free port".
    if (!m || !PORT(m[3]!) || (m[2] && m[2] !== '0' && !PORT(m[2]))) {
      problems.push(`${at}: "${String(item)}" is not a port mapping (ranges are not supported)`);
      return;
    }
    out.push({
      containerPort: Number(m[3]),
      ...(m[2] && m[2] !== '0' ? { hostPort: Number(m[2]) } : {}),
      ...(m[1] ? { hostIp: m[1].replace(/^\[|\]$/g, '') } : {}),
      protocol,
    });
  });
  return out;
}

function mounts(
  raw: unknown,
  where: string,
  volumeKeys: ReadonlySet<string>,
  problems: string[],
): Mount[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    problems.push(`${where}: expected a list`);
    return [];
  }
  const out: Mount[] = [];
  raw.forEach((item, i) => {
    const at = `${where}.${i}`;
    let source: string;
    let target: string;
    let readOnly: boolean;
    if (isObj(item)) {
      source = text(item['source']);
      target = text(item['target']);
      readOnly = item['read_only'] === true;
    } else if (typeof item === 'string') {
      const parts = item.split(':');
      if (parts.length < 2 || parts.length > 3) {
        problems.push(`${at}: "${item}" is not source:target[:mode] (anonymous volumes lose data)`);
        return;
      }
      [source, target] = [parts[0]!, parts[1]!];
      readOnly = parts[2]?.split(',').includes('ro') ?? false;
    } else {
      problems.push(`${at}: expected "source:target" or a mapping`);
      return;
    }
    if (!target.startsWith('/')) {
      problems.push(`${at}: the target must be an absolute path`);
      return;
    }
    const bind = source.startsWith('/') || source.startsWith('.') || source.startsWith('~');
    if (bind) {
      if (source.startsWith('~') || source.split('/').includes('..')) {
        problems.push(`${at}: bind mounts must stay inside the deployment's data directory`);
        return;
      }
      out.push({ type: 'bind', source, target, readOnly });
      return;
    }
    if (!volumeKeys.has(source)) {
      problems.push(`${at}: volume "${source}" is not declared under the top-level volumes`);
      return;
    }
    out.push({ type: 'volume', source, target, readOnly });
  });
  return out;
}

function serviceNetworks(
  raw: unknown,
  where: string,
  networkKeys: ReadonlySet<string>,
  problems: string[],
): string[] {
  if (raw === undefined || raw === null) return ['default'];
  const names = Array.isArray(raw) ? raw : isObj(raw) ? Object.keys(raw) : undefined;
  if (!names || names.some((n) => typeof n !== 'string')) {
    problems.push(`${where}: expected a list of network names`);
    return [];
  }
  for (const n of names as string[])
    if (n !== 'default' && !networkKeys.has(n))
      problems.push(`${where}: network "${n}" is not declared under the top-level networks`);
  return names as string[];
}

function restartOf(raw: unknown, where: string, problems: string[]): ComposeService['restart'] {
  if (raw === undefined || raw === null) return 'unless-stopped';
  const v = text(raw);
  if (v === 'no' || v === 'always' || v === 'unless-stopped' || v.startsWith('on-failure'))
    return v.startsWith('on-failure') ? 'on-failure' : (v as ComposeService['restart']);
  problems.push(`${where}: "${v}" is not no, always, on-failure or unless-stopped`);
  return 'no';
}

function dependsOn(raw: unknown, where: string, problems: string[]): ComposeService['dependsOn'] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw))
    return raw.map((s) => ({ service: text(s), condition: 'service_started' as const }));
  if (!isObj(raw)) {
    problems.push(`${where}: expected a list or a mapping`);
    return [];
  }
  return Object.entries(raw).map(([service, spec]) => {
    const c = isObj(spec) ? spec['condition'] : undefined;
    const condition =
      c === 'service_healthy' || c === 'service_completed_successfully' ? c : 'service_started';
    if (c !== undefined && c !== condition)
      problems.push(`${where}.${service}.condition: "${text(c)}" is not a condition`);
    return { service, condition };
  });
}

function argv(raw: unknown, where: string, problems: string[]): string[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string') return splitCommand(raw);
  if (Array.isArray(raw) && raw.every(scalar)) return raw.map(String);
  problems.push(`${where}: expected a string or a list of strings`);
  return undefined;
}

/** Shell-like word splitting with single and double quotes (Compose's shlex). */
export function splitCommand(text: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(word);
  return out;
}

/** Compose durations: `1m30s`, `10s`, `500ms`, `1h`. */
export function durationMs(text: string): number | undefined {
  const re = /([0-9]+(?:\.[0-9]+)?)(ms|us|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    const n = Number(m[1]);
    total +=
      m[2] === 'h'
        ? n * 3600_000
        : m[2] === 'm'
          ? n * 60_000
          : m[2] === 's'
            ? n * 1000
            : m[2] === 'ms'
              ? n
              : n / 1000;
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? Math.round(total) : undefined;
}

function healthcheck(raw: unknown, where: string, problems: string[]): Healthcheck | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!isObj(raw)) {
    problems.push(`${where}: expected a mapping`);
    return undefined;
  }
  if (raw['disable'] === true) return undefined;
  const test = raw['test'];
  let argvTest: string[];
  if (typeof test === 'string') argvTest = ['CMD-SHELL', test];
  else if (Array.isArray(test) && test.length > 0 && test.every((t) => typeof t === 'string'))
    argvTest = test;
  else {
    problems.push(`${where}.test: expected a string or a list`);
    return undefined;
  }
  if (argvTest[0] === 'NONE') return undefined;
  if (!['CMD', 'CMD-SHELL'].includes(argvTest[0]!)) {
    problems.push(`${where}.test: must start with CMD, CMD-SHELL or NONE`);
    return undefined;
  }
  const out: Healthcheck = { test: argvTest };
  for (const [key, field] of [
    ['interval', 'intervalMs'],
    ['timeout', 'timeoutMs'],
    ['start_period', 'startPeriodMs'],
  ] as const) {
    const v = raw[key];
    if (v === undefined) continue;
    const ms = typeof v === 'string' ? durationMs(v) : undefined;
    if (ms === undefined) problems.push(`${where}.${key}: "${text(v)}" is not a duration`);
    else out[field] = ms;
  }
  if (raw['retries'] !== undefined) {
    const r = Number(raw['retries']);
    if (!Number.isInteger(r) || r < 1) problems.push(`${where}.retries: a positive integer`);
    else out.retries = r;
  }
  return out;
}

function dependencyOrder(services: ComposeService[], problems: string[]): ComposeService[] {
  const byName = new Map(services.map((s) => [s.name, s]));
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: ComposeService[] = [];
  const visit = (s: ComposeService, path: string[]): boolean => {
    if (done.has(s.name)) return true;
    if (visiting.has(s.name)) {
      problems.push(`depends_on forms a cycle: ${[...path, s.name].join(' → ')}`);
      return false;
    }
    visiting.add(s.name);
    for (const d of s.dependsOn)
      if (!visit(byName.get(d.service)!, [...path, s.name])) return false;
    visiting.delete(s.name);
    done.add(s.name);
    out.push(s);
    return true;
  };
  for (const s of services) if (!visit(s, [])) break;
  return out;
}
