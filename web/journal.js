// journal.js: "Journal", the server's last token requests (GET /_local/journal), shown only when
// the server runs with --test-controls. Never tokens or grants: outcome, MP code, error.
import { h, table, pageHeader, loading, notice, replaceChildren, formatTime } from './ui.js';
import { errorText } from './api.js';

export const route = { path: '/journal', title: 'Journal', nav: true, order: 90, testControls: true };

export async function render(root, ctx) {
  root.append(
    ...pageHeader(route.title, 'The last 50 token requests this server answered, newest first (test controls are on). All clients of every organisation.'),
  );
  const body = h('div', {}, loading());
  const refresh = h('button', { type: 'button', class: 'secondary' }, 'Oppdater');
  const stamp = h('span', { class: 'muted', role: 'status' });
  root.append(h('div', { class: 'actions' }, refresh, stamp), body);

  const load = async () => {
    refresh.disabled = true;
    const r = await ctx.api('GET', '/_local/journal?limit=50', undefined, { auth: false });
    refresh.disabled = false;
    if (!r.ok) {
      replaceChildren(body, notice('error', `Could not read the journal: ${errorText(r)}`));
      return;
    }
    const entries = (r.body && r.body.entries) || [];
    stamp.textContent = `Updated ${new Date().toISOString().slice(11, 19)} UTC, ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}.`;
    replaceChildren(
      body,
      table({
        caption: 'Token requests',
        empty: 'No token requests yet.',
        columns: [
          { label: 'Tid', cell: (e) => formatTime(e.time) },
          { label: 'client_id', cell: (e) => (e.client_id ? h('code', {}, e.client_id) : h('span', { class: 'muted' }, '—')) },
          {
            label: 'Utfall',
            cell: (e) => h('span', { class: `status ${e.outcome === 'issued' ? 'status-ok' : 'status-bad'}` }, e.outcome),
          },
          { label: 'MP-kode', cell: (e) => (e.mp_code ? h('code', {}, e.mp_code) : '') },
          {
            label: 'Feil',
            cell: (e) => [e.error ? h('div', {}, e.error) : null, e.detail ? h('div', { class: 'muted' }, e.detail) : null],
          },
        ],
        rows: entries,
      }),
    );
  };
  refresh.addEventListener('click', load);
  await load();
}
