// consent-request.js: the person's side of an Altinn 3 consent request (SPEC §14.2), served at
// /accessmanagement/ui/consent/request?id=<id> (the request's viewUri). The person is "logged
// in" as the request's `from` (local only: no ID-porten). The page shows who asks, for which
// resource and metadata, until when, and lets the person accept or reject (then the browser goes
// to the request's redirectUrl with Status=OK or Status=Failed) or revoke an accepted consent.
// Reads and answers through the local-only /emulator/consent/{id} endpoints.
import { h, replaceChildren, formatTime } from './ui.js';

const PERSON_PREFIX = 'urn:altinn:person:identifier-no:';
const ORG_PREFIX = 'urn:altinn:organization:identifier-no:';

// A national identity number is personal data: the page shows the birth date part only.
function maskParty(urn) {
  const s = String(urn || '');
  if (s.startsWith(PERSON_PREFIX)) return `${s.slice(PERSON_PREFIX.length, PERSON_PREFIX.length + 6)}*****`;
  if (s.startsWith(ORG_PREFIX)) return s.slice(ORG_PREFIX.length);
  return s;
}

function orgLabel(urn, names) {
  const orgno = maskParty(urn);
  return names && names[orgno] ? `${names[orgno]} (${orgno})` : orgno;
}

// The redirect Altinn sends the person back to, with its status parameter.
export function redirectWith(url, status) {
  const u = new URL(url);
  u.searchParams.set('Status', status);
  return u.toString();
}

async function call(method, id, action) {
  const path = `/emulator/consent/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
  const r = await fetch(path, { method, cache: 'no-store', credentials: 'omit' });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.detail || body.error_description || `HTTP ${r.status}`);
  return body;
}

function rightsList(request) {
  return h(
    'ul',
    { class: 'consent-rights' },
    request.consentRights.map((right) => {
      const id = right.resource[0].value;
      const title = request.resourceTitles[id] || id;
      const metadata = Object.entries(right.metadata || {});
      return h('li', { 'data-resource': id }, [
        h('strong', {}, title),
        ` (${id})`,
        metadata.length
          ? h('dl', { class: 'metadata' }, metadata.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-metadata': k }, v)]))
          : null,
      ]);
    }),
  );
}

function details(request) {
  const rows = [
    ['Hvem spør', orgLabel(request.to, request.organizationNames), 'to'],
    request.handledBy ? ['På vegne av dem, via', orgLabel(request.handledBy, request.organizationNames), 'handledBy'] : null,
    ['Gyldig til', formatTime(request.validTo), 'validTo'],
    ['Status', request.status, 'status'],
  ].filter(Boolean);
  return h('dl', { class: 'consent-details' }, rows.flatMap(([k, v, field]) => [h('dt', {}, k), h('dd', { 'data-field': field }, v)]));
}

function render(root, id, request, message) {
  const person = document.getElementById('person');
  if (person) person.textContent = `Innlogget som ${maskParty(request.from)} (lokal innlogging)`;
  const text = request.requestMessage ? request.requestMessage.nb || request.requestMessage.en || '' : '';
  const actions = [];
  const answer = async (action, status) => {
    try {
      const updated = await call('POST', id, action);
      if (status) {
        window.location.assign(redirectWith(updated.redirectUrl, status));
      } else {
        render(root, id, { ...request, ...updated }, 'Samtykket er trukket tilbake.');
      }
    } catch (e) {
      render(root, id, request, `Feil: ${e.message}`);
    }
  };
  if (request.status === 'created') {
    actions.push(h('button', { type: 'button', onclick: () => answer('accept', 'OK') }, 'Godta'));
    actions.push(h('button', { type: 'button', class: 'secondary', onclick: () => answer('reject', 'Failed') }, 'Avslå'));
  } else if (request.status === 'accepted') {
    actions.push(h('button', { type: 'button', class: 'danger', onclick: () => answer('revoke', null) }, 'Trekk tilbake samtykket'));
  }
  replaceChildren(root, [
    h('h1', {}, 'Forespørsel om samtykke'),
    h('section', { 'aria-label': 'Forespørselen' }, [
      text ? h('p', { class: 'request-message' }, text) : null,
      details(request),
      h('h2', {}, 'Du samtykker til deling av'),
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
    replaceChildren(root, [h('h1', {}, 'Forespørsel om samtykke'), h('p', { role: 'alert' }, `Fant ikke forespørselen: ${e.message}`)]);
  }
  document.body.dataset.ready = 'consent-request';
}

main();
