import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ENDPOINT = 'nekzus:public';
export const REQUIRED_SCOPE = 'nekzus:scope';

/** Anyone may call this handler; credentials are not read. */
export const Public = () => SetMetadata(PUBLIC_ENDPOINT, true);

/**
 * The scope a device token or API key needs for this handler. Administrators (a session,
 * a trusted local caller, or `access:admin`) pass every check. Handlers without this or
 * `@Public()` need administrator rights.
 */
export const RequireScope = (scope: string) => SetMetadata(REQUIRED_SCOPE, scope);
