// scopes.js: "Scopes", the API owner's view. Lists the organisation's own scopes, creates new
// ones, and (detail view) edits a scope, deactivates it and manages who may use it (access list:
// grant, deny, revoke per organisation).
//
// Routes: #/scopes (list and create) and #/scopes?scope=<URL-encoded name> (detail). The
// detail travels in the query because app.js gives each page module one route and scope names
// may contain '/'.
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
} from './ui.js';
import { errorText } from './api.js';

export const route = { path: '/scopes', title: 'Scopes', nav: true, order: 50 };

const VISIBILITIES = [
  { value: 'PUBLIC', label: 'PUBLIC: listed for every organisation' },
  { value: 'PRIVATE', label: 'PRIVATE: only organisations you grant see it' },
  { value: 'INTERNAL', label: 'INTERNAL: for your own organisation' },
];

// The scope named in the hash (#/scopes?scope=a%3Arecords), or '' for the list.
function scopeFromHash(ctx) {
  if (ctx.params && ctx.params.name) return ctx.params.name;
  const hash = location.hash.replace(/^#/, '');
  const q = hash.indexOf('?');
  if (q < 0) return '';
  return new URLSearchParams(hash.slice(q + 1)).get('scope') || '';
}

export function scopeHref(name) {
  return `#/scopes?scope=${encodeURIComponent(name)}`;
}

// The issuers a scope's delegation_source may name (GET /api/v1/delegationsources).
async function delegationSources(ctx) {
  const r = await ctx.api('GET', '/api/v1/delegationsources');
  return r.ok && Array.isArray(r.body) ? r.body.filter((s) => s && s.issuer) : [];
}

function isDelegable(scope, sources) {
  return Boolean(scope.delegation_source) && sources.some((s) => s.issuer === scope.delegation_source);
}

function stateLabel(state) {
  const cls = state === 'APPROVED' ? 'status-ok' : state === 'DENIED' ? 'status-bad' : 'status-warn';
  return h('span', { class: `status ${cls}` }, state);
}

function activeLabel(scope) {
  return scope.active === false
    ? h('span', { class: 'status status-bad' }, 'deaktivert')
    : h('span', { class: 'status status-ok' }, 'aktiv');
}

// The fields shared by the create and edit forms.
function settingsFields(scope, sources) {
  const noSource = sources.length === 0;
  return [
    field({ label: 'Beskrivelse', name: 'description', textarea: true, value: scope.description || '' }),
    field({ label: 'Synlighet', name: 'visibility', options: VISIBILITIES, value: scope.visibility || 'PUBLIC' }),
    field({
      label: 'Tilgjengelig for alle',
      name: 'accessible_for_all',
      type: 'checkbox',
      value: Boolean(scope.accessible_for_all),
      hint: 'Every organisation may use the scope without being granted access.',
    }),
    field({
      label: 'Kan delegeres',
      name: 'delegation_source',
      type: 'checkbox',
      value: Boolean(scope.delegation_source),
      hint: noSource
        ? 'No delegation source is configured on this server.'
        : `A consumer may delegate the scope to a supplier in ${sources[0].name} (delegation_source ${sources[0].issuer}).`,
      attrs: { disabled: noSource && !scope.delegation_source },
    }),
    field({
      label: 'Maks levetid for access token (at_max_age, sekunder, 0 = ikke satt)',
      name: 'at_max_age',
      value: String(scope.at_max_age ?? 0),
      attrs: { inputmode: 'numeric', autocomplete: 'off' },
    }),
  ];
}

// Reads the shared fields into `out`. The delegable box keeps an existing source when checked.
function readSettings(form, out, existing, sources) {
  out.description = form.elements.description.value;
  out.visibility = form.elements.visibility.value;
  out.accessible_for_all = form.elements.accessible_for_all.checked;
  const delegable = form.elements.delegation_source.checked;
  if (!delegable) out.delegation_source = '';
  else if (existing && existing.delegation_source) out.delegation_source = existing.delegation_source;
  else out.delegation_source = sources.length ? sources[0].issuer : '';
  const age = form.elements.at_max_age.value.trim();
  // Digits become a number; anything else goes to the server as typed, so its message shows.
  out.at_max_age = age === '' ? 0 : /^-?\d+$/.test(age) ? Number(age) : age;
  return out;
}

export async function render(root, ctx) {
  const name = scopeFromHash(ctx);
  if (name) return renderDetail(root, ctx, name);
  return renderList(root, ctx);
}

// ---------------------------------------------------------------------------------------------
// List and create

async function renderList(root, ctx) {
  root.append(
    ...pageHeader(
      route.title,
      'Scopes your organisation owns as API owner. Create a scope, then choose it to decide which organisations may use it.',
    ),
  );
  const listArea = h('section', { class: 'panel', 'aria-labelledby': 'scopes-h' }, h('h2', { id: 'scopes-h' }, 'Dine scopes'), loading());
  const createArea = h('section', { class: 'panel', 'aria-labelledby': 'new-scope-h' });
  root.append(listArea, createArea);

  const sources = await delegationSources(ctx);

  const drawList = async () => {
    const r = await ctx.api('GET', '/api/v1/scopes?inactive=true');
    if (!r.ok) {
      replaceChildren(listArea, h('h2', { id: 'scopes-h' }, 'Dine scopes'), notice('error', `Could not list the scopes: ${errorText(r)}`));
      return;
    }
    const scopes = Array.isArray(r.body) ? r.body : [];
    replaceChildren(
      listArea,
      h('h2', { id: 'scopes-h' }, 'Dine scopes'),
      table({
        caption: `${scopes.length} scope${scopes.length === 1 ? '' : 's'} eid av ${ctx.session.org_name} (${ctx.session.orgno})`,
        empty: 'No scopes yet: create one below.',
        columns: [
          { label: 'Scope', cell: (s) => h('a', { href: scopeHref(s.name) }, h('code', {}, s.name)) },
          { label: 'Beskrivelse', cell: (s) => s.description || h('span', { class: 'muted' }, '—') },
          { label: 'Synlighet', cell: (s) => s.visibility },
          { label: 'For alle', cell: (s) => (s.accessible_for_all ? 'ja' : 'nei') },
          { label: 'Kan delegeres', cell: (s) => (isDelegable(s, sources) ? 'ja' : s.delegation_source ? `ja (${s.delegation_source})` : 'nei') },
          { label: 'Status', cell: (s) => activeLabel(s) },
        ],
        rows: scopes,
      }),
    );
  };

  const submit = h('button', { type: 'submit' }, 'Opprett scope');
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Nytt scope' },
    h(
      'div',
      { class: 'grid2' },
      field({
        label: 'Prefiks',
        name: 'prefix',
        hint: 'Lower-case letters, digits, _ and -; one organisation owns a prefix.',
        attrs: { autocomplete: 'off', spellcheck: 'false' },
      }),
      field({
        label: 'Subscope',
        name: 'subscope',
        hint: 'Letters, digits and . _ / : -, for example records or records/read.',
        attrs: { autocomplete: 'off', spellcheck: 'false' },
      }),
    ),
    ...settingsFields({ visibility: 'PUBLIC' }, sources),
    formError(),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const body = readSettings(
      form,
      {
        prefix: form.elements.prefix.value.trim(),
        subscope: form.elements.subscope.value.trim(),
        allowed_integration_types: ['maskinporten'],
      },
      null,
      sources,
    );
    submit.disabled = true;
    const r = await ctx.api('POST', '/api/v1/scopes', body);
    submit.disabled = false;
    if (!r.ok) {
      showFieldErrors(form, r.body);
      return;
    }
    ctx.toast(`Scope ${r.body.name} er opprettet.`, 'success');
    form.reset();
    await drawList();
  });
  replaceChildren(createArea, h('h2', { id: 'new-scope-h' }, 'Nytt scope'), form);
  await drawList();
}

// ---------------------------------------------------------------------------------------------
// Detail: settings, access list, deactivate

async function renderDetail(root, ctx, name) {
  root.append(
    pageHeader(route.title)[0],
    h('p', { class: 'lead' }, 'Scope ', h('code', { id: 'scope-name' }, name)),
    h('p', {}, h('a', { href: '#/scopes' }, '← Alle scopes')),
  );
  const body = h('div', {}, loading());
  root.append(body);

  const query = `scope=${encodeURIComponent(name)}`;
  const [sr, sources] = await Promise.all([ctx.api('GET', `/api/v1/scopes?${query}`), delegationSources(ctx)]);
  if (!sr.ok) {
    replaceChildren(
      body,
      notice(
        'error',
        sr.status === 404
          ? `No scope ${name}.`
          : sr.status === 403
            ? `The scope ${name} belongs to another organisation.`
            : `Could not read the scope: ${errorText(sr)}`,
      ),
    );
    return;
  }
  let scope = sr.body;
  document.title = `${scope.name} · Local Maskinporten`;

  const summary = h('section', { class: 'panel', 'aria-labelledby': 'sum-h' });
  const edit = h('section', { class: 'panel', 'aria-labelledby': 'edit-h' });
  const access = h('section', { class: 'panel', 'aria-labelledby': 'access-h' });
  const danger = h('section', { class: 'panel', 'aria-labelledby': 'danger-h' });
  replaceChildren(body, summary, access, edit, danger);

  const drawSummary = () => {
    replaceChildren(
      summary,
      h('h2', { id: 'sum-h' }, 'Oversikt'),
      scope.active === false ? notice('warn', 'This scope is deactivated: no new tokens or clients can use it.') : null,
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'Navn'),
        h('dd', {}, h('code', {}, scope.name)),
        h('dt', {}, 'Eier'),
        h('dd', {}, scope.owner_orgno),
        h('dt', {}, 'Status'),
        h('dd', {}, activeLabel(scope)),
        h('dt', {}, 'Synlighet'),
        h('dd', {}, scope.visibility),
        h('dt', {}, 'Tilgjengelig for alle'),
        h('dd', {}, scope.accessible_for_all ? 'ja' : 'nei'),
        h('dt', {}, 'Kan delegeres'),
        h('dd', {}, scope.delegation_source ? `ja (delegation_source ${scope.delegation_source})` : 'nei'),
        h('dt', {}, 'Integrasjonstyper'),
        h('dd', {}, (scope.allowed_integration_types || []).join(', ')),
        h('dt', {}, 'at_max_age'),
        h('dd', {}, scope.at_max_age ? `${scope.at_max_age} s` : 'ikke satt'),
        h('dt', {}, 'Opprettet'),
        h('dd', {}, formatTime(scope.created)),
        h('dt', {}, 'Sist endret'),
        h('dd', {}, formatTime(scope.last_updated)),
      ),
    );
  };

  // --- Settings ---------------------------------------------------------------------------
  const save = h('button', { type: 'submit' }, 'Lagre endringer');
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Endre scope' },
    ...settingsFields(scope, sources),
    formError(),
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    // PUT replaces the scope: send what GET gave (read-only members are ignored) with the edits.
    const put = readSettings(form, { ...scope }, scope, sources);
    save.disabled = true;
    const r = await ctx.api('PUT', `/api/v1/scopes?${query}`, put);
    save.disabled = false;
    if (!r.ok) {
      showFieldErrors(form, r.body);
      return;
    }
    scope = r.body;
    drawSummary();
    ctx.toast('Endringene er lagret.', 'success');
  });
  edit.append(h('h2', { id: 'edit-h' }, 'Innstillinger'), form);

  // --- Access -----------------------------------------------------------------------------
  const accessList = h('div', {}, loading());
  const accessError = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const setAccess = async (orgno, state) => {
    const r = await ctx.api('PUT', `/api/v1/scopes/access/${encodeURIComponent(orgno)}?${query}&state=${state}`);
    return r;
  };
  const showAccessError = (r) => {
    accessError.textContent = errorText(r);
    accessError.hidden = false;
  };
  const drawAccess = async () => {
    const r = await ctx.api('GET', `/api/v1/scopes/access?${query}`);
    if (!r.ok) {
      replaceChildren(accessList, notice('error', `Could not list the access entries: ${errorText(r)}`));
      return;
    }
    const entries = Array.isArray(r.body) ? r.body : [];
    const act = (label, entry, fn) =>
      h(
        'button',
        {
          type: 'button',
          class: label === 'Fjern' ? 'danger small' : 'secondary small',
          'aria-label': `${label} ${entry.consumer_orgno}`,
          onclick: async () => {
            accessError.hidden = true;
            const res = await fn();
            if (!res.ok) {
              showAccessError(res);
              return;
            }
            ctx.toast(`${entry.consumer_orgno}: ${label === 'Fjern' ? 'tilgang fjernet' : res.body.state}.`, 'success');
            await drawAccess();
          },
        },
        label,
      );
    replaceChildren(
      accessList,
      table({
        caption: `Organisasjoner med tilgang til ${scope.name}`,
        empty: scope.accessible_for_all
          ? 'No entries: the scope is open to every organisation anyway.'
          : 'No organisation has access yet.',
        columns: [
          { label: 'Organisasjon', cell: (a) => h('span', { class: 'mono' }, a.consumer_orgno) },
          { label: 'Status', cell: (a) => stateLabel(a.state) },
          { label: 'Opprettet', cell: (a) => formatTime(a.created) },
          { label: 'Sist endret', cell: (a) => formatTime(a.last_updated) },
          {
            label: 'Handlinger',
            cell: (a) =>
              h(
                'div',
                { class: 'row' },
                a.state !== 'APPROVED' ? act('Godkjenn', a, () => setAccess(a.consumer_orgno, 'APPROVED')) : null,
                a.state !== 'DENIED' ? act('Avslå', a, () => setAccess(a.consumer_orgno, 'DENIED')) : null,
                act('Fjern', a, () =>
                  ctx.api('DELETE', `/api/v1/scopes/access/${encodeURIComponent(a.consumer_orgno)}?${query}`),
                ),
              ),
          },
        ],
        rows: entries,
      }),
    );
  };
  const grantButton = h('button', { type: 'submit' }, 'Gi tilgang');
  const grantForm = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Gi tilgang' },
    field({
      label: 'Organisasjonsnummer',
      name: 'orgno',
      hint: 'Nine digits with a valid check digit. The organisation gets APPROVED access.',
      attrs: { inputmode: 'numeric', autocomplete: 'off', maxlength: 9 },
    }),
    formError(),
    h('div', { class: 'actions' }, grantButton),
  );
  grantForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(grantForm);
    accessError.hidden = true;
    const orgno = grantForm.elements.orgno.value.trim();
    if (orgno === '') {
      showFieldErrors(grantForm, { error_description: 'orgno: enter an organisation number' });
      return;
    }
    grantButton.disabled = true;
    const r = await setAccess(orgno, 'APPROVED');
    grantButton.disabled = false;
    if (!r.ok) {
      showFieldErrors(grantForm, r.body);
      return;
    }
    ctx.toast(`${orgno} har fått tilgang.`, 'success');
    grantForm.reset();
    await drawAccess();
  });
  access.append(
    h('h2', { id: 'access-h' }, 'Tilgang'),
    h(
      'p',
      { class: 'muted' },
      'Only APPROVED entries let an organisation put the scope on its clients. Avslå keeps the entry as DENIED; Fjern removes it.',
    ),
    accessError,
    accessList,
    h('h3', {}, 'Gi en organisasjon tilgang'),
    grantForm,
  );

  // --- Deactivate -------------------------------------------------------------------------
  const drawDanger = () => {
    if (scope.active === false) {
      replaceChildren(
        danger,
        h('h2', { id: 'danger-h' }, 'Deaktiver'),
        h('p', { class: 'muted' }, 'The scope is deactivated. Its name stays taken: a deactivated scope is never deleted.'),
      );
      return;
    }
    const button = h('button', { type: 'button', class: 'danger' }, 'Deaktiver scope');
    button.addEventListener('click', async () => {
      const yes = await confirmDialog(`Deactivate ${scope.name}? Clients can no longer get tokens with it.`, {
        title: 'Deaktiver scope',
        confirmLabel: 'Deaktiver',
        danger: true,
      });
      if (!yes) return;
      const r = await ctx.api('DELETE', `/api/v1/scopes?${query}`);
      if (!r.ok) {
        ctx.toast(`Could not deactivate: ${errorText(r)}`, 'error');
        return;
      }
      scope = r.body;
      ctx.toast(`${scope.name} er deaktivert.`, 'success');
      drawSummary();
      drawDanger();
    });
    replaceChildren(
      danger,
      h('h2', { id: 'danger-h' }, 'Deaktiver'),
      h('p', { class: 'muted' }, 'A deactivated scope gives no tokens and cannot be put on clients; the name stays reserved.'),
      button,
    );
  };

  drawSummary();
  drawDanger();
  await drawAccess();
}
