import { type NekzusConfig } from './config.schema';
import { formatPath, type PathSegment } from './config-issue';

/** A rule that spans several keys, which JSON Schema alone cannot say well. */
export interface RuleViolation {
  readonly severity: 'error' | 'warning';
  readonly segments: PathSegment[];
  readonly message: string;
}

/** Environments in which weak secrets are tolerated (as Nekzus: empty counts as development). */
const DEVELOPMENT_ENVIRONMENTS = new Set(['', 'development', 'dev', 'test']);
const WEAK_SECRET_WORDS = ['secret', 'password', 'change-me', 'dev', 'test', 'example'];

export interface RuleContext {
  /** The `ENVIRONMENT` variable; weak-secret checks run only when it is known. */
  readonly environment?: string;
}

export function checkConfigRules(config: NekzusConfig, context: RuleContext): RuleViolation[] {
  const out: RuleViolation[] = [];
  const { server, discovery, federation, backup, auth } = config;

  if ((server.tls_cert === '') !== (server.tls_key === '')) {
    const [set, unset] = server.tls_cert === '' ? ['tls_key', 'tls_cert'] : ['tls_cert', 'tls_key'];
    out.push({
      severity: 'error',
      segments: ['server', set],
      message: `expected server.${unset} to be set too (set both certificate files or neither)`,
    });
  }

  if (discovery.docker.network_mode === 'preferred' && discovery.docker.networks.length === 0) {
    out.push({
      severity: 'error',
      segments: ['discovery', 'docker', 'network_mode'],
      message:
        'expected discovery.docker.networks to name at least one network when network_mode is "preferred"',
    });
  }

  if (federation.enabled && federation.cluster_secret.length < 32) {
    out.push({
      severity: 'error',
      segments: ['federation', 'cluster_secret'],
      message: `expected at least 32 characters when federation is enabled, found a ${federation.cluster_secret.length}-character value`,
    });
  }

  if (backup.enabled && (backup.directory ?? '') === '') {
    out.push({
      severity: 'warning',
      segments: ['backup', 'enabled'],
      message: 'backups are enabled but backup.directory is not set, so no backup will be taken',
    });
  }

  const environment = context.environment?.trim().toLowerCase();
  if (
    environment !== undefined &&
    !DEVELOPMENT_ENVIRONMENTS.has(environment) &&
    auth.hs256_secret !== undefined
  ) {
    const lower = auth.hs256_secret.toLowerCase();
    const word = WEAK_SECRET_WORDS.find((w) => lower.includes(w));
    if (word !== undefined) {
      out.push({
        severity: 'error',
        segments: ['auth', 'hs256_secret'],
        message: `expected a secret without guessable words outside development (ENVIRONMENT=${context.environment ?? ''}), found one containing "${word}"`,
      });
    }
  }

  out.push(...duplicateIds(config.routes, 'routes'), ...duplicateIds(config.apps, 'apps'));
  return out;
}

function duplicateIds(entries: readonly { id: string }[], key: 'routes' | 'apps'): RuleViolation[] {
  const firstIndex = new Map<string, number>();
  const out: RuleViolation[] = [];
  entries.forEach((entry, index) => {
    const first = firstIndex.get(entry.id);
    if (first === undefined) firstIndex.set(entry.id, index);
    else
      out.push({
        severity: 'warning',
        segments: [key, index, 'id'],
        message: `id ${JSON.stringify(entry.id)} is also used by ${formatPath([key, first])}; this later entry wins`,
      });
  });
  return out;
}
