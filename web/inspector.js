// inspector.js: "Token inspector". Decodes a pasted JWT, verifies its signature against this
// server's GET /jwk (or the Altinn stand-in's /altinn/jwks for a samtykketoken) with WebCrypto,
// and explains it. The token never leaves the page: only the public keys are fetched.
import { h, field, formError, showFieldErrors, clearFieldErrors, pageHeader, notice, humanDuration, formatTime, replaceChildren } from './ui.js';
import { api } from './api.js';

export const route = { path: '/inspector', title: 'Token inspector', nav: true, order: 80 };

const HASHES = { RS256: 'SHA-256', RS384: 'SHA-384', RS512: 'SHA-512' };

function b64urlBytes(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('not base64url');
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

function decodePart(s, what) {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b64urlBytes(s)));
  } catch (e) {
    throw new Error(`token: the ${what} is not base64url JSON (${e.message})`);
  }
}

// -> { header, payload, signingInput, signature } or throws.
export function decodeJwt(token) {
  const parts = token.trim().split('.');
  if (parts.length !== 3) throw new Error(`token: a JWT has 3 parts separated by "."; this has ${parts.length}`);
  return {
    header: decodePart(parts[0], 'header'),
    payload: decodePart(parts[1], 'payload'),
    signingInput: new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    signature: b64urlBytes(parts[2]),
  };
}

// -> { state: 'valid'|'invalid'|'unknown', text }
export async function verify(decoded, jwksUrl) {
  const { header } = decoded;
  const hash = HASHES[header.alg];
  if (!hash) return { state: 'unknown', text: `alg ${JSON.stringify(header.alg)} is not RS256/RS384/RS512: not verified` };
  if (!(globalThis.crypto && crypto.subtle)) {
    return { state: 'unknown', text: 'WebCrypto is missing (open the page on http://127.0.0.1 or localhost): not verified' };
  }
  const r = await api('GET', jwksUrl, undefined, { auth: false });
  if (!r.ok || !r.body || !Array.isArray(r.body.keys)) return { state: 'unknown', text: `cannot read ${jwksUrl} (HTTP ${r.status})` };
  const candidates = header.kid ? r.body.keys.filter((k) => k.kid === header.kid) : r.body.keys.filter((k) => k.kty === 'RSA');
  if (!candidates.length) {
    return { state: 'invalid', text: `Signature NOT verified: no key with kid ${JSON.stringify(header.kid)} in ${jwksUrl} (a token of another server, or from before a key rotation)` };
  }
  for (const k of candidates) {
    try {
      const key = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: k.n, e: k.e, ext: true }, { name: 'RSASSA-PKCS1-v1_5', hash }, false, ['verify']);
      if (await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, decoded.signature, decoded.signingInput)) {
        return { state: 'valid', text: `Signature valid (${header.alg}, key ${k.kid || '(no kid)'} from ${jwksUrl})` };
      }
    } catch {
      // try the next key
    }
  }
  return { state: 'invalid', text: `Signature INVALID: the key ${header.kid || ''} in ${jwksUrl} does not verify this token (changed or forged)` };
}

function orgOf(v) {
  if (!v) return '';
  if (typeof v === 'string') return v;
  if (typeof v.ID === 'string') return v.ID.replace(/^0192:/, '');
  return JSON.stringify(v);
}

function when(epoch, now) {
  if (typeof epoch !== 'number') return '';
  const d = epoch - now;
  return `${formatTime(epoch)} (${d >= 0 ? `in ${humanDuration(d)}` : `${humanDuration(d)} ago`})`;
}

export async function render(root, ctx) {
  root.append(
    ...pageHeader(route.title, 'Paste an access token to see it decoded, verified against this server\'s keys and explained. The token stays in this page: nothing is sent anywhere.'),
  );
  const tokenField = field({
    label: 'Token',
    name: 'token',
    textarea: true,
    rows: 5,
    hint: 'An access token from this local Maskinporten (or a samtykketoken from its Altinn stand-in).',
    attrs: { class: 'mono', spellcheck: 'false', autocomplete: 'off' },
  });
  const form = h('form', { class: 'stack', novalidate: true, 'aria-label': 'Token inspector' }, tokenField, formError(), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Inspiser token')));
  const out = h('div', { id: 'inspection', 'aria-live': 'polite' });
  root.append(h('section', { class: 'panel' }, form), out);

  let run = 0;
  const inspect = async () => {
    run += 1;
    const mine = run;
    clearFieldErrors(form);
    replaceChildren(out);
    const token = form.elements.token.value.trim();
    if (!token) return;
    let decoded;
    try {
      decoded = decodeJwt(token);
    } catch (e) {
      showFieldErrors(form, e.message);
      return;
    }
    const { header, payload } = decoded;
    const base = (ctx.session.issuer || `${location.origin}/`).replace(/\/?$/, '/');
    const isConsent = typeof payload.iss === 'string' && payload.iss === `${base}altinn/`;
    const jwksUrl = isConsent ? '/altinn/jwks' : '/jwk';
    const result = await verify(decoded, jwksUrl);
    if (mine !== run) return;
    const now = Math.floor(Date.now() / 1000);
    const expectedIss = isConsent ? `${base}altinn/` : ctx.session.issuer;
    const issOk = payload.iss === expectedIss;
    const expired = typeof payload.exp === 'number' && payload.exp <= now;

    const verdicts = h(
      'div',
      {},
      notice(result.state === 'valid' ? 'ok' : result.state === 'invalid' ? 'error' : 'warn', h('span', { class: 'verdict', id: 'verdict-signature' }, result.text)),
      notice(issOk ? 'ok' : 'warn', h('span', { class: 'verdict', id: 'verdict-issuer' }, issOk ? `Issuer matches this server (${payload.iss})` : `Issuer ${JSON.stringify(payload.iss)} is not this server's (${expectedIss})`)),
      typeof payload.exp === 'number'
        ? notice(expired ? 'warn' : 'ok', h('span', { class: 'verdict', id: 'verdict-expiry' }, expired ? `Expired ${humanDuration(now - payload.exp)} ago` : `Valid for ${humanDuration(payload.exp - now)} more`))
        : notice('warn', 'No exp claim.'),
    );

    const rows = [];
    const add = (label, value) => {
      if (value === undefined || value === null || value === '') return;
      rows.push(h('dt', {}, label), h('dd', {}, value));
    };
    if (isConsent) {
      add('Type', 'Samtykketoken (local Altinn stand-in)');
      add('CoveredBy (org)', payload.CoveredBy);
      add('OfferedBy', payload.OfferedBy);
      add('HandledBy', payload.HandledBy);
      add('Services', Array.isArray(payload.Services) ? payload.Services.join(', ') : '');
      add('AuthorizationCode', payload.AuthorizationCode);
    } else {
      const consumer = orgOf(payload.consumer);
      const supplier = orgOf(payload.supplier);
      add('Consumer (forbruker)', consumer ? h('span', { id: 'explain-consumer' }, consumer, consumer === ctx.session.orgno ? ` — ${ctx.session.org_name} (you)` : '') : '');
      add('Supplier (leverandør)', supplier ? `${supplier}${supplier !== consumer ? ' — acting for the consumer through an Altinn delegation' : ''}` : 'none: the consumer got the token itself');
      add('Scopes', payload.scope ? h('ul', { class: 'chips' }, String(payload.scope).split(' ').map((s) => h('li', { class: 'chip chip-static' }, s))) : '');
      add('client_id', payload.client_id ? h('code', {}, payload.client_id) : '');
      add('Audience', payload.aud ? JSON.stringify(payload.aud) : '');
      add('Delegation source', payload.delegation_source);
      add('jti', payload.jti ? h('code', {}, payload.jti) : '');
    }
    add('Issued (iat)', when(payload.iat, now));
    add('Not before (nbf)', payload.nbf !== undefined ? when(payload.nbf, now) : '');
    add('Expires (exp)', when(payload.exp, now));

    replaceChildren(
      out,
      h('section', { class: 'panel', 'aria-labelledby': 'verdict-h' }, h('h2', { id: 'verdict-h' }, 'Verification'), verdicts),
      h('section', { class: 'panel', 'aria-labelledby': 'explain-h' }, h('h2', { id: 'explain-h' }, 'What it says'), h('dl', { class: 'kv' }, rows)),
      h(
        'section',
        { class: 'panel grid2', 'aria-label': 'Decoded token' },
        h('div', {}, h('h2', {}, 'Header'), h('pre', { id: 'decoded-header' }, JSON.stringify(header, null, 2))),
        h('div', {}, h('h2', {}, 'Payload'), h('pre', { id: 'decoded-payload' }, JSON.stringify(payload, null, 2))),
      ),
    );
  };

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    inspect();
  });
  form.elements.token.addEventListener('paste', () => setTimeout(inspect, 0));
}
