import { TestBed } from '@angular/core/testing';
import { Api, ApiError, FETCH, buildUrl, csrfToken, messageOf } from './client';

function fakeFetch(status: number, body: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const fn = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body === undefined ? '' : JSON.stringify(body), { status });
  }) as unknown as typeof fetch;
  return { fn, calls };
}

describe('buildUrl', () => {
  it('fills path parameters (encoded) and skips empty query values', () => {
    expect(
      buildUrl('/api/v1/routes/{routeId}', { routeId: 'a/b' }, { x: 1, y: '', z: undefined }),
    ).toBe('/api/v1/routes/a%2Fb?x=1');
  });
  it('refuses a missing path parameter instead of calling a wrong URL', () => {
    expect(() => buildUrl('/api/v1/apps/{appId}', {})).toThrow(/appId/);
  });
});

describe('csrfToken', () => {
  it('reads the nekzus_csrf cookie among others', () => {
    expect(csrfToken('a=1; nekzus_csrf=tok%3D; b=2')).toBe('tok=');
    expect(csrfToken('a=1')).toBeUndefined();
  });
});

describe('Api', () => {
  it('sends JSON with the CSRF token on changes and returns the parsed reply', async () => {
    const f = fakeFetch(200, { status: 'approved', id: 'p1', app: { id: 'x' } });
    TestBed.configureTestingModule({ providers: [{ provide: FETCH, useValue: f.fn }] });
    document.cookie = 'nekzus_csrf=abc';
    const reply = await TestBed.inject(Api).post('/api/v1/discovery/proposals/{id}/approve', {
      path: { id: 'p1' },
      body: { port: 8080 },
    });
    expect(reply.app['id']).toBe('x');
    const call = f.calls[0]!;
    expect(call.url).toBe('/api/v1/discovery/proposals/p1/approve');
    expect(call.init.method).toBe('POST');
    expect((call.init.headers as Record<string, string>)['x-csrf-token']).toBe('abc');
    expect(call.init.body).toBe('{"port":8080}');
  });

  it("turns an error body into an ApiError carrying the API's code and message", async () => {
    const f = fakeFetch(400, {
      error: 'VALIDATION_FAILED',
      message: 'bad body',
      details: [{ field: 'port', message: 'must be a number' }],
    });
    TestBed.configureTestingModule({ providers: [{ provide: FETCH, useValue: f.fn }] });
    const error = await TestBed.inject(Api)
      .get('/api/v1/apps')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('VALIDATION_FAILED');
    expect(messageOf(error)).toBe('bad body (port: must be a number)');
  });

  it('reports a 401 so the session can show the sign-in page', async () => {
    const f = fakeFetch(401, { error: 'AUTH_REQUIRED', message: 'sign in' });
    TestBed.configureTestingModule({ providers: [{ provide: FETCH, useValue: f.fn }] });
    const api = TestBed.inject(Api);
    let told = 0;
    api.onUnauthorized(() => told++);
    await expect(api.get('/api/v1/devices')).rejects.toThrow('sign in');
    expect(told).toBe(1);
  });
});
