import { existsSync } from 'node:fs';
import type * as KubeClientModule from '@kubernetes/client-node';
import type { KubeConfig, V1Ingress, V1Service, Watch } from '@kubernetes/client-node';
import {
  kubernetesProposals,
  type KubeIngressFacts,
  type KubeServiceFacts,
  type KubernetesState,
} from '../domain';
import type { DiscoverySink, Rescanner } from '../application/discovery.service';
import { CoalescingTask } from './coalescing-task';

export interface KubernetesSourceSettings {
  /** A kubeconfig file; empty: in-cluster when a service account is mounted, else the default (`KUBECONFIG`, `~/.kube/config`). */
  kubeconfig: string;
  /** Namespaces to watch; empty: all. */
  namespaces: string[];
  /** How often everything is listed again, besides the watches. */
  pollIntervalMs: number;
}

interface Logger {
  info(msg: string): void;
  warn(msg: string): void;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';
const MAX_BACKOFF_MS = 30_000;
/** The client sets no timeout of its own; a list that hangs would stall its watch forever. */
const LIST_TIMEOUT_MS = 30_000;

/** What every listed or watched object has; the rest is read by the mappers below. */
interface KubeObject {
  metadata?: {
    name?: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
}

interface Listed {
  metadata?: { resourceVersion?: string };
  items: KubeObject[];
}

type Outcome =
  | { kind: 'ended'; events: number }
  | { kind: 'gone' }
  | { kind: 'aborted' }
  | { kind: 'failed'; error: unknown };

/**
 * List-and-watch of one kind of object at one API path: a list, then a watch from the list's
 * resourceVersion. A watch the server ends is resumed from the last resourceVersion seen;
 * a 410 Gone (history compacted) means a fresh list; a watch that breaks, or a list that
 * fails, is retried with backoff, starting again with a list. What was known is kept while
 * the API cannot be reached.
 */
class Reflector {
  readonly items = new Map<string, KubeObject>();
  synced = false;
  private resourceVersion: string | undefined;
  private relist = true;
  private controller: AbortController | undefined;
  private aborting = false;
  private wake: (() => void) | undefined;
  private cancelWatch: (() => void) | undefined;
  private backoffMs = 1000;
  private lastProblem: string | undefined;

  constructor(
    private readonly what: string,
    private readonly path: string,
    private readonly query: Record<string, string>,
    private readonly list: () => Promise<Listed>,
    /** Forbidden by RBAC: carry on without this kind, and look again at the next poll. */
    private readonly optional: boolean,
    private readonly owner: {
      watcher: Watch;
      stopped: () => boolean;
      changed: () => void;
      warn: (msg: string) => void;
      info: (msg: string) => void;
      pollIntervalMs: number;
    },
  ) {}

  /** Lists again now (a poll or a rediscover), ending the current watch or wait. */
  relistNow(): void {
    this.relist = true;
    this.interrupt();
  }

  stop(): void {
    this.interrupt();
  }

  async run(): Promise<void> {
    while (!this.owner.stopped()) {
      let waitMs = 0;
      this.aborting = false;
      try {
        if (this.relist) {
          this.relist = false;
          await this.listAll();
        }
        // Asked to list again while listing: do so before watching.
        if (this.relist || this.aborting) continue;
        const outcome = await this.watchOnce();
        if (outcome.kind === 'gone') this.relist = true;
        else if (outcome.kind === 'failed') throw outcome.error;
        else if (outcome.kind === 'ended') {
          this.backoffMs = 1000;
          // A server that ends watches at once would otherwise be asked in a tight loop.
          if (outcome.events === 0) waitMs = 1000;
        }
      } catch (error) {
        if (this.owner.stopped()) return;
        this.relist = true;
        if (this.optional && statusOf(error) === 403) {
          this.problem(`not allowed to list ${this.what}; carrying on without them`);
          this.items.clear();
          this.synced = true;
          this.owner.changed();
          waitMs = this.owner.pollIntervalMs;
        } else {
          this.problem(`${this.what}: ${messageOf(error)}; retrying in ${this.backoffMs / 1000} s`);
          waitMs = this.backoffMs;
          this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
        }
      }
      if (waitMs > 0) await this.sleep(waitMs);
    }
  }

  private async listAll(): Promise<void> {
    const listed = await withTimeout(this.list(), LIST_TIMEOUT_MS, `listing ${this.what}`);
    this.items.clear();
    for (const item of listed.items) this.items.set(keyOf(item), item);
    this.resourceVersion = listed.metadata?.resourceVersion;
    this.synced = true;
    if (this.lastProblem !== undefined) {
      this.lastProblem = undefined;
      this.owner.info(`${this.what}: listed again, ${listed.items.length} found`);
    }
    this.owner.changed();
  }

  private watchOnce(): Promise<Outcome> {
    return new Promise<Outcome>((resolve) => {
      let outcome: Outcome | undefined;
      let events = 0;
      const finish = (o: Outcome) => {
        if (outcome) return;
        outcome = o;
        this.controller?.abort();
        this.controller = undefined;
        this.cancelWatch = undefined;
        resolve(o);
      };
      // The client hands out the watch's abort handle only once the server has answered;
      // until then an interrupt resolves here and the late handle is aborted on arrival.
      this.cancelWatch = () => finish({ kind: 'aborted' });
      const query: Record<string, string> = {
        ...this.query,
        allowWatchBookmarks: 'true',
        timeoutSeconds: '300',
        ...(this.resourceVersion ? { resourceVersion: this.resourceVersion } : {}),
      };
      const onEvent = (type: string, raw: unknown) => {
        if (outcome) return;
        events++;
        const object = (raw ?? {}) as KubeObject & { code?: number; message?: string };
        if (type === 'ERROR') {
          if (object.code === 410) finish({ kind: 'gone' });
          else
            finish({
              kind: 'failed',
              error: new Error(`watch error ${object.code ?? '?'}: ${object.message ?? ''}`),
            });
          return;
        }
        const rv = object.metadata?.resourceVersion;
        if (rv) this.resourceVersion = rv;
        if (type === 'ADDED' || type === 'MODIFIED') {
          this.items.set(keyOf(object), object);
          this.owner.changed();
        } else if (type === 'DELETED') {
          this.items.delete(keyOf(object));
          this.owner.changed();
        }
      };
      const onDone = (error: unknown) => {
        if (this.aborting) finish({ kind: 'aborted' });
        else if (error && statusOf(error) === 410) finish({ kind: 'gone' });
        else if (error) finish({ kind: 'failed', error });
        else finish({ kind: 'ended', events });
      };
      this.owner.watcher.watch(this.path, query, onEvent, onDone).then(
        (controller) => {
          if (outcome || this.aborting || this.owner.stopped()) controller.abort();
          else this.controller = controller;
        },
        (error: unknown) => finish({ kind: 'failed', error }),
      );
    });
  }

  private interrupt(): void {
    this.aborting = true;
    this.controller?.abort();
    this.cancelWatch?.();
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = undefined;
        done();
      };
    });
  }

  /** Each distinct problem is told once, not at every retry. */
  private problem(message: string): void {
    const key = message.replace(/retrying in .*$/, '');
    if (this.lastProblem === key) return;
    this.lastProblem = key;
    this.owner.warn(message);
  }
}

/**
 * Kubernetes discovery (contract B §4.3): Services and Ingresses of the configured
 * namespaces (or all), with the labels of their Namespace objects, each kept current by a
 * list-and-watch. Reports a full snapshot per source (`kubernetes`, `kubernetes-ingress`)
 * after every change, once every kind has been listed at least once — never an empty one
 * because the API server is unreachable.
 */
export class KubernetesSource implements Rescanner {
  private stopped = false;
  private reflectors: { namespaces: Reflector[]; services: Reflector[]; ingresses: Reflector[] } = {
    namespaces: [],
    services: [],
    ingresses: [],
  };
  private poller: NodeJS.Timeout | undefined;
  private readonly reports = new CoalescingTask(() => this.report(), 100);
  private readonly skipped = new Map<string, string>();
  private wakeConnect: (() => void) | undefined;

  constructor(
    private readonly settings: KubernetesSourceSettings,
    private readonly sink: DiscoverySink,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.connect();
    this.poller = setInterval(() => this.rescan(), this.settings.pollIntervalMs);
    this.poller.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    this.reports.stop();
    this.wakeConnect?.();
    for (const r of this.all()) r.stop();
  }

  /** Lists everything again now and reports the result. */
  rescan(): void {
    if (this.stopped) return;
    this.wakeConnect?.();
    for (const r of this.all()) r.relistNow();
  }

  /** Resolves after the reports requested so far have been delivered (tests, shutdown). */
  settled(): Promise<void> {
    return this.reports.settled();
  }

  private all(): Reflector[] {
    const { namespaces, services, ingresses } = this.reflectors;
    return [...namespaces, ...services, ...ingresses];
  }

  /** Loads the configuration (retried: the file or the cluster may come later), then watches. */
  private async connect(): Promise<void> {
    // The client is large (~27 MB of heap, ~0.6 s to load here): loaded only when a
    // Kubernetes source runs, not by every gateway.
    const k8s = await import('@kubernetes/client-node');
    let backoffMs = 1000;
    let told = '';
    while (!this.stopped) {
      try {
        const kc = loadKubeConfig(k8s, this.settings.kubeconfig);
        this.watchAll(k8s, kc);
        return;
      } catch (error) {
        const message = `cannot load the Kubernetes configuration: ${messageOf(error)}`;
        if (message !== told) this.sink.warning('kubernetes', `${message}; retrying`);
        told = message;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, backoffMs);
        timer.unref();
        this.wakeConnect = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeConnect = undefined;
      backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
    }
  }

  private watchAll(k8s: KubeClient, kc: KubeConfig): void {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const networking = kc.makeApiClient(k8s.NetworkingV1Api);
    const owner = {
      watcher: new k8s.Watch(kc),
      stopped: () => this.stopped,
      changed: () => this.scheduleReport(),
      warn: (msg: string) => this.sink.warning('kubernetes', msg),
      info: (msg: string) => this.logger.info(msg),
      pollIntervalMs: this.settings.pollIntervalMs,
    };
    const listed = (p: Promise<{ metadata?: { resourceVersion?: string }; items: unknown[] }>) =>
      p as Promise<Listed>;
    const namespaces = [...new Set(this.settings.namespaces)];
    if (namespaces.length === 0) {
      // Unlike Nekzus, namespace labels are read with "all namespaces" too.
      this.reflectors.namespaces = [
        new Reflector(
          'namespaces',
          '/api/v1/namespaces',
          {},
          () => listed(core.listNamespace()),
          true,
          owner,
        ),
      ];
      this.reflectors.services = [
        new Reflector(
          'services',
          '/api/v1/services',
          {},
          () => listed(core.listServiceForAllNamespaces()),
          false,
          owner,
        ),
      ];
      this.reflectors.ingresses = [
        new Reflector(
          'ingresses',
          '/apis/networking.k8s.io/v1/ingresses',
          {},
          () => listed(networking.listIngressForAllNamespaces()),
          true,
          owner,
        ),
      ];
    } else {
      for (const ns of namespaces) {
        const fieldSelector = `metadata.name=${ns}`;
        this.reflectors.namespaces.push(
          new Reflector(
            `namespace ${ns}`,
            '/api/v1/namespaces',
            { fieldSelector },
            () => listed(core.listNamespace({ fieldSelector })),
            true,
            owner,
          ),
        );
        this.reflectors.services.push(
          new Reflector(
            `services in ${ns}`,
            `/api/v1/namespaces/${encodeURIComponent(ns)}/services`,
            {},
            () => listed(core.listNamespacedService({ namespace: ns })),
            false,
            owner,
          ),
        );
        this.reflectors.ingresses.push(
          new Reflector(
            `ingresses in ${ns}`,
            `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(ns)}/ingresses`,
            {},
            () => listed(networking.listNamespacedIngress({ namespace: ns })),
            true,
            owner,
          ),
        );
      }
    }
    for (const r of this.all()) void r.run();
  }

  /** Reports soon; reports never overlap, and changes during one fold into one more. */
  private scheduleReport(): void {
    this.reports.request();
  }

  private async report(): Promise<void> {
    if (this.stopped || !this.all().every((r) => r.synced)) return;
    const state = this.state();
    const found = kubernetesProposals(state);
    const present = new Set<string>();
    for (const s of found.skipped) {
      present.add(s.object);
      if (this.skipped.get(s.object) === s.reason) continue;
      this.skipped.set(s.object, s.reason);
      const line = `${s.object} skipped: ${s.reason}`;
      if (s.invalid) this.logger.warn(line);
      else this.logger.info(line);
    }
    for (const object of this.skipped.keys()) if (!present.has(object)) this.skipped.delete(object);
    try {
      await this.sink.snapshot('kubernetes', found.services);
      await this.sink.snapshot('kubernetes-ingress', found.ingresses);
    } catch (error) {
      this.sink.warning('kubernetes', `recording what was found failed: ${messageOf(error)}`);
    }
  }

  private state(): KubernetesState {
    const namespaces = new Map<string, Record<string, string>>();
    for (const r of this.reflectors.namespaces)
      for (const ns of r.items.values())
        if (ns.metadata?.name) namespaces.set(ns.metadata.name, ns.metadata.labels ?? {});
    const services: KubeServiceFacts[] = [];
    for (const r of this.reflectors.services)
      for (const svc of r.items.values()) services.push(serviceFacts(svc));
    const ingresses: KubeIngressFacts[] = [];
    for (const r of this.reflectors.ingresses)
      for (const ing of r.items.values()) ingresses.push(ingressFacts(ing));
    return { namespaces, services, ingresses };
  }
}

type KubeClient = typeof KubeClientModule;

function loadKubeConfig(k8s: KubeClient, path: string): KubeConfig {
  const kc = new k8s.KubeConfig();
  if (path) kc.loadFromFile(path);
  else if (existsSync(SERVICE_ACCOUNT_TOKEN)) kc.loadFromCluster();
  else kc.loadFromDefault();
  if (!kc.getCurrentCluster())
    throw new Error(`no current cluster in ${path || 'the default kubeconfig'}`);
  return kc;
}

function metaOf(o: KubeObject) {
  return {
    name: o.metadata?.name ?? '',
    namespace: o.metadata?.namespace ?? '',
    labels: o.metadata?.labels ?? {},
    annotations: o.metadata?.annotations ?? {},
  };
}

function serviceFacts(svc: V1Service): KubeServiceFacts {
  return {
    ...metaOf(svc),
    type: svc.spec?.type ?? 'ClusterIP',
    clusterIP: svc.spec?.clusterIP ?? '',
    ports: (svc.spec?.ports ?? []).map((p) => ({
      ...(p.name ? { name: p.name } : {}),
      port: p.port,
      ...(p.protocol ? { protocol: p.protocol } : {}),
    })),
  };
}

function ingressFacts(ing: V1Ingress): KubeIngressFacts {
  const paths: KubeIngressFacts['paths'][number][] = [];
  for (const rule of ing.spec?.rules ?? [])
    for (const p of rule.http?.paths ?? [])
      if (p.backend.service)
        paths.push({
          ...(rule.host ? { host: rule.host } : {}),
          ...(p.path ? { path: p.path } : {}),
          backend: {
            service: p.backend.service.name,
            port: {
              ...(p.backend.service.port?.number !== undefined
                ? { number: p.backend.service.port.number }
                : {}),
              ...(p.backend.service.port?.name ? { name: p.backend.service.port.name } : {}),
            },
          },
        });
  const fallback = ing.spec?.defaultBackend?.service;
  if (fallback)
    paths.push({
      backend: {
        service: fallback.name,
        port: {
          ...(fallback.port?.number !== undefined ? { number: fallback.port.number } : {}),
          ...(fallback.port?.name ? { name: fallback.port.name } : {}),
        },
      },
    });
  return { ...metaOf(ing), tls: (ing.spec?.tls ?? []).length > 0, paths };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function keyOf(o: KubeObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; statusCode?: unknown };
  if (typeof e.code === 'number') return e.code;
  if (typeof e.statusCode === 'number') return e.statusCode;
  return undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
