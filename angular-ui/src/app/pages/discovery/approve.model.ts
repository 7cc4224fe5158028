import type { Schemas } from '../../api/client';
import { splitList } from '../../shared/format';

/** The approve form's fields, as text and booleans. */
export interface ApproveForm {
  port: number;
  appId: string;
  name: string;
  exposeAs: 'path' | 'subdomain';
  pathBase: string;
  subdomain: string;
  scopes: string;
  stripPrefix: boolean;
  websockets: boolean;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The form as the proposal suggests it. */
export function approveFormOf(p: Schemas['Proposal']): ApproveForm {
  const app = p.suggestedApp;
  const route = p.suggestedRoute;
  const subdomain = str(route['subdomain']);
  return {
    port: p.detectedPort,
    appId: str(app['id']),
    name: str(app['name']),
    exposeAs: subdomain && str(route['routingMode']) === 'subdomain' ? 'subdomain' : 'path',
    pathBase: str(route['pathBase']),
    subdomain,
    scopes: Array.isArray(route['scopes']) ? (route['scopes'] as string[]).join(', ') : '',
    stripPrefix: route['stripPrefix'] === true,
    websockets: route['websockets'] === true,
  };
}

/** Only what the admin changed is sent as an override; the rest stays the proposal's. */
export function approveOverrides(
  p: Schemas['Proposal'],
  form: ApproveForm,
): Schemas['ApproveProposal'] {
  const base = approveFormOf(p);
  const out: Schemas['ApproveProposal'] = {};
  if (form.port !== base.port) out.port = Number(form.port);
  if (form.appId.trim() !== base.appId) out.appId = form.appId.trim();
  if (form.name.trim() !== base.name) out.name = form.name.trim();
  if (form.exposeAs === 'subdomain') {
    if (form.subdomain.trim() !== base.subdomain || base.exposeAs !== 'subdomain')
      out.subdomain = form.subdomain.trim();
  } else if (form.pathBase.trim() !== base.pathBase) out.pathBase = form.pathBase.trim();
  const scopes = splitList(form.scopes);
  if (scopes.join(',') !== splitList(base.scopes).join(',')) out.scopes = scopes;
  if (form.stripPrefix !== base.stripPrefix) out.stripPrefix = form.stripPrefix;
  if (form.websockets !== base.websockets) out.websockets = form.websockets;
  return out;
}
