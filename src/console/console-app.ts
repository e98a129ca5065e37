/** The console's frame: the navigation bar and the page the location names (the same paths the admin API serves the shell at). */
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { signOut } from './admin-fetch.js';
import { AuditPage } from './audit-page.js';
import { FlagsPage } from './flags-page.js';
import { ModelsPage } from './models-page.js';
import { followLink } from './navigate.js';
import { OverviewPage } from './overview-page.js';
import { ServicePage } from './service-page.js';
import { SignInPage } from './sign-in-page.js';
import { TenantsPage } from './tenants-page.js';

const NAV: readonly [string, string][] = [
  ['/', 'Overview'],
  ['/models', 'Models'],
  ['/tenants', 'Tenants & keys'],
  ['/flags', 'Flags'],
  ['/audit', 'Audit log'],
];

function page(path: string): VNode {
  const service = /^\/services\/([^/]+)$/.exec(path);
  if (service?.[1] !== undefined) return html`<${ServicePage} key=${service[1]} name=${decodeURIComponent(service[1])} />`;
  switch (path) {
    case '/models':
      return html`<${ModelsPage} />`;
    case '/tenants':
      return html`<${TenantsPage} />`;
    case '/flags':
      return html`<${FlagsPage} />`;
    case '/audit':
      return html`<${AuditPage} />`;
    default:
      return html`<${OverviewPage} />`;
  }
}

export function ConsoleApp(): VNode {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const follow = (): void => setPath(location.pathname);
    addEventListener('popstate', follow);
    return () => removeEventListener('popstate', follow);
  }, []);
  if (path === '/sign-in') return html`<${SignInPage} />`;
  const current = path.startsWith('/services/') ? '/' : path;
  return html`<div class="frame">
    <header>
      <strong class="brand">mlaas</strong>
      <nav>${NAV.map(([to, label]) => html`<a href=${to} class=${to === current ? 'current' : ''} onClick=${followLink}>${label}</a>`)}</nav>
      <button class="sign-out" onClick=${() => void signOut()}>Sign out</button>
    </header>
    ${page(path)}
  </div>`;
}
