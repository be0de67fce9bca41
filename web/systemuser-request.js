// systemuser-request.js: the customer's side of an Altinn 3 system user request (SPEC §15),
// served at /authfront/ui/auth/vendorrequest?id=<id> (the request's confirmUrl). A person with
// rights at the customer org (local only: no ID-porten login) sees which vendor asks, for which
// system and which rights, and approves or rejects; the browser then goes to the request's
// redirectUrl when the vendor gave one. Reads and answers through the local-only
// /emulator/systemuser/request/{id} endpoints.
import { h, replaceChildren } from './ui.js';

async function call(method, id, action) {
  const path = `/emulator/systemuser/request/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
  const r = await fetch(path, { method, cache: 'no-store', credentials: 'omit' });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.detail || body.error_description || `HTTP ${r.status}`);
  return body;
}

function orgLabel(orgno, names) {
  return names && names[orgno] ? `${names[orgno]} (${orgno})` : orgno;
}

function text(texts) {
  return texts ? texts.nb || texts.nn || texts.en || '' : '';
}

function rightsList(request) {
  const items = [
    ...request.rights.map((right) => {
      const id = right.resource[0].value;
      return h('li', { 'data-right': id }, id);
    }),
    ...request.accessPackages.map((p) => h('li', { 'data-package': p.urn }, p.urn)),
  ];
  return h('ul', { class: 'consent-rights' }, items);
}

function details(request) {
  const system = request.system || {};
  const vendor = system.vendor ? system.vendor.ID.replace(/^0192:/, '') : '';
  const rows = [
    ['Leverandør', orgLabel(vendor, request.organizationNames), 'vendor'],
    ['System', `${text(system.name)} (${request.systemId})`, 'system'],
    ['For virksomheten', orgLabel(request.partyOrgNo, request.organizationNames), 'party'],
    ['Referanse', request.externalRef, 'externalRef'],
    ['Status', request.status, 'status'],
  ];
  return h('dl', { class: 'consent-details' }, rows.flatMap(([k, v, field]) => [h('dt', {}, k), h('dd', { 'data-field': field }, v)]));
}

function render(root, id, request, message) {
  const who = document.getElementById('person');
  if (who) who.textContent = `Innlogget for ${orgLabel(request.partyOrgNo, request.organizationNames)} (lokal innlogging)`;
  const actions = [];
  const answer = async (action, done) => {
    try {
      const updated = await call('POST', id, action);
      if (updated.redirectUrl) {
        window.location.assign(updated.redirectUrl);
      } else {
        render(root, id, updated, done);
      }
    } catch (e) {
      render(root, id, request, `Feil: ${e.message}`);
    }
  };
  if (request.status === 'New') {
    actions.push(h('button', { type: 'button', onclick: () => answer('accept', 'Systembrukeren er opprettet.') }, 'Godkjenn'));
    actions.push(h('button', { type: 'button', class: 'secondary', onclick: () => answer('reject', 'Forespørselen er avvist.') }, 'Avvis'));
  }
  const description = text(request.system && request.system.description);
  replaceChildren(root, [
    h('h1', {}, 'Forespørsel om systembruker'),
    h('section', { 'aria-label': 'Forespørselen' }, [
      description ? h('p', { class: 'request-message' }, description) : null,
      details(request),
      h('h2', {}, 'Systemet får tilgang til'),
      rightsList(request),
    ]),
    message ? h('p', { role: 'status' }, message) : null,
    h('div', { class: 'actions' }, actions),
  ]);
}

async function main() {
  const root = document.getElementById('main');
  const id = new URLSearchParams(window.location.search).get('id') || '';
  try {
    const request = await call('GET', id, '');
    render(root, id, request, '');
  } catch (e) {
    replaceChildren(root, [h('h1', {}, 'Forespørsel om systembruker'), h('p', { role: 'alert' }, `Fant ikke forespørselen: ${e.message}`)]);
  }
  document.body.dataset.ready = 'systemuser-request';
}

main();
