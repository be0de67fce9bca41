// integration-new.js: "Ny integrasjon". A Maskinporten client: name, description, token
// lifetime and scopes chosen in the "Legg til scopes" dialog. The server checks everything;
// its message appears next to the field it names.
import { h, field, formError, showFieldErrors, clearFieldErrors, openDialog, pageHeader, uid, notice } from './ui.js';

export const route = { path: '/integrations/new', title: 'Ny integrasjon', nav: true, order: 20 };

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

// The scopes this org may put on a client, by reason:
// own (GET /scopes), APPROVED access (GET /scopes/access/all), open (accessible_for_all) and
// delegable (a supplier adds a scope delegated to it, SPEC §8). -> [{ name, description, reasons }]
export async function usableScopes(api) {
  const [own, access, open, delegable] = await Promise.all([
    api('GET', '/api/v1/scopes'),
    api('GET', '/api/v1/scopes/access/all'),
    api('GET', '/api/v1/scopes/all?accessible_for_all=true'),
    api('GET', '/api/v1/scopes/all?delegable=true'),
  ]);
  const byName = new Map();
  const add = (name, info, reason) => {
    if (!name) return;
    let e = byName.get(name);
    if (!e) {
      e = { name, description: '', owner: '', reasons: [], maskinporten: true };
      byName.set(name, e);
    }
    if (info) {
      if (info.description && !e.description) e.description = info.description;
      if (info.owner_orgno) e.owner = info.owner_orgno;
      if (Array.isArray(info.allowed_integration_types) && !info.allowed_integration_types.includes('maskinporten')) {
        e.maskinporten = false;
      }
    }
    if (!e.reasons.includes(reason)) e.reasons.push(reason);
  };
  const list = (r) => (r.ok && Array.isArray(r.body) ? r.body : []);
  for (const s of list(own)) if (s.active !== false) add(s.name, s, 'own scope');
  for (const a of list(access)) if (a.state === 'APPROVED') add(a.scope, { owner_orgno: a.owner_orgno }, 'access approved');
  for (const s of list(open)) add(s.name, s, 'open to all');
  for (const s of list(delegable)) add(s.name, s, 'delegable');
  const errors = [own, access, open, delegable].filter((r) => !r.ok).map((r) => r.status);
  const scopes = [...byName.values()].filter((s) => s.maskinporten).sort((a, b) => a.name.localeCompare(b.name));
  return { scopes, errors };
}

// The scope chips with "Legg til scopes". -> { element, scopes(), set(list) }.
// The element carries data-field="scopes" so showFieldErrors puts scope errors next to it.
export function scopeEditor(ctx, initial = []) {
  let chosen = [...initial];
  const labelId = uid('scopes-label');
  const chips = h('ul', { class: 'chips', 'aria-labelledby': labelId });
  const redraw = () => {
    chips.textContent = '';
    if (!chosen.length) chips.append(h('li', { class: 'muted' }, 'No scopes chosen.'));
    for (const name of chosen) {
      chips.append(
        h(
          'li',
          { class: 'chip' },
          h('span', {}, name),
          h(
            'button',
            {
              type: 'button',
              'aria-label': `Fjern ${name}`,
              title: `Fjern ${name}`,
              onclick: () => {
                chosen = chosen.filter((s) => s !== name);
                redraw();
                addButton.focus();
              },
            },
            '×',
          ),
        ),
      );
    }
  };
  const addButton = h('button', { type: 'button', class: 'secondary' }, 'Legg til scopes');
  addButton.addEventListener('click', async () => {
    const picked = await pickScopes(ctx, chosen);
    if (picked) {
      chosen = picked;
      redraw();
    }
    addButton.focus();
  });
  const element = h(
    'div',
    { class: 'field', 'data-field': 'scopes', role: 'group', 'aria-labelledby': labelId },
    h('span', { class: 'label', id: labelId }, 'Scopes'),
    chips,
    h('div', { class: 'actions' }, addButton),
    h('p', { class: 'field-error', role: 'alert', hidden: true, id: uid('scopes-error') }),
  );
  redraw();
  return {
    element,
    scopes: () => [...chosen],
    set(list) {
      chosen = [...list];
      redraw();
    },
  };
}

// The "Legg til scopes" dialog; resolves the new list, or null when cancelled.
async function pickScopes(ctx, chosen) {
  const { scopes, errors } = await usableScopes(ctx.api);
  const boxes = [];
  const listItems = scopes.map((s) => {
    const id = uid('scope');
    const box = h('input', { type: 'checkbox', id, value: s.name, checked: chosen.includes(s.name) });
    boxes.push(box);
    return h(
      'div',
      { class: 'scope-option' },
      box,
      h('label', { for: id, class: 'scope-name' }, s.name),
      h('span', { class: 'scope-meta' }, [s.description, s.reasons.join(', '), s.owner ? `owner ${s.owner}` : ''].filter(Boolean).join(' · ')),
    );
  });
  // Scopes already on the client that the lists do not show (e.g. access since revoked).
  for (const name of chosen) {
    if (scopes.some((s) => s.name === name)) continue;
    const id = uid('scope');
    const box = h('input', { type: 'checkbox', id, value: name, checked: true });
    boxes.push(box);
    listItems.push(
      h('div', { class: 'scope-option' }, box, h('label', { for: id, class: 'scope-name' }, name), h('span', { class: 'scope-meta' }, 'on this integration; not in the lists of usable scopes')),
    );
  }
  const otherId = uid('other');
  const other = h('input', { type: 'text', id: otherId, name: 'other_scope', autocomplete: 'off', placeholder: 'prefix:subscope' });
  const d = openDialog({
    title: 'Legg til scopes',
    body: [
      h('p', { class: 'muted' }, 'Scopes your organisation may use: its own, those it has approved access to, open scopes and delegable ones.'),
      errors.length ? notice('warn', `Some lists could not be read (HTTP ${errors.join(', ')}).`) : null,
      listItems.length
        ? h('div', { class: 'scope-list', role: 'group', 'aria-label': 'Tilgjengelige scopes' }, listItems)
        : h('p', { class: 'muted' }, 'No usable scopes found.'),
      h('div', { class: 'field' }, h('label', { for: otherId }, 'Annet scope (navn)'), other, h('p', { class: 'hint' }, 'A scope not listed above, e.g. one you were told about. The server decides whether you may use it.')),
    ],
    actions: [
      { label: 'Avbryt', value: 'cancel' },
      { label: 'Legg til valgte', value: 'ok', primary: true },
    ],
  });
  if ((await d.result) !== 'ok') return null;
  const result = boxes.filter((b) => b.checked).map((b) => b.value);
  for (const name of other.value.split(/[\s,]+/)) {
    if (name && !result.includes(name)) result.push(name);
  }
  // Keep the order the user had, new ones at the end.
  return [...chosen.filter((s) => result.includes(s)), ...result.filter((s) => !chosen.includes(s))];
}

// "120" -> 120; anything not a plain integer is sent as typed so the server names the problem.
export function lifetimeValue(text) {
  const t = String(text).trim();
  if (t === '') return undefined;
  return /^-?\d+$/.test(t) ? Number(t) : t;
}

export async function render(root, ctx) {
  root.append(
    ...pageHeader(route.title, 'Register a Maskinporten client for your organisation. You add its keys on the next page.'),
  );
  const scopes = scopeEditor(ctx, []);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Opprett integrasjon');
  const form = h(
    'form',
    { class: 'stack panel', novalidate: true, 'aria-label': 'Ny integrasjon' },
    field({ label: 'Integrasjonstype', name: 'integration_type', options: [{ value: 'maskinporten', label: 'Maskinporten' }], value: 'maskinporten' }),
    field({ label: 'Navn', name: 'client_name', hint: '1-100 characters, no control characters.', attrs: { autocomplete: 'off' } }),
    field({ label: 'Beskrivelse', name: 'description', textarea: true, hint: 'At most 500 characters.' }),
    field({
      label: 'Levetid for access token (sekunder)',
      name: 'access_token_lifetime',
      value: '120',
      hint: '1-86400 seconds; Maskinporten defaults to 120.',
      attrs: { inputmode: 'numeric' },
    }),
    scopes.element,
    formError(),
    h('div', { class: 'actions' }, submit, h('a', { href: '#/integrations' }, 'Avbryt')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const body = {
      client_name: form.elements.client_name.value,
      description: form.elements.description.value,
      integration_type: form.elements.integration_type.value,
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: [JWT_BEARER],
      scopes: scopes.scopes(),
    };
    const lifetime = lifetimeValue(form.elements.access_token_lifetime.value);
    if (lifetime !== undefined) body.access_token_lifetime = lifetime;
    submit.disabled = true;
    const r = await ctx.api('POST', '/api/v1/clients', body);
    submit.disabled = false;
    if (!r.ok) {
      showFieldErrors(form, r.body);
      return;
    }
    ctx.toast(`Integrasjon "${r.body.client_name}" opprettet.`, 'success');
    ctx.navigate(`/integrations/${encodeURIComponent(r.body.client_id)}`);
  });
  root.append(form);
}
