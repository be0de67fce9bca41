// login.js: local login. Choose a registered organisation or enter a new org number and name;
// POST /local-login/token gives an ordinary access token of this server with the admin scopes.
import { api, saveSession, sessionFromLogin, clearSession } from './api.js';
import { h, field, formError, showFieldErrors, clearFieldErrors, pageHeader, notice } from './ui.js';

export const route = { path: '/login', title: 'Logg inn', nav: false, public: true, order: 0 };

export async function render(root, ctx) {
  root.append(
    ...pageHeader(route.title, 'Choose the organisation you act for. Everything you register stays in this local registry.'),
    notice(
      'info',
      h('strong', {}, 'Local login only. '),
      'No ID-porten and no Samarbeidsportalen: the page gets an admin-scoped token from this ' +
        'local Maskinporten for the organisation you pick, by the same rules as any client.',
    ),
  );

  const r = await api('GET', '/local-login/organisations', undefined, { auth: false });
  const orgs = r.ok && r.body && Array.isArray(r.body.organisations) ? r.body.organisations : [];
  const current = ctx.session ? ctx.session.orgno : null;

  const options = [
    ...orgs.map((o) => ({ value: o.orgno, label: `${o.name} (${o.orgno})` })),
    { value: 'new', label: 'Ny organisasjon (skriv inn)…' },
  ];
  const initial = orgs.some((o) => o.orgno === current) ? current : orgs.length ? orgs[0].orgno : 'new';

  const orgField = field({ label: 'Organisasjon', name: 'org', options, value: initial });
  const select = orgField.querySelector('select');
  const newOrg = h(
    'fieldset',
    { class: 'stack', hidden: initial !== 'new' },
    h('legend', {}, 'Ny organisasjon'),
    field({
      label: 'Organisasjonsnummer',
      name: 'orgno',
      hint: 'Nine digits with a valid mod-11 check digit, e.g. 910753614.',
      attrs: { inputmode: 'numeric', autocomplete: 'off', maxlength: 9 },
    }),
    field({ label: 'Navn på organisasjonen', name: 'name', attrs: { autocomplete: 'organization' } }),
  );
  const setNewEnabled = () => {
    const on = select.value === 'new';
    newOrg.hidden = !on;
    for (const el of newOrg.querySelectorAll('input')) el.disabled = !on;
  };
  select.addEventListener('change', setNewEnabled);
  setNewEnabled();

  const submit = h('button', { type: 'submit', class: 'primary' }, 'Logg inn');
  const form = h('form', { class: 'stack panel', novalidate: true, 'aria-label': 'Logg inn' }, orgField, newOrg, formError(), h('div', { class: 'actions' }, submit));
  if (!r.ok) {
    showFieldErrors(form, `Could not list the organisations: ${r.status}`);
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    let body;
    if (select.value === 'new') {
      body = { orgno: form.elements.orgno.value.trim(), name: form.elements.name.value.trim() };
      if (body.name === '') delete body.name;
    } else {
      body = { orgno: select.value };
    }
    submit.disabled = true;
    clearSession();
    const res = await api('POST', '/local-login/token', body, { auth: false });
    submit.disabled = false;
    if (!res.ok) {
      const target = showFieldErrors(form, res.body);
      if (target && target.id) {
        const input = form.querySelector(`[aria-describedby~="${target.id}"]`);
        if (input) input.focus();
      }
      return;
    }
    saveSession(sessionFromLogin(res.body));
    ctx.toast(`Logget inn som ${res.body.org_name} (${res.body.orgno}).`, 'success');
    ctx.navigate('/integrations');
  });

  root.append(form);
}
