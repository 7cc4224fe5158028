import type { Routes } from '@angular/router';
import { needsSetup, signedIn, signedOut } from './core/guards';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'overview' },
  {
    path: 'setup',
    title: 'First run · Nekzus',
    canActivate: [needsSetup],
    loadComponent: () => import('./pages/auth/setup.page').then((m) => m.SetupPage),
  },
  {
    path: 'sign-in',
    title: 'Sign in · Nekzus',
    canActivate: [signedOut],
    loadComponent: () => import('./pages/auth/sign-in.page').then((m) => m.SignInPage),
  },
  {
    path: '',
    canActivate: [signedIn],
    children: [
      {
        path: 'overview',
        title: 'Overview · Nekzus',
        loadComponent: () => import('./pages/overview/overview.page').then((m) => m.OverviewPage),
      },
      {
        path: 'discovery',
        title: 'Discovery · Nekzus',
        loadComponent: () =>
          import('./pages/discovery/discovery.page').then((m) => m.DiscoveryPage),
      },
      {
        path: 'apps',
        title: 'Apps & routes · Nekzus',
        loadComponent: () => import('./pages/apps/apps.page').then((m) => m.AppsPage),
      },
      {
        path: 'devices',
        title: 'Devices · Nekzus',
        loadComponent: () => import('./pages/devices/devices.page').then((m) => m.DevicesPage),
      },
      {
        path: 'toolbox',
        title: 'Toolbox · Nekzus',
        loadComponent: () => import('./pages/toolbox/toolbox.page').then((m) => m.ToolboxPage),
      },
      {
        path: 'containers',
        title: 'Containers · Nekzus',
        loadComponent: () =>
          import('./pages/containers/containers.page').then((m) => m.ContainersPage),
      },
      {
        path: 'api-keys',
        title: 'API keys · Nekzus',
        loadComponent: () => import('./pages/api-keys/api-keys.page').then((m) => m.ApiKeysPage),
      },
      {
        path: 'webhooks',
        title: 'Webhooks · Nekzus',
        loadComponent: () => import('./pages/webhooks/webhooks.page').then((m) => m.WebhooksPage),
      },
      {
        path: 'audit',
        title: 'Audit · Nekzus',
        loadComponent: () => import('./pages/audit/audit.page').then((m) => m.AuditPage),
      },
      {
        path: 'settings',
        title: 'Settings · Nekzus',
        loadComponent: () => import('./pages/settings/settings.page').then((m) => m.SettingsPage),
      },
    ],
  },
  {
    path: '**',
    title: 'Not found · Nekzus',
    loadComponent: () => import('./pages/not-found.page').then((m) => m.NotFoundPage),
  },
];
