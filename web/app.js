// app.js: the shell. Header (LOCAL TEST badge, org, "Logg ut"), nav, and a hash router over the
// page modules. Every page module exports
//   export const route = { path: '/scopes', title: 'Scopes', nav: true, order: 50 };
//   export async function render(root, ctx) { ... }
// with ctx = { api, session, params, navigate(path), toast(message, kind) } (web_contract.md),
// plus ctx.query (URLSearchParams of the part after '?' in the hash) and ctx.testControls.
// A route may set `testControls: true` (shown only when GET /_local answers 200) and
// `public: true` (reachable without a session: the login page).

import { api, loadSession, clearSession } from './api.js';
import { h, replaceChildren, toast } from './ui.js';
import * as login from './login.js';
import * as integrations from './integrations.js';
import * as integrationNew from './integration-new.js';
import * as integration from './integration.js';
import * as inspector from './inspector.js';
import * as journal from './journal.js';
import * as scopes from './scopes.js';
import * as delegations from './delegations.js';
import * as consents from './consents.js';

const modules = [login, integrations, integrationNew, integration, scopes, delegations, consents, inspector, journal];

const routes = modules
  .filter((m) => m.route && typeof m.render === 'function')
  .map((m) => {
    const names = [];
    const pattern = m.route.path.replace(/:([A-Za-z_]\w*)/g, (_, name) => {
      names.push(name);
      return '([^/]+)';
    });
    return { ...m.route, names, re: new RegExp(`^${pattern}/?$`), render: m.render };
  })
  .sort((a, b) => (a.order ?? 100) - (b.order ?? 100));

let testControls = null; // null: not asked yet; then true/false
let renderCount = 0;

function currentPath() {
  const raw = location.hash.replace(/^#/, '');
  return raw.startsWith('/') ? raw : '/';
}

export function navigate(path) {
  if (currentPath() === path) {
    render();
  } else {
    location.hash = `#${path}`;
  }
}

function match(path) {
  const [bare] = path.split('?');
  for (const r of routes) {
    const m = r.re.exec(bare);
    if (!m) continue;
    const params = {};
    r.names.forEach((name, i) => {
      try {
        params[name] = decodeURIComponent(m[i + 1]);
      } catch {
        params[name] = m[i + 1];
      }
    });
    return { route: r, params };
  }
  return null;
}

async function detectTestControls() {
  if (testControls !== null) return testControls;
  try {
    const r = await fetch('/_local', { cache: 'no-store', credentials: 'omit' });
    testControls = r.status === 200;
  } catch {
    testControls = false;
  }
  return testControls;
}

function renderHeader(session, active) {
  const info = document.getElementById('session-info');
  if (session) {
    replaceChildren(
      info,
      h(
        'span',
        { class: 'org' },
        h('span', { class: 'org-name' }, session.org_name || 'Organisation'),
        ' ',
        h('span', { class: 'orgno' }, `(${session.orgno})`),
      ),
      h('a', { href: '#/login', class: 'switch-org' }, 'Bytt organisasjon'),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary small',
          onclick: () => {
            clearSession();
            toast('Logget ut.', 'info');
            navigate('/login');
          },
        },
        'Logg ut',
      ),
    );
  } else {
    replaceChildren(info, h('span', { class: 'org muted' }, 'Ikke logget inn'));
  }

  const nav = document.getElementById('nav');
  if (!session) {
    replaceChildren(nav);
    nav.hidden = true;
    return;
  }
  nav.hidden = false;
  const items = routes.filter((r) => r.nav && !r.public && (!r.testControls || testControls));
  replaceChildren(
    nav,
    h(
      'ul',
      {},
      items.map((r) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: `#${r.path}`, 'aria-current': active && active.path === r.path ? 'page' : undefined },
            r.title,
          ),
        ),
      ),
    ),
  );
}

async function render() {
  renderCount += 1;
  const mine = renderCount;
  const path = currentPath();
  let session = loadSession();
  if (!session) clearSession();

  let found = match(path);
  if (!found || (!session && !found.route.public)) {
    if (!session) {
      if (path !== '/login') {
        location.replace('#/login');
        return;
      }
    } else if (!found) {
      location.replace(`#${path === '/' ? '/integrations' : '/integrations'}`);
      return;
    }
    found = match('/login');
  }
  await detectTestControls();
  if (mine !== renderCount) return;
  const { route, params } = found;
  if (route.testControls && !testControls) {
    location.replace('#/integrations');
    return;
  }
  renderHeader(session, route);

  // A fresh <main> per navigation: a slow render of the previous page writes into a detached node.
  const old = document.getElementById('main');
  const root = h('main', { id: 'main', tabindex: '-1', 'data-route': route.path });
  old.replaceWith(root);
  document.title = `${route.title} · Local Maskinporten`;

  const ctx = {
    api,
    session,
    params,
    query: new URLSearchParams(path.split('?')[1] || ''), // '#/scopes?scope=a%3Ab' -> get('scope')
    navigate,
    toast,
    testControls,
  };
  try {
    await route.render(root, ctx);
  } catch (e) {
    if (mine !== renderCount) return;
    replaceChildren(
      root,
      h('h1', {}, route.title),
      h('div', { class: 'notice notice-error', role: 'alert' }, `This page failed: ${e.message}`),
    );
  }
  if (mine !== renderCount) return;
  // Move focus to the new page's heading on navigation (not on the first load).
  if (render.navigated) {
    const h1 = root.querySelector('h1');
    if (h1) {
      if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: false });
    }
  }
  render.navigated = true;
  document.body.dataset.ready = route.path;
}
render.navigated = false;

window.addEventListener('hashchange', () => {
  document.body.dataset.ready = '';
  render();
});
if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', () => render());
} else {
  render();
}
