// delegations.js: "Delegeringer", the local stand-in for Altinn's delegation UI. The
// organisation (the consumer) delegates a delegable scope to a supplier, who then gets tokens
// for the consumer by sending `consumer_org` in its grant. Lists the delegations where the
// organisation is consumer or supplier (GET /api/v1/delegations), creates (POST) and removes
// (DELETE ?supplier_orgno=&scope=) them.
import {
  h,
  field,
  formError,
  showFieldErrors,
  clearFieldErrors,
  confirmDialog,
  table,
  pageHeader,
  loading,
  notice,
  replaceChildren,
  formatTime,
  uid,
} from './ui.js';
import { errorText } from './api.js';

export const route = { path: '/delegations', title: 'Delegeringer', nav: true, order: 60 };

// Delegable scopes the organisation may name: its own (any visibility) and every public one.
async function delegableScopes(ctx) {
  const [own, all] = await Promise.all([
    ctx.api('GET', '/api/v1/scopes'),
    ctx.api('GET', '/api/v1/scopes/all?delegable=true'),
  ]);
  const names = new Map();
  for (const s of [...(own.ok && Array.isArray(own.body) ? own.body : []), ...(all.ok && Array.isArray(all.body) ? all.body : [])]) {
    if (s && s.active !== false && s.delegation_source && !names.has(s.name)) names.set(s.name, s);
  }
  return [...names.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export async function render(root, ctx) {
  const me = ctx.session.orgno;
  root.append(
    ...pageHeader(
      route.title,
      'Delegering (Altinn): your organisation lets a supplier act for it: the supplier\'s own client gets Maskinporten tokens for you by sending consumer_org = your organisation number in its grant.',
    ),
  );
  const fromMe = h('section', { class: 'panel', 'aria-labelledby': 'from-h' }, h('h2', { id: 'from-h' }, 'Delegert fra oss'), loading());
  const toMe = h('section', { class: 'panel', 'aria-labelledby': 'to-h' }, h('h2', { id: 'to-h' }, 'Delegert til oss'), loading());
  const create = h('section', { class: 'panel', 'aria-labelledby': 'new-del-h' });
  root.append(create, fromMe, toMe);

  const listError = h('div', { class: 'form-error', role: 'alert', hidden: true });

  const drawLists = async () => {
    const r = await ctx.api('GET', '/api/v1/delegations');
    if (!r.ok) {
      replaceChildren(fromMe, h('h2', { id: 'from-h' }, 'Delegert fra oss'), notice('error', `Could not list the delegations: ${errorText(r)}`));
      replaceChildren(toMe, h('h2', { id: 'to-h' }, 'Delegert til oss'));
      return;
    }
    const all = Array.isArray(r.body) ? r.body : [];
    const mine = all.filter((d) => d.consumer_orgno === me);
    const theirs = all.filter((d) => d.supplier_orgno === me);
    replaceChildren(
      fromMe,
      h('h2', { id: 'from-h' }, 'Delegert fra oss'),
      listError,
      table({
        caption: `Delegeringer der ${ctx.session.org_name} (${me}) er konsument`,
        empty: 'No delegations: delegate a scope above.',
        columns: [
          { label: 'Scope', cell: (d) => h('code', {}, d.scope) },
          { label: 'Leverandør', cell: (d) => h('span', { class: 'mono' }, d.supplier_orgno) },
          { label: 'Opprettet', cell: (d) => formatTime(d.created) },
          {
            label: 'Handlinger',
            cell: (d) =>
              h(
                'button',
                {
                  type: 'button',
                  class: 'danger small',
                  'aria-label': `Fjern delegering av ${d.scope} til ${d.supplier_orgno}`,
                  onclick: async () => {
                    listError.hidden = true;
                    const yes = await confirmDialog(`Remove the delegation of ${d.scope} to ${d.supplier_orgno}? The supplier can no longer get tokens for you with it.`, {
                      title: 'Fjern delegering',
                      confirmLabel: 'Fjern',
                      danger: true,
                    });
                    if (!yes) return;
                    const q = `supplier_orgno=${encodeURIComponent(d.supplier_orgno)}&scope=${encodeURIComponent(d.scope)}`;
                    const res = await ctx.api('DELETE', `/api/v1/delegations?${q}`);
                    if (!res.ok) {
                      listError.textContent = errorText(res);
                      listError.hidden = false;
                      return;
                    }
                    ctx.toast(`Delegeringen av ${d.scope} til ${d.supplier_orgno} er fjernet.`, 'success');
                    await drawLists();
                  },
                },
                'Fjern',
              ),
          },
        ],
        rows: mine,
      }),
    );
    replaceChildren(
      toMe,
      h('h2', { id: 'to-h' }, 'Delegert til oss'),
      h('p', { class: 'muted' }, 'As supplier: put the scope on one of your own integrations and send consumer_org with the consumer\'s number when you ask for a token.'),
      table({
        caption: `Delegeringer der ${ctx.session.org_name} (${me}) er leverandør`,
        empty: 'No organisation has delegated a scope to you.',
        columns: [
          { label: 'Scope', cell: (d) => h('code', {}, d.scope) },
          { label: 'Konsument', cell: (d) => h('span', { class: 'mono' }, d.consumer_orgno) },
          { label: 'Opprettet', cell: (d) => formatTime(d.created) },
          { label: 'I token-forespørselen', cell: (d) => h('code', {}, `consumer_org=${d.consumer_orgno}`) },
        ],
        rows: theirs,
      }),
    );
  };

  // --- Create -----------------------------------------------------------------------------
  const scopes = await delegableScopes(ctx);
  const listId = uid('delegable');
  const submit = h('button', { type: 'submit' }, 'Deleger');
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Ny delegering' },
    field({
      label: 'Scope',
      name: 'scope',
      hint: scopes.length
        ? `Delegable scopes: ${scopes.map((s) => s.name).join(', ')}.`
        : 'No delegable scope is known yet (an API owner marks a scope "Kan delegeres").',
      attrs: { list: listId, autocomplete: 'off', spellcheck: 'false' },
    }),
    h('datalist', { id: listId }, scopes.map((s) => h('option', { value: s.name }, s.description || s.name))),
    field({
      label: 'Leverandør (organisasjonsnummer)',
      name: 'supplier_orgno',
      hint: 'The organisation that will act for you.',
      attrs: { inputmode: 'numeric', autocomplete: 'off', maxlength: 9 },
    }),
    formError(),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const body = {
      supplier_orgno: form.elements.supplier_orgno.value.trim(),
      scope: form.elements.scope.value.trim(),
    };
    submit.disabled = true;
    const r = await ctx.api('POST', '/api/v1/delegations', body);
    submit.disabled = false;
    if (!r.ok) {
      showFieldErrors(form, r.body);
      return;
    }
    ctx.toast(`${r.body.scope} er delegert til ${r.body.supplier_orgno}.`, 'success');
    form.reset();
    await drawLists();
  });
  replaceChildren(create, h('h2', { id: 'new-del-h' }, 'Deleger et scope'), form);
  await drawLists();
}
