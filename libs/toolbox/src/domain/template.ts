import type { ErrorDetail } from '#libs/kernel';
import { normalizeProject, type ComposeProject } from './compose-project';
import {
  declaredVariables,
  interpolateDeep,
  variableType,
  type Missing,
  type VariableSpec,
} from './variables';

export interface TemplateMeta {
  name: string;
  category: string;
  description: string;
  icon?: string;
  documentation?: string;
  imageUrl?: string;
  repositoryUrl?: string;
  tags: string[];
}

/** A catalogue entry that parsed: what the API shows and what a deployment starts from. */
export interface ServiceTemplate {
  id: string;
  meta: TemplateMeta;
  envVars: VariableSpec[];
  primaryService: string;
  image: string;
  defaultPort?: number;
  /** Services, in start order, with their images (defaults applied). */
  services: { name: string; image: string }[];
  /** Keys the file uses that a deployment does not honour. */
  ignored: string[];
  /** The parsed, not yet interpolated, document. */
  document: unknown;
  /** Whether the file itself uses `${APP_PORT}` (then custom_port goes there). */
  usesAppPort: boolean;
}

export interface BrokenTemplate {
  id: string;
  reason: string;
}

export type CatalogEntry =
  { kind: 'template'; template: ServiceTemplate } | { kind: 'broken'; broken: BrokenTemplate };

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export const TEMPLATE_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Reads a template from its file text and parsed document (parse errors are the caller's). */
export function analyzeTemplate(id: string, text: string, document: unknown): CatalogEntry {
  const broken = (reason: string): CatalogEntry => ({ kind: 'broken', broken: { id, reason } });
  if (!TEMPLATE_ID.test(id))
    return broken(`"${id}" is not a template id (lower-case letters, digits, "-" and "_")`);
  const envVars = declaredVariables(text);
  // Check the file as a deployment would see it: defaults, and a placeholder for the rest.
  const sample: Record<string, string> = { SERVICE_NAME: id, BASE_URL: 'http://localhost' };
  for (const v of envVars) sample[v.name] = v.default ?? (v.type === 'number' ? '1' : 'x');
  const missing: Missing[] = [];
  const { project, problems, ignored } = normalizeProject(
    interpolateDeep(document, sample, missing),
  );
  if (!project) return broken(problems.join('; '));
  const services = isObj(document) && isObj(document['services']) ? document['services'] : {};
  const rawLabels = (name: string): Record<string, string> =>
    project.services.find((s) => s.name === name)?.labels ?? {};
  const primary =
    Object.keys(services).find((name) => rawLabels(name)['nekzus.toolbox.name'] !== undefined) ??
    Object.keys(services)[0]!;
  const labels = rawLabels(primary);
  const lacking = ['name', 'category'].filter((k) => !labels[`nekzus.toolbox.${k}`]?.trim());
  if (lacking.length > 0)
    return broken(
      `the primary service "${primary}" lacks the label${lacking.length > 1 ? 's' : ''} ${lacking.map((k) => `nekzus.toolbox.${k}`).join(' and ')}`,
    );
  const opt = (key: string) => labels[`nekzus.toolbox.${key}`]?.trim() || undefined;
  const meta: TemplateMeta = {
    name: opt('name')!,
    category: opt('category')!,
    description: opt('description') ?? '',
    tags: (opt('tags') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  };
  for (const [key, field] of [
    ['icon', 'icon'],
    ['documentation', 'documentation'],
    ['image_url', 'imageUrl'],
    ['repository_url', 'repositoryUrl'],
  ] as const) {
    const v = opt(key);
    if (v) meta[field] = v;
  }
  const portVar = envVars.find(
    (v) => (v.name === 'PORT' || v.name.endsWith('_PORT')) && /^[1-9][0-9]*$/.test(v.default ?? ''),
  );
  const primaryService = project.services.find((s) => s.name === primary)!;
  return {
    kind: 'template',
    template: {
      id,
      meta,
      envVars,
      primaryService: primary,
      image: primaryService.image,
      ...(portVar ? { defaultPort: Number(portVar.default) } : {}),
      services: project.services.map((s) => ({ name: s.name, image: s.image })),
      ignored,
      document,
      usesAppPort: /\$\{APP_PORT[:}?+-]/.test(text) || /\$APP_PORT\b/.test(text),
    },
  };
}

export interface DeployInput {
  serviceName: unknown;
  envVars: unknown;
  customPort: unknown;
}

export interface DeploySettings {
  baseUrl: string;
  /** Host address for published ports a template does not pin to an address ('' = all). */
  bindAddress: string;
}

export interface DeploymentPlan {
  projectName: string;
  serviceName: string;
  /** What the user gave, checked; secrets included (the caller seals them). */
  userVars: Record<string, string>;
  customPort?: number;
  project: ComposeProject;
}

/**
 * The project name of a service name: lower case, spaces and "_" become "-", anything else
 * outside [a-z0-9-] is dropped, runs of "-" collapse (Nekzus's container_name rule).
 */
export function projectNameOf(serviceName: string): string {
  return serviceName
    .toLowerCase()
    .replace(/[\s_]+/g, '-')
    .replace(/[^a-z0-9-]/g, '')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/**
 * Checks a deploy request against its template and builds what the engine runs. Every
 * problem is listed at once (missing or bad variables, name, port); nothing is decided
 * from a partial request.
 */
export function planDeployment(
  template: ServiceTemplate,
  input: DeployInput,
  settings: DeploySettings,
): { plan: DeploymentPlan } | { problems: ErrorDetail[] } {
  const problems: ErrorDetail[] = [];
  const serviceName = typeof input.serviceName === 'string' ? input.serviceName.trim() : '';
  const projectName = projectNameOf(serviceName);
  if (!serviceName) problems.push({ field: 'service_name', message: 'is required' });
  else if (serviceName.length > 64)
    problems.push({ field: 'service_name', message: 'at most 64 characters' });
  else if (!/^[a-z0-9]/.test(projectName))
    problems.push({
      field: 'service_name',
      message: 'must contain letters or digits (it names the containers)',
    });
  else if (projectName.includes('nekzus'))
    problems.push({
      field: 'service_name',
      message: 'must not contain "nekzus" (discovery ignores such containers)',
    });
  const given: Record<string, string> = {};
  if (input.envVars !== undefined && input.envVars !== null) {
    if (!isObj(input.envVars))
      problems.push({ field: 'env_vars', message: 'expected an object of strings' });
    else
      for (const [k, v] of Object.entries(input.envVars)) {
        if (typeof v === 'string') given[k] = v;
        else if (typeof v === 'number' || typeof v === 'boolean') given[k] = String(v);
        else problems.push({ field: `env_vars.${k}`, message: 'expected a string' });
      }
  }
  const known = new Map(template.envVars.map((v) => [v.name, v]));
  for (const name of Object.keys(given))
    if (!known.has(name))
      problems.push({
        field: `env_vars.${name}`,
        message: `the template has no variable ${name}`,
      });
  const userVars: Record<string, string> = {};
  for (const spec of template.envVars) {
    const value = given[spec.name];
    if (value === undefined || value === '') {
      if (spec.required)
        problems.push({
          field: `env_vars.${spec.name}`,
          message: spec.message ?? `${spec.label} is required`,
        });
      continue;
    }
    if (value.length > 4096 || value.includes('\0')) {
      problems.push({ field: `env_vars.${spec.name}`, message: 'at most 4096 characters' });
      continue;
    }
    if (variableType(spec.name) === 'number' && !/^[0-9]{1,9}$/.test(value)) {
      problems.push({ field: `env_vars.${spec.name}`, message: `"${value}" is not a number` });
      continue;
    }
    userVars[spec.name] = value;
  }
  let customPort: number | undefined;
  if (input.customPort !== undefined && input.customPort !== null && input.customPort !== 0) {
    if (
      typeof input.customPort !== 'number' ||
      !Number.isInteger(input.customPort) ||
      input.customPort < 1 ||
      input.customPort > 65535
    )
      problems.push({ field: 'custom_port', message: 'a port from 1 to 65535' });
    else customPort = input.customPort;
  }
  if (problems.length > 0) return { problems };

  const env: Record<string, string> = {
    ...Object.fromEntries(
      template.envVars.filter((v) => v.default !== undefined).map((v) => [v.name, v.default!]),
    ),
    ...userVars,
    SERVICE_NAME: projectName,
    BASE_URL: settings.baseUrl,
    ...(customPort ? { APP_PORT: String(customPort) } : {}),
  };
  const missing: Missing[] = [];
  const interpolated = interpolateDeep(template.document, env, missing);
  for (const m of missing)
    if (!problems.some((p) => p.field === `env_vars.${m.name}`))
      problems.push({ field: `env_vars.${m.name}`, message: m.message });
  const { project, problems: fileProblems } = normalizeProject(interpolated);
  for (const p of fileProblems) problems.push({ field: 'template', message: p });
  if (!project || problems.length > 0) return { problems };

  const primary = project.services.find((s) => s.name === template.primaryService)!;
  if (customPort && !template.usesAppPort) {
    const first = primary.ports[0];
    if (!first)
      return {
        problems: [{ field: 'custom_port', message: 'the template publishes no port to change' }],
      };
    first.hostPort = customPort;
  }
  for (const s of project.services)
    for (const p of s.ports)
      if (p.hostIp === undefined && settings.bindAddress) p.hostIp = settings.bindAddress;
  // The deployed service becomes the app named by the user: one app per deployment.
  primary.labels['nekzus.enable'] ??= 'true';
  primary.labels['nekzus.app.id'] = projectName;
  primary.labels['nekzus.app.name'] = serviceName;
  delete primary.labels['nekzus.route.path'];
  if (template.meta.icon) primary.labels['nekzus.app.icon'] ??= template.meta.icon;
  return {
    plan: {
      projectName,
      serviceName,
      userVars,
      ...(customPort ? { customPort } : {}),
      project,
    },
  };
}
