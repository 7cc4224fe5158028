import { Injectable, InjectionToken, inject } from '@angular/core';
import type { components, paths } from './schema';

/** The API's named schemas, generated from openapi.json (`npm run generate:api -w angular-ui`). */
export type Schemas = components['schemas'];

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The paths that have an operation for this method. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: [NonNullable<paths[P][M]>] extends [never] ? never : P;
}[keyof paths];

type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

type JsonOf<R> = R extends { content: { 'application/json': infer B } }
  ? B
  : R extends { content: { 'text/plain': infer T } }
    ? T
    : undefined;

/** The body of the operation's success response (200, 201 or 202). */
export type Reply<O> = O extends { responses: infer R }
  ? JsonOf<R[Extract<keyof R, 200 | 201 | 202>]>
  : never;

type JsonBody<RB> = [NonNullable<RB>] extends [never]
  ? never
  : NonNullable<RB> extends { content: { 'application/json': infer B } }
    ? B
    : never;
type BodyOf<O> = O extends { requestBody?: infer RB } ? JsonBody<RB> : never;
/** Whether the operation's body may be left out. */
type BodyOptional<O> = O extends { requestBody: unknown } ? false : true;
type PathOf<O> = O extends { parameters: { path: infer P } } ? P : never;
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** What a call takes: path parameters, query and body, each typed by the operation. */
export type CallOptions<O> = ([PathOf<O>] extends [never] ? {} : { path: PathOf<O> }) &
  ([QueryOf<O>] extends [never] ? {} : { query?: QueryOf<O> }) &
  ([BodyOf<O>] extends [never]
    ? {}
    : BodyOptional<O> extends true
      ? { body?: BodyOf<O> }
      : { body: BodyOf<O> });

/** An error answered by the API (its `{error, message}` body), or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Turns anything thrown into the words to show: the API's own message when there is one. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    const details = error.details.map((d) => `${d.field}: ${d.message}`).join('; ');
    return details ? `${error.message} (${details})` : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export const FETCH = new InjectionToken<typeof fetch>('fetch', {
  providedIn: 'root',
  factory: () => globalThis.fetch.bind(globalThis),
});

export const CSRF_COOKIE = 'nekzus_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** The CSRF token the gateway set at sign-in (a readable cookie), sent with every change. */
export function csrfToken(cookies: string): string | undefined {
  for (const part of cookies.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === CSRF_COOKIE && value.length > 0) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** Fills `{name}` placeholders and appends the query, skipping undefined and empty values. */
export function buildUrl(
  template: string,
  pathParams: Record<string, unknown> = {},
  query: Record<string, unknown> = {},
): string {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = pathParams[name];
    if (value === undefined || value === null || value === '')
      throw new Error(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(value));
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    if (Array.isArray(value)) for (const v of value) search.append(key, String(v));
    else search.append(key, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

/**
 * One small typed wrapper over fetch for the whole API: paths, parameters, bodies and replies
 * are checked against the generated schema. Cookies carry the session; changes send the CSRF
 * token. A 401 is reported to `onUnauthorized` (the session then shows the sign-in page).
 */
@Injectable({ providedIn: 'root' })
export class Api {
  private readonly fetch = inject(FETCH);
  private unauthorized: (() => void) | undefined;

  onUnauthorized(listener: () => void): void {
    this.unauthorized = listener;
  }

  get<P extends PathsWith<'get'>>(
    path: P,
    ...[options]: OptionalIfEmpty<CallOptions<Operation<P, 'get'>>>
  ): Promise<Reply<Operation<P, 'get'>>> {
    return this.call('GET', path, options);
  }

  post<P extends PathsWith<'post'>>(
    path: P,
    ...[options]: OptionalIfEmpty<CallOptions<Operation<P, 'post'>>>
  ): Promise<Reply<Operation<P, 'post'>>> {
    return this.call('POST', path, options);
  }

  put<P extends PathsWith<'put'>>(
    path: P,
    options: CallOptions<Operation<P, 'put'>>,
  ): Promise<Reply<Operation<P, 'put'>>> {
    return this.call('PUT', path, options);
  }

  patch<P extends PathsWith<'patch'>>(
    path: P,
    options: CallOptions<Operation<P, 'patch'>>,
  ): Promise<Reply<Operation<P, 'patch'>>> {
    return this.call('PATCH', path, options);
  }

  delete<P extends PathsWith<'delete'>>(
    path: P,
    ...[options]: OptionalIfEmpty<CallOptions<Operation<P, 'delete'>>>
  ): Promise<Reply<Operation<P, 'delete'>>> {
    return this.call('DELETE', path, options);
  }

  private async call<T>(method: string, template: string, options: unknown): Promise<T> {
    const o = (options ?? {}) as { path?: object; query?: object; body?: unknown };
    const url = buildUrl(
      template,
      o.path as Record<string, unknown>,
      o.query as Record<string, unknown>,
    );
    const headers: Record<string, string> = { accept: 'application/json' };
    if (method !== 'GET') {
      const csrf = typeof document === 'undefined' ? undefined : csrfToken(document.cookie);
      if (csrf) headers[CSRF_HEADER] = csrf;
    }
    let body: string | undefined;
    if (o.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    let res: Response;
    try {
      res = await this.fetch(url, { method, headers, body, credentials: 'same-origin' });
    } catch (error) {
      throw new ApiError(0, 'NETWORK', `the gateway did not answer (${messageOf(error)})`);
    }
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!res.ok) {
      const e = (parsed ?? {}) as { error?: unknown; message?: unknown; details?: unknown };
      if (res.status === 401) this.unauthorized?.();
      throw new ApiError(
        res.status,
        typeof e.error === 'string' ? e.error : `HTTP_${res.status}`,
        typeof e.message === 'string' ? e.message : `${res.status} ${res.statusText}`.trim(),
        Array.isArray(e.details) ? (e.details as { field: string; message: string }[]) : [],
      );
    }
    return parsed as T;
  }
}

/** Operations without parameters or body take no options argument. */
type OptionalIfEmpty<T> = {} extends T ? [options?: T] : [options: T];
