// consents.js: "Samtykker", the local Altinn consent stand-in. The organisation asks a person
// for consent (POST /altinn/api/consentRequests, Altinn 2 body), the person's answer is played
// here (POST .../{code}/accept or /reject: locally only), and the samtykketoken is fetched
// (GET /altinn/api/authorization/token?authcode=, text/plain) and shown decoded.
//
// Altinn has no "list my requests" call: the page remembers the codes it created in
// sessionStorage (per organisation) and asks for each request's status.
import {
  h,
  field,
  formError,
  showFieldErrors,
  clearFieldErrors,
  table,
  pageHeader,
  notice,
  replaceChildren,
  formatTime,
  copyButton,
} from './ui.js';
import { errorText } from './api.js';

export const route = { path: '/consents', title: 'Samtykker', nav: true, order: 70 };

const BASE = '/altinn/api';
const EXAMPLE_PERSON = '01819010001'; // a synthetic (Tenor) number, as in docs/emulator.md

// A national identity number is personal data: lists show the birth date part only.
export function maskPerson(id) {
  const s = String(id || '');
  return s.length <= 6 ? s : `${s.slice(0, 6)}*****`;
}

function storageKey(orgno) {
  return `mp.consents.${orgno}`;
}

function loadCodes(orgno) {
  try {
    const v = JSON.parse(sessionStorage.getItem(storageKey(orgno)) || '[]');
    return Array.isArray(v) ? v.filter((x) => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function saveCodes(orgno, codes) {
  try {
    sessionStorage.setItem(storageKey(orgno), JSON.stringify(codes.slice(0, 50)));
  } catch {
    // storage unavailable: the list lasts until the page is left
  }
}

// base64url -> UTF-8 text.
function b64urlDecode(part) {
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const padded = b64 + '='.repeat((4 - (b64.length % 4)) % 4);
  const bin = atob(padded);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export function decodeJwt(token) {
  const parts = String(token).trim().split('.');
  if (parts.length !== 3) throw new Error('not a JWT (three dot-separated parts)');
  return { header: JSON.parse(b64urlDecode(parts[0])), claims: JSON.parse(b64urlDecode(parts[1])) };
}

function statusLabel(status) {
  const cls = status === 'Accepted' ? 'status-ok' : status === 'Rejected' ? 'status-bad' : 'status-warn';
  return h('span', { class: `status ${cls}` }, status || 'unknown');
}

function servicesText(resources) {
  return (resources || [])
    .map((r) => {
      const meta = Object.entries(r.metadata || r.Metadata || {}).map(([k, v]) => `${k}=${v}`);
      const code = `${r.serviceCode ?? r.ServiceCode}_${r.serviceEditionCode ?? r.ServiceEditionCode}`;
      return meta.length ? `${code} (${meta.join(', ')})` : code;
    })
    .join('; ');
}

function inOneYear() {
  const d = new Date(Date.now() + 365 * 86400 * 1000);
  return d.toISOString().slice(0, 10);
}

// "Navn=TEST FORSIKRING AS" lines -> { Navn: 'TEST FORSIKRING AS' }; throws naming the line.
function parseMetadata(text) {
  const out = {};
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`line ${i + 1} is not name=value`);
    out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  });
  return out;
}

export async function render(root, ctx) {
  const me = ctx.session;
  root.append(
    ...pageHeader(
      route.title,
      'Local stand-in for Altinn\'s consent service: ask a person for consent on behalf of your organisation, answer as the person, and fetch the samtykketoken an API such as NAV\'s expects next to the Maskinporten token.',
    ),
    notice(
      'info',
      'Use synthetic national identity numbers only (Tenor test numbers, for example ',
      h('code', {}, EXAMPLE_PERSON),
      '). Accepting and rejecting here stands in for the person\'s visit to Altinn.',
    ),
  );
  const createArea = h('section', { class: 'panel', 'aria-labelledby': 'new-consent-h' });
  const listArea = h('section', { class: 'panel', 'aria-labelledby': 'requests-h' });
  const tokenArea = h('section', { class: 'panel', 'aria-labelledby': 'token-h', hidden: true });
  root.append(createArea, listArea, tokenArea);

  // --- Create form ------------------------------------------------------------------------
  let resourceCount = 0;
  const resourcesBox = h('div', { class: 'stack', 'data-field': 'requestResources' });
  const addResource = (code = '', edition = '', metadata = '') => {
    const i = resourceCount;
    resourceCount += 1;
    const prefix = `requestResources[${i}]`;
    resourcesBox.append(
      h(
        'fieldset',
        { class: 'resource' },
        h('legend', {}, `Tjeneste ${i + 1}`),
        h(
          'div',
          { class: 'grid2' },
          field({ label: 'Tjenestekode (serviceCode)', name: `${prefix}.serviceCode`, value: code, attrs: { inputmode: 'numeric', autocomplete: 'off' } }),
          field({
            label: 'Utgavekode (serviceEditionCode)',
            name: `${prefix}.serviceEditionCode`,
            value: edition,
            attrs: { inputmode: 'numeric', autocomplete: 'off' },
          }),
        ),
        field({
          label: 'Metadata (navn=verdi, én per linje)',
          name: `${prefix}.metadata`,
          textarea: true,
          rows: 2,
          value: metadata,
        }),
      ),
    );
  };
  addResource('5252', '2', `Navn=${me.org_name || ''}`);

  const submit = h('button', { type: 'submit' }, 'Opprett samtykkeforespørsel');
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Ny samtykkeforespørsel' },
    h(
      'div',
      { class: 'grid2' },
      field({
        label: 'Fødselsnummer (personen)',
        name: 'offeredBy',
        value: EXAMPLE_PERSON,
        hint: 'The person who consents (offeredBy); synthetic numbers only.',
        attrs: { inputmode: 'numeric', autocomplete: 'off', maxlength: 11 },
      }),
      field({ label: 'Navn på personen', name: 'offeredByName', value: 'Nordmann', attrs: { autocomplete: 'off' } }),
      field({
        label: 'Organisasjon som får samtykket (coveredBy)',
        name: 'coveredBy',
        value: me.orgno,
        attrs: { inputmode: 'numeric', autocomplete: 'off', maxlength: 9 },
      }),
      field({
        label: 'Behandles av (handledBy, valgfri)',
        name: 'handledBy',
        hint: 'A supplier that asks and fetches the token for coveredBy.',
        attrs: { inputmode: 'numeric', autocomplete: 'off', maxlength: 9 },
      }),
      field({ label: 'Gyldig til', name: 'validTo', type: 'date', value: inOneYear(), hint: 'At most 3 years ahead.' }),
      field({ label: 'Redirect-URL', name: 'redirectUrl', type: 'url', value: 'http://127.0.0.1/', hint: 'https, or http to a loopback host.' }),
    ),
    resourcesBox,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary small', onclick: () => addResource() }, 'Legg til tjeneste')),
    formError(),
    h('div', { class: 'actions' }, submit),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const v = (name) => form.elements[name].value.trim();
    const resources = [];
    for (let i = 0; i < resourceCount; i += 1) {
      const p = `requestResources[${i}]`;
      const edition = v(`${p}.serviceEditionCode`);
      let metadata;
      try {
        metadata = parseMetadata(form.elements[`${p}.metadata`].value);
      } catch (err) {
        showFieldErrors(form, { error_description: `${p}.metadata: ${err.message}` });
        return;
      }
      const r = {
        serviceCode: v(`${p}.serviceCode`),
        // Digits become a number; anything else goes as typed so the server's message shows.
        serviceEditionCode: /^\d+$/.test(edition) ? Number(edition) : edition,
      };
      if (Object.keys(metadata).length) r.metadata = metadata;
      resources.push(r);
    }
    const body = {
      coveredBy: v('coveredBy'),
      offeredBy: v('offeredBy'),
      offeredByName: v('offeredByName'),
      validTo: v('validTo'),
      redirectUrl: v('redirectUrl'),
      requestResources: resources,
    };
    if (v('handledBy') !== '') body.handledBy = v('handledBy');
    submit.disabled = true;
    const r = await ctx.api('POST', `${BASE}/consentRequests`, body);
    submit.disabled = false;
    if (!r.ok) {
      showFieldErrors(form, r.body);
      return;
    }
    const code = r.body.AuthorizationCode;
    saveCodes(me.orgno, [code, ...loadCodes(me.orgno).filter((c) => c !== code)]);
    ctx.toast('Samtykkeforespørselen er opprettet.', 'success');
    await drawList();
  });
  createArea.append(h('h2', { id: 'new-consent-h' }, 'Ny samtykkeforespørsel'), form);

  // --- Token view -------------------------------------------------------------------------
  const showToken = (code, token) => {
    let decoded = null;
    let problem = '';
    try {
      decoded = decodeJwt(token);
    } catch (err) {
      problem = err.message;
    }
    const c = decoded ? decoded.claims : {};
    const when = (t) => (typeof t === 'number' ? formatTime(t) : '');
    replaceChildren(
      tokenArea,
      h('h2', { id: 'token-h' }, 'Samtykketoken'),
      h('p', { class: 'muted' }, 'For request ', h('code', {}, code), '. It lives 30 seconds: send it to the API with the Maskinporten token right away.'),
      h('label', { for: 'consent-token' }, 'Token'),
      h('div', { class: 'cmd' }, h('textarea', { id: 'consent-token', class: 'mono', rows: 4, readonly: true }, token), copyButton(() => token, 'Kopier token')),
      problem
        ? notice('error', `Cannot decode the token: ${problem}`)
        : [
            h(
              'dl',
              { class: 'kv', 'aria-label': 'Samtykketoken forklart' },
              h('dt', {}, 'CoveredBy'),
              h('dd', { 'data-claim': 'CoveredBy' }, String(c.CoveredBy ?? '')),
              h('dt', {}, 'OfferedBy'),
              h('dd', { 'data-claim': 'OfferedBy' }, maskPerson(c.OfferedBy)),
              c.HandledBy ? [h('dt', {}, 'HandledBy'), h('dd', { 'data-claim': 'HandledBy' }, String(c.HandledBy))] : null,
              h('dt', {}, 'Services'),
              h('dd', { 'data-claim': 'Services' }, (c.Services || []).join(', ')),
              h('dt', {}, 'Samtykke gitt'),
              h('dd', {}, when(c.DelegatedDate)),
              h('dt', {}, 'Gyldig til'),
              h('dd', {}, when(c.ValidToDate)),
              h('dt', {}, 'Utsteder (iss)'),
              h('dd', {}, String(c.iss ?? '')),
              h('dt', {}, 'Utløper (exp)'),
              h('dd', {}, when(c.exp)),
            ),
            h('h3', {}, 'Header'),
            h('pre', { class: 'mono', 'aria-label': 'Token header' }, JSON.stringify(decoded.header, null, 2)),
            h('h3', {}, 'Claims'),
            h('pre', { class: 'mono', id: 'consent-claims', 'aria-label': 'Token claims' }, JSON.stringify(c, null, 2)),
          ],
    );
    tokenArea.hidden = false;
  };

  // --- Requests list ----------------------------------------------------------------------
  const listError = h('div', { class: 'form-error', role: 'alert', hidden: true });
  const failed = (r) => {
    listError.textContent = errorText(r);
    listError.hidden = false;
  };
  const drawList = async () => {
    const codes = loadCodes(me.orgno);
    const results = await Promise.all(codes.map((c) => ctx.api('GET', `${BASE}/consentRequests/${encodeURIComponent(c)}`)));
    const requests = results.filter((r) => r.ok && r.body && r.body.AuthorizationCode).map((r) => r.body);
    const answer = (req, verb) => async () => {
      listError.hidden = true;
      const person = req.RequiredDelegator || req.OfferedBy;
      const r = await ctx.api('POST', `${BASE}/consentRequests/${encodeURIComponent(req.AuthorizationCode)}/${verb}`, { person });
      if (!r.ok) {
        failed(r);
        return;
      }
      ctx.toast(verb === 'accept' ? 'Samtykket er gitt.' : 'Samtykket er avslått.', 'success');
      await drawList();
    };
    const fetchToken = (req) => async () => {
      listError.hidden = true;
      const r = await ctx.api('GET', `${BASE}/authorization/token?authcode=${encodeURIComponent(req.AuthorizationCode)}`);
      if (!r.ok || typeof r.body !== 'string') {
        failed(r);
        return;
      }
      showToken(req.AuthorizationCode, r.body.trim());
      tokenArea.querySelector('h2').setAttribute('tabindex', '-1');
      tokenArea.querySelector('h2').focus();
    };
    const button = (label, req, fn, cls = 'secondary small') =>
      h('button', { type: 'button', class: cls, 'aria-label': `${label} (${req.AuthorizationCode})`, onclick: fn }, label);
    replaceChildren(
      listArea,
      h('h2', { id: 'requests-h' }, 'Forespørsler'),
      listError,
      table({
        caption: `Samtykkeforespørsler fra denne økten (${me.orgno})`,
        empty: 'No consent requests yet: create one above.',
        columns: [
          { label: 'Kode', cell: (q) => h('code', { title: q.AuthorizationCode }, `${q.AuthorizationCode.slice(0, 8)}…`) },
          { label: 'Person', cell: (q) => h('span', { class: 'mono' }, `${maskPerson(q.OfferedBy)} ${q.OfferedByName || ''}`) },
          { label: 'CoveredBy', cell: (q) => [q.CoveredBy, q.HandledBy ? h('br', {}) : null, q.HandledBy ? `handledBy ${q.HandledBy}` : null] },
          { label: 'Tjenester', cell: (q) => servicesText(q.RequestResources) },
          { label: 'Gyldig til', cell: (q) => String(q.ValidTo || '').slice(0, 10) },
          { label: 'Status', cell: (q) => statusLabel(q.RequestStatus) },
          {
            label: 'Handlinger',
            cell: (q) =>
              h(
                'div',
                { class: 'row' },
                q.RequestStatus === 'Unopened' ? button('Godta som personen', q, answer(q, 'accept')) : null,
                q.RequestStatus === 'Unopened' ? button('Avslå som personen', q, answer(q, 'reject'), 'danger small') : null,
                q.RequestStatus === 'Accepted' ? button('Hent samtykketoken', q, fetchToken(q), 'small') : null,
              ),
          },
        ],
        rows: requests,
      }),
      results.some((r) => !r.ok) ? h('p', { class: 'muted' }, 'Some remembered requests could not be read.') : null,
    );
  };
  await drawList();
}
