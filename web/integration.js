// integration.js: one integration. Its fields (PUT), its keys (upload a public JWK or PEM, or
// generate a key pair in the browser with WebCrypto), how to use it with a certificate, the
// `maskinporten token` command for it, and "Deaktiver integrasjon".
import {
  h,
  field,
  formError,
  showFieldErrors,
  clearFieldErrors,
  confirmDialog,
  copyButton,
  formatTime,
  pageHeader,
  loading,
  notice,
  table,
  replaceChildren,
} from './ui.js';
import { errorText } from './api.js';
import { keyExpiry, expiryText } from './integrations.js';
import { scopeEditor, lifetimeValue } from './integration-new.js';

export const route = { path: '/integrations/:id', title: 'Integrasjon', nav: false, order: 25 };

const MAX_KEYS = 5;
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

// ---------------------------------------------------------------------------------------------
// JOSE helpers (all local: WebCrypto only)

export function hasWebCrypto() {
  return Boolean(globalThis.crypto && globalThis.crypto.subtle && window.isSecureContext);
}

export function base64url(bytes) {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let bin = '';
  for (let i = 0; i < u8.length; i += 1) bin += String.fromCharCode(u8[i]);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function pemBody(pem) {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m) return null;
  const bin = atob(m[2].replace(/[^A-Za-z0-9+/=]/g, ''));
  const der = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) der[i] = bin.charCodeAt(i);
  return { label: m[1], der };
}

function toPem(label, der) {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der)));
  const lines = b64.match(/.{1,64}/g) || [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

// RFC 7638 JWK thumbprint (SHA-256, base64url) of an RSA key.
export async function thumbprint(jwk) {
  const canonical = JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return base64url(digest);
}

// The registered form of a public RSA key: kty, kid, alg, use, n, e (nothing else).
async function registeredJwk(jwk, { kid, alg }) {
  return {
    kty: 'RSA',
    kid: kid || jwk.kid || (await thumbprint(jwk)),
    alg: alg || jwk.alg || 'RS256',
    use: 'sig',
    n: jwk.n,
    e: jwk.e,
  };
}

// Text from the upload box (a JWK, a JWK set with one key, or a PEM "PUBLIC KEY") -> public JWK.
// Throws an Error whose message says what to do instead.
export async function parsePublicKey(text, options) {
  const t = text.trim();
  if (t === '') throw new Error('key: paste a public key (JWK JSON or PEM)');
  if (t.startsWith('{')) {
    let j;
    try {
      j = JSON.parse(t);
    } catch (e) {
      throw new Error(`key: not valid JSON (${e.message})`);
    }
    if (Array.isArray(j.keys)) {
      if (j.keys.length !== 1) throw new Error('key: paste one key (this JWK set has ' + j.keys.length + ')');
      j = j.keys[0];
    }
    if (j.d || j.p || j.q) {
      throw new Error('key: this JWK holds a private key; upload only its public part (kty, n, e)');
    }
    // Members the server checks are passed on as given, so its message names the problem.
    const out = { ...j };
    if (!out.use) out.use = 'sig';
    if (!out.alg) out.alg = options.alg || 'RS256';
    if (options.kid) out.kid = options.kid;
    if (!out.kid && out.kty === 'RSA' && out.n && out.e && hasWebCrypto()) out.kid = await thumbprint(out);
    return out;
  }
  const pem = pemBody(t);
  if (!pem) throw new Error('key: neither JSON nor PEM (expected -----BEGIN PUBLIC KEY-----)');
  if (/PRIVATE KEY/.test(pem.label)) {
    throw new Error('key: this is a private key; upload its public part (openssl pkey -in key.pem -pubout)');
  }
  if (pem.label === 'CERTIFICATE') {
    throw new Error('key: this is a certificate; certificate-based clients register no key (see below), or upload its public key (openssl x509 -in cert.pem -pubkey -noout)');
  }
  if (pem.label === 'RSA PUBLIC KEY') {
    throw new Error('key: PKCS#1 "RSA PUBLIC KEY"; convert it to SPKI: openssl rsa -RSAPublicKey_in -in key.pem -pubout');
  }
  if (pem.label !== 'PUBLIC KEY') throw new Error(`key: unexpected PEM "${pem.label}"; expected PUBLIC KEY`);
  if (!hasWebCrypto()) throw new Error('key: PEM needs WebCrypto (open the page on http://127.0.0.1 or localhost); paste a JWK instead');
  let key;
  try {
    key = await crypto.subtle.importKey('spki', pem.der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
  } catch (e) {
    throw new Error(`key: not an RSA public key (${e.message || e.name})`);
  }
  const jwk = await crypto.subtle.exportKey('jwk', key);
  return registeredJwk(jwk, options);
}

// A new RSA-2048 key pair -> { publicJwk, privatePem, kid }.
export async function generateKeyPair() {
  const pair = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign', 'verify'],
  );
  const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
  const publicJwk = await registeredJwk(jwk, { alg: 'RS256' });
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey);
  return { publicJwk, privatePem: toPem('PRIVATE KEY', pkcs8), kid: publicJwk.kid };
}

function shellQuote(s) {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${String(s).replace(/'/g, `'\\''`)}'`;
}

export function tokenCommand({ issuer, clientId, scopes, keyFile, kid }) {
  return [
    'maskinporten token',
    `--issuer ${shellQuote(issuer)}`,
    `--client-id ${shellQuote(clientId)}`,
    `--scope "${scopes.join(' ')}"`,
    `--key ${shellQuote(keyFile)}`,
    `--kid ${shellQuote(kid)}`,
  ].join(' ');
}

// ---------------------------------------------------------------------------------------------

export async function render(root, ctx) {
  const id = ctx.params.id;
  const heading = pageHeader(route.title)[0];
  root.append(heading, h('p', {}, h('a', { href: '#/integrations' }, '← Integrasjoner')));
  const body = h('div', {}, loading());
  root.append(body);

  const [cr, kr] = await Promise.all([
    ctx.api('GET', `/api/v1/clients/${encodeURIComponent(id)}`),
    ctx.api('GET', `/api/v1/clients/${encodeURIComponent(id)}/jwks`),
  ]);
  if (!cr.ok) {
    replaceChildren(body, notice('error', cr.status === 404 ? `No integration ${id} in your organisation.` : `Could not read the integration: ${errorText(cr)}`));
    return;
  }
  let client = cr.body;
  let jwks = kr.ok ? kr.body : { keys: [] };
  let lastGenerated = null; // { kid, file } of a key generated on this page
  const subtitle = h('p', { class: 'lead', id: 'client-title' }, client.client_name);
  heading.after(subtitle);
  document.title = `${client.client_name} · Local Maskinporten`;

  const summary = h('section', { class: 'panel', 'aria-labelledby': 'sum-h' });
  const edit = h('section', { class: 'panel', 'aria-labelledby': 'edit-h' });
  const keys = h('section', { class: 'panel', 'aria-labelledby': 'keys-h' });
  const usage = h('section', { class: 'panel', 'aria-labelledby': 'use-h' });
  const cert = h('section', { class: 'panel', 'aria-labelledby': 'cert-h' });
  const danger = h('section', { class: 'panel', 'aria-labelledby': 'danger-h' });
  replaceChildren(body, summary, edit, keys, usage, cert, danger);

  const drawSummary = () => {
    replaceChildren(
      summary,
      h('h2', { id: 'sum-h' }, 'Oversikt'),
      client.active === false ? notice('warn', 'This integration is deactivated: it gets no tokens.') : null,
      h(
        'dl',
        { class: 'kv' },
        h('dt', {}, 'client_id'),
        h('dd', {}, h('code', { id: 'client-id' }, client.client_id), ' ', copyButton(() => client.client_id, 'Kopier client_id')),
        h('dt', {}, 'Organisasjon'),
        h('dd', {}, client.client_orgno, client.supplier_orgno ? ` (supplier ${client.supplier_orgno})` : ''),
        h('dt', {}, 'Integrasjonstype'),
        h('dd', {}, client.integration_type === 'maskinporten' ? 'Maskinporten' : client.integration_type),
        h('dt', {}, 'Autentisering'),
        h('dd', {}, h('code', {}, client.token_endpoint_auth_method)),
        h('dt', {}, 'Status'),
        h('dd', {}, client.active === false ? h('span', { class: 'status status-bad' }, 'deactivated') : h('span', { class: 'status status-ok' }, 'active')),
        h('dt', {}, 'Opprettet'),
        h('dd', {}, formatTime(client.created)),
        h('dt', {}, 'Sist endret'),
        h('dd', {}, formatTime(client.last_updated)),
      ),
    );
  };

  // --- Edit form --------------------------------------------------------------------------
  const scopes = scopeEditor(ctx, client.scopes || []);
  const save = h('button', { type: 'submit' }, 'Lagre endringer');
  const form = h(
    'form',
    { class: 'stack', novalidate: true, 'aria-label': 'Endre integrasjon' },
    field({ label: 'Navn', name: 'client_name', value: client.client_name, attrs: { autocomplete: 'off' } }),
    field({ label: 'Beskrivelse', name: 'description', textarea: true, value: client.description || '' }),
    field({
      label: 'Levetid for access token (sekunder)',
      name: 'access_token_lifetime',
      value: String(client.access_token_lifetime ?? 120),
      attrs: { inputmode: 'numeric' },
    }),
    scopes.element,
    formError(),
    h('div', { class: 'actions' }, save),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(form);
    const put = {
      client_name: form.elements.client_name.value,
      description: form.elements.description.value,
      integration_type: client.integration_type,
      token_endpoint_auth_method: client.token_endpoint_auth_method || 'private_key_jwt',
      grant_types: client.grant_types || [JWT_BEARER],
      scopes: scopes.scopes(),
    };
    const lifetime = lifetimeValue(form.elements.access_token_lifetime.value);
    if (lifetime !== undefined) put.access_token_lifetime = lifetime;
    save.disabled = true;
    const r = await ctx.api('PUT', `/api/v1/clients/${encodeURIComponent(id)}`, put);
    save.disabled = false;
    if (!r.ok) {
      showFieldErrors(form, r.body);
      return;
    }
    client = r.body;
    subtitle.textContent = client.client_name;
    scopes.set(client.scopes || []);
    drawSummary();
    drawUsage();
    ctx.toast('Endringene er lagret.', 'success');
  });
  edit.append(h('h2', { id: 'edit-h' }, 'Innstillinger'), form);

  // --- Keys -------------------------------------------------------------------------------
  const keysArea = h('div', { 'data-field': 'keys' });
  const keysError = h('p', { class: 'field-error', role: 'alert', hidden: true, id: 'keys-error' });
  const downloadArea = h('div', { 'aria-live': 'polite' });
  const uploadText = field({
    label: 'Offentlig nøkkel (JWK eller PEM)',
    name: 'key',
    textarea: true,
    rows: 5,
    hint: 'A public JWK ({"kty":"RSA","n":…,"e":…}) or a PEM "-----BEGIN PUBLIC KEY-----". Never a private key.',
    attrs: { class: 'mono', spellcheck: 'false' },
  });
  const uploadKid = field({ label: 'kid (valgfri)', name: 'kid', hint: 'Default: the RFC 7638 thumbprint of the key.', attrs: { autocomplete: 'off' } });
  const uploadAlg = field({
    label: 'Algoritme',
    name: 'alg',
    options: ['RS256', 'RS384', 'RS512'].map((a) => ({ value: a })),
    value: 'RS256',
  });
  const uploadButton = h('button', { type: 'submit', class: 'secondary' }, 'Last opp nøkkel');
  const uploadForm = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Last opp offentlig nøkkel' }, uploadText, h('div', { class: 'grid2' }, uploadKid, uploadAlg), formError(), h('div', { class: 'actions' }, uploadButton));
  const generateButton = h('button', { type: 'button' }, 'Generer nøkkelpar');
  const cryptoNote = hasWebCrypto()
    ? null
    : notice('warn', 'WebCrypto (crypto.subtle) is not available: browsers offer it only in secure contexts. Open this page on http://127.0.0.1:PORT or http://localhost:PORT (or HTTPS) to generate keys or read PEM files; JWK upload still works.');
  if (!hasWebCrypto()) generateButton.disabled = true;

  const postKeys = async (list) => ctx.api('POST', `/api/v1/clients/${encodeURIComponent(id)}/jwks`, { keys: list });

  const drawKeys = () => {
    const list = jwks.keys || [];
    replaceChildren(
      keysArea,
      table({
        caption: `Registrerte nøkler (${list.length} av maks ${MAX_KEYS})`,
        empty: 'No keys registered: this integration can only use a virksomhetssertifikat (see below).',
        columns: [
          { label: 'kid', cell: (k) => h('code', {}, k.kid) },
          { label: 'alg', cell: (k) => k.alg || '' },
          { label: 'Lastet opp', cell: (k) => {
            const c = keyExpiry(k, jwks).created;
            return c === null ? '' : formatTime(new Date(c).toISOString());
          },
        },
          { label: 'Utløper', cell: (k) => expiryText(keyExpiry(k, jwks)) },
          {
            label: 'Handling',
            cell: (k) =>
              h(
                'button',
                {
                  type: 'button',
                  class: 'danger small',
                  'aria-label': `Slett nøkkel ${k.kid}`,
                  onclick: async () => {
                    const ok = await confirmDialog(`Delete key ${k.kid}? Clients signing with it get no more tokens.`, {
                      title: 'Slett nøkkel',
                      confirmLabel: 'Slett',
                      danger: true,
                    });
                    if (!ok) return;
                    const r = await postKeys(list.filter((x) => x.kid !== k.kid));
                    if (!r.ok) {
                      showFieldErrors(keys, r.body);
                      return;
                    }
                    jwks = r.body;
                    drawKeys();
                    drawUsage();
                    ctx.toast(`Nøkkel ${k.kid} slettet.`, 'success');
                  },
                },
                'Slett',
              ),
          },
        ],
        rows: list,
      }),
      h('p', { class: 'hint' }, `A key is valid one year after its upload. Every change uploads the whole set again, which renews the year of each key in it. At most ${MAX_KEYS} keys.`),
      keysError,
    );
  };

  generateButton.addEventListener('click', async () => {
    clearFieldErrors(keys);
    generateButton.disabled = true;
    generateButton.textContent = 'Genererer…';
    try {
      const { publicJwk, privatePem, kid } = await generateKeyPair();
      const r = await postKeys([...(jwks.keys || []), publicJwk]);
      if (!r.ok) {
        showFieldErrors(keys, r.body);
        return;
      }
      jwks = r.body;
      const file = `${client.client_id}.${kid}.key.pem`;
      lastGenerated = { kid, file };
      const url = URL.createObjectURL(new Blob([privatePem], { type: 'application/x-pem-file' }));
      replaceChildren(
        downloadArea,
        notice(
          'ok',
          h('p', {}, h('strong', {}, `New key ${kid} registered. `), 'Its private key exists only in this page: download it now, it is not stored anywhere.'),
          h('p', {}, h('a', { href: url, download: file, class: 'button-link', id: 'download-key' }, `Last ned privat nøkkel (${file})`)),
        ),
      );
      drawKeys();
      drawUsage();
      ctx.toast(`Nøkkel ${kid} registrert.`, 'success');
    } catch (e) {
      showFieldErrors(keys, `Could not generate a key: ${e.message || e.name}`);
    } finally {
      generateButton.disabled = !hasWebCrypto();
      generateButton.textContent = 'Generer nøkkelpar';
    }
  });

  uploadForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearFieldErrors(keys);
    let jwk;
    try {
      jwk = await parsePublicKey(uploadForm.elements.key.value, {
        kid: uploadForm.elements.kid.value.trim(),
        alg: uploadForm.elements.alg.value,
      });
    } catch (err) {
      showFieldErrors(uploadForm, err.message);
      return;
    }
    uploadButton.disabled = true;
    const r = await postKeys([...(jwks.keys || []), jwk]);
    uploadButton.disabled = false;
    if (!r.ok) {
      showFieldErrors(keys, r.body);
      return;
    }
    jwks = r.body;
    uploadForm.reset();
    drawKeys();
    drawUsage();
    ctx.toast(`Nøkkel ${jwk.kid} lastet opp.`, 'success');
  });

  keys.append(
    h('h2', { id: 'keys-h' }, 'Nøkler'),
    keysArea,
    h('h3', {}, 'Generer nøkkelpar i nettleseren'),
    h('p', { class: 'muted' }, 'RSA 2048 with WebCrypto (RS256). The public key is registered here; you download the private key as a PKCS#8 PEM file.'),
    ...(cryptoNote ? [cryptoNote] : []),
    h('div', { class: 'actions' }, generateButton),
    downloadArea,
    h('h3', {}, 'Last opp offentlig nøkkel'),
    uploadForm,
  );

  // --- Usage: the token command -------------------------------------------------------------
  const drawUsage = () => {
    const list = jwks.keys || [];
    const kid = lastGenerated ? lastGenerated.kid : list.length ? list[list.length - 1].kid : '<kid>';
    const keyFile = lastGenerated ? lastGenerated.file : list.length ? `${client.client_id}.${kid}.key.pem` : '<private key file>';
    const cmd = tokenCommand({
      issuer: ctx.session.issuer,
      clientId: client.client_id,
      scopes: client.scopes && client.scopes.length ? client.scopes : ['<scope>'],
      keyFile,
      kid,
    });
    replaceChildren(
      usage,
      h('h2', { id: 'use-h' }, 'Hent et token'),
      h('p', {}, 'With the private key you downloaded, from the directory you saved it in:'),
      h('div', { class: 'cmd' }, h('pre', { id: 'token-command', 'aria-label': 'Kommando for å hente token' }, cmd), copyButton(() => cmd, 'Kopier kommando')),
      h('p', { class: 'hint' }, 'Paste the token into the Token inspector to see what it says.'),
    );
  };

  // --- Certificates ------------------------------------------------------------------------
  cert.append(
    h('h2', { id: 'cert-h' }, 'Med virksomhetssertifikat'),
    h(
      'p',
      {},
      'An integration may instead authenticate with the organisation\'s virksomhetssertifikat: the client signs its grant with the certificate\'s private key and sends the certificate chain in the ',
      h('code', {}, 'x5c'),
      ' header. Then no key is uploaded here; the server checks that the certificate chains to a trusted TEST anchor, is not revoked, and names this organisation.',
    ),
    h(
      'p',
      {},
      'Locally, ',
      h('code', {}, `maskinporten ca issue --org ${client.client_orgno} --key-out org.key.pem --cert-out org.chain.pem`),
      ' makes a test certificate from the local CA; use it with ',
      h('code', {}, '--cert org.chain.pem --key org.key.pem'),
      ' instead of --kid.',
    ),
  );

  // --- Deactivate ---------------------------------------------------------------------------
  const deactivate = h('button', { type: 'button', class: 'danger' }, 'Deaktiver integrasjon');
  deactivate.addEventListener('click', async () => {
    const ok = await confirmDialog(`Deactivate "${client.client_name}"? It gets no tokens after this. The record is kept.`, {
      title: 'Deaktiver integrasjon',
      confirmLabel: 'Deaktiver',
      danger: true,
    });
    if (!ok) return;
    const r = await ctx.api('DELETE', `/api/v1/clients/${encodeURIComponent(id)}`);
    if (!r.ok) {
      ctx.toast(`Could not deactivate: ${errorText(r)}`, 'error');
      return;
    }
    ctx.toast(`Integrasjon "${client.client_name}" er deaktivert.`, 'success');
    ctx.navigate('/integrations');
  });
  danger.append(
    h('h2', { id: 'danger-h' }, 'Deaktiver'),
    client.active === false ? h('p', { class: 'muted' }, 'Already deactivated.') : h('div', { class: 'actions' }, deactivate),
  );

  drawSummary();
  drawKeys();
  drawUsage();
}
