import { inject } from '@angular/core';
import { type CanActivateFn, Router } from '@angular/router';
import { Session } from './session';

async function state() {
  const session = inject(Session);
  return session.state() === 'unknown' ? session.refresh() : session.state();
}

/** Pages of a signed-in administrator; others go to setup or sign-in. */
export const signedIn: CanActivateFn = async (_route, routerState) => {
  const router = inject(Router);
  const now = await state().catch(() => 'signed-out' as const);
  if (now === 'signed-in') return true;
  if (now === 'setup') return router.parseUrl('/setup');
  return router.createUrlTree(['/sign-in'], { queryParams: { next: routerState.url } });
};

/** Setup only while no administrator exists. */
export const needsSetup: CanActivateFn = async () => {
  const router = inject(Router);
  const now = await state().catch(() => 'signed-out' as const);
  return now === 'setup' ? true : router.parseUrl(now === 'signed-in' ? '/overview' : '/sign-in');
};

/** The sign-in page, unless there is nobody to sign in as yet, or one already is. */
export const signedOut: CanActivateFn = async () => {
  const router = inject(Router);
  const now = await state().catch(() => 'signed-out' as const);
  if (now === 'setup') return router.parseUrl('/setup');
  return now === 'signed-in' ? router.parseUrl('/overview') : true;
};
