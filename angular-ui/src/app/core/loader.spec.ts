import { ApiError } from '../api/client';
import { loader } from './loader';

describe('loader', () => {
  it('holds the value, and the API message when a load fails', async () => {
    let fail = false;
    const l = loader(async () => {
      if (fail) throw new ApiError(503, 'NOT_READY', 'projections are catching up');
      return 42;
    });
    await l.reload();
    expect(l.value()).toBe(42);
    expect(l.loading()).toBe(false);
    fail = true;
    await l.reload();
    expect(l.error()).toBe('projections are catching up');
    expect(l.value()).toBe(42);
  });

  it('a late answer never overwrites a newer one', async () => {
    const resolvers: ((v: number) => void)[] = [];
    const l = loader(() => new Promise<number>((r) => resolvers.push(r)));
    const first = l.reload();
    const second = l.reload();
    resolvers[1]!(2);
    await second;
    resolvers[0]!(1);
    await first;
    expect(l.value()).toBe(2);
  });
});
