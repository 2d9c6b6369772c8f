/**
 * The page shell: head (assets by hashed URL, htmx settings), the navigation the user's rights
 * allow, the main region, and a footer naming the node that answered.
 */
import type { GatewayContext } from '../gateway/context.js';
import type { User } from '../model/entities.js';
import type { PermissionRight, PermissionTarget } from '../model/permissions.js';
import { hasPermission } from '../model/permissions.js';
import { assetUrl } from './assets.js';
import type { Html, HtmlValue } from './html.js';
import { html } from './html.js';

export function can(user: User, target: PermissionTarget, right: PermissionRight): boolean {
  return hasPermission(user.permissions, target, right);
}

export interface PageUser {
  user: User;
  csrfToken: string;
}

interface NavItem {
  href: string;
  label: string;
  key: string;
  allowed: (u: User) => boolean;
}

const nav: readonly NavItem[] = [
  { href: '/webui/', label: 'Cluster', key: 'cluster', allowed: () => true },
  {
    href: '/webui/transfers',
    label: 'Transfers',
    key: 'transfers',
    allowed: (u) => can(u, 'transfers', 'r'),
  },
  { href: '/webui/history', label: 'History', key: 'history', allowed: (u) => can(u, 'transfers', 'r') },
  { href: '/webui/servers', label: 'Servers', key: 'servers', allowed: (u) => can(u, 'servers', 'r') },
  { href: '/webui/partners', label: 'Partners', key: 'partners', allowed: (u) => can(u, 'partners', 'r') },
  { href: '/webui/rules', label: 'Rules', key: 'rules', allowed: (u) => can(u, 'rules', 'r') },
  { href: '/webui/users', label: 'Users', key: 'users', allowed: (u) => can(u, 'users', 'r') },
  { href: '/webui/account', label: 'My account', key: 'account', allowed: () => true },
];

// htmx settings: no eval (CSP), no inline indicator style (CSP), no page copies in localStorage.
const htmxConfig = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  historyCacheSize: 0,
  selfRequestsOnly: true,
});

export interface PageOptions {
  title: string;
  /** Which navigation entry is current. */
  section?: string;
  who?: PageUser;
  body: HtmlValue;
}

export function page(ctx: GatewayContext, o: PageOptions): Html {
  const who = o.who;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${o.title} · ${ctx.config.global.gatewayName}</title>
        <meta name="htmx-config" content="${htmxConfig}" />
        ${who === undefined ? '' : html`<meta name="csrf-token" content="${who.csrfToken}" />`}
        <link rel="icon" href="${assetUrl('favicon.svg')}" type="image/svg+xml" />
        <link rel="stylesheet" href="${assetUrl('console.css')}" />
        <script src="${assetUrl('htmx.min.js')}" defer></script>
        <script src="${assetUrl('sse.min.js')}" defer></script>
        <script src="${assetUrl('console.js')}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to the content</a>
        <header class="top">
          <span class="brand">${ctx.config.global.gatewayName}</span>
          ${
            who === undefined
              ? ''
              : html`<nav aria-label="Main">
                    <ul>
                      ${nav
                        .filter((n) => n.allowed(who.user))
                        .map(
                          (n) =>
                            html`<li>
                              <a href="${n.href}" ${n.key === o.section ? html` aria-current="page"` : ''}
                                >${n.label}</a
                              >
                            </li>`,
                        )}
                    </ul>
                  </nav>
                  <form class="logout" method="post" action="/webui/logout">
                    <input type="hidden" name="_csrf" value="${who.csrfToken}" />
                    <span class="who">${who.user.username}</span>
                    <button type="submit">Log out</button>
                  </form>`
          }
        </header>
        <main id="main" tabindex="-1">
          <h1>${o.title}</h1>
          ${o.body}
        </main>
        <footer>
          Served by node <strong id="served-by">${ctx.nodeName}</strong> · waarp-gatewayd ${ctx.version}
        </footer>
      </body>
    </html>`;
}

/** A message region that screen readers announce. */
export function notice(kind: 'error' | 'info', text: HtmlValue): Html {
  return html`<p class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</p>`;
}

/** A data table's caption (read by screen readers only) and its column headers. */
export function tableHead(caption: string | undefined, columns: readonly string[]): Html {
  return html`${
      caption === undefined
        ? ''
        : html`<caption class="sr-only">
            ${caption}
          </caption>`
    }
    <thead>
      <tr>
        ${columns.map((c) => html`<th scope="col">${c}</th>`)}
      </tr>
    </thead>`;
}

/** A date as the operator reads it (UTC, ISO-like, to the second). */
export function when(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || ms <= 0) return '';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

export function bytes(n: number): string {
  if (n < 0) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}
