// integrations.js: "Integrasjoner", the organisation's clients with their key status.
import { h, table, pageHeader, loading, notice, replaceChildren } from './ui.js';
import { errorText } from './api.js';

export const route = { path: '/integrations', title: 'Integrasjoner', nav: true, order: 10 };

const DAY = 86400 * 1000;
export const KEY_LIFETIME_MS = 365 * DAY; // a registered key is valid one year from its upload
export const KEY_WARN_DAYS = 30;

// When a key was uploaded: its own `created` when the API gives one, else the set's
// `last_updated` (every upload replaces the whole set and renews each key in it).
export function keyCreated(key, jwks) {
  const raw = key.created ?? (jwks && (jwks.last_updated || jwks.created));
  const t = raw ? Date.parse(raw) : NaN;
  return Number.isNaN(t) ? null : t;
}

// -> { created: ms|null, expires: ms|null, days: number|null, state: 'ok'|'warn'|'expired'|'unknown' }
export function keyExpiry(key, jwks, now = Date.now()) {
  const created = keyCreated(key, jwks);
  if (created === null) return { created: null, expires: null, days: null, state: 'unknown' };
  const expires = created + KEY_LIFETIME_MS;
  const days = Math.floor((expires - now) / DAY);
  const state = expires <= now ? 'expired' : days < KEY_WARN_DAYS ? 'warn' : 'ok';
  return { created, expires, days, state };
}

// A status label for one key or for a whole set (the soonest-expiring key decides).
export function keyStatusLabel(jwks, now = Date.now()) {
  const keys = (jwks && jwks.keys) || [];
  if (!keys.length) {
    return h('span', { class: 'status status-none' }, 'No keys (virksomhetssertifikat only)');
  }
  const states = keys.map((k) => keyExpiry(k, jwks, now));
  const expired = states.filter((s) => s.state === 'expired').length;
  const soon = states
    .filter((s) => s.state === 'warn')
    .sort((a, b) => a.days - b.days)[0];
  const count = `${keys.length} key${keys.length === 1 ? '' : 's'}`;
  if (expired) {
    return h('span', { class: 'status status-bad' }, `${count}: ${expired === keys.length ? 'expired' : `${expired} expired`}`);
  }
  if (soon) {
    return h('span', { class: 'status status-warn' }, `${count}: expires in ${soon.days} day${soon.days === 1 ? '' : 's'}`);
  }
  const next = states.filter((s) => s.expires !== null).sort((a, b) => a.expires - b.expires)[0];
  return h('span', { class: 'status status-ok' }, next ? `${count}: valid ${next.days} more days` : count);
}

export function expiryText(exp) {
  if (exp.state === 'unknown') return h('span', { class: 'status status-none' }, 'unknown');
  const date = new Date(exp.expires).toISOString().slice(0, 10);
  if (exp.state === 'expired') return h('span', { class: 'status status-bad' }, `${date}: expired`);
  if (exp.state === 'warn') {
    return h('span', { class: 'status status-warn' }, `${date}: expires in ${exp.days} day${exp.days === 1 ? '' : 's'}`);
  }
  return h('span', { class: 'status status-ok' }, date);
}

export async function render(root, ctx) {
  root.append(
    ...pageHeader(route.title, 'Maskinporten clients of your organisation. Choose one to manage its keys and scopes.'),
    h('div', { class: 'actions' }, h('a', { href: '#/integrations/new', class: 'button-link' }, 'Ny integrasjon')),
  );
  const body = h('div', {}, loading());
  root.append(body);

  const r = await ctx.api('GET', '/api/v1/clients');
  if (!r.ok) {
    replaceChildren(body, notice('error', `Could not list the integrations: ${errorText(r)}`));
    return;
  }
  const clients = Array.isArray(r.body) ? r.body : [];
  const jwksList = await Promise.all(
    clients.map((c) => ctx.api('GET', `/api/v1/clients/${encodeURIComponent(c.client_id)}/jwks`)),
  );
  const rows = clients.map((c, i) => ({ client: c, jwks: jwksList[i].ok ? jwksList[i].body : null }));

  replaceChildren(
    body,
    table({
      caption: `${clients.length} integrasjon${clients.length === 1 ? '' : 'er'} for ${ctx.session.org_name} (${ctx.session.orgno})`,
      empty: 'No integrations yet: create one with "Ny integrasjon".',
      columns: [
        {
          label: 'Navn',
          cell: (row) => h('a', { href: `#/integrations/${encodeURIComponent(row.client.client_id)}` }, row.client.client_name || row.client.client_id),
        },
        { label: 'client_id', cell: (row) => h('code', {}, row.client.client_id) },
        {
          label: 'Scopes',
          cell: (row) =>
            row.client.scopes && row.client.scopes.length
              ? h('ul', { class: 'chips' }, row.client.scopes.map((s) => h('li', { class: 'chip chip-static' }, s)))
              : h('span', { class: 'muted' }, 'none'),
        },
        { label: 'Autentisering', cell: (row) => h('code', {}, row.client.token_endpoint_auth_method || 'private_key_jwt') },
        {
          label: 'Nøkler',
          cell: (row) => (row.jwks ? keyStatusLabel(row.jwks) : h('span', { class: 'status status-none' }, 'unknown')),
        },
      ],
      rows,
    }),
  );
}
