// api.js: the session (sessionStorage "mp.session") and the fetch wrapper every page uses.
//
//   import { api, loadSession, saveSession, clearSession } from './api.js';
//   const r = await api('GET', '/api/v1/clients');
//   if (!r.ok) showFieldErrors(form, r.body);   // r = { ok, status, body }
//
// api() sends and receives JSON, adds the session's Bearer token, and never throws on HTTP
// errors; a network failure answers status 0 with an error body. A 401 clears the session and
// sends the browser to #/login.

const SESSION_KEY = 'mp.session';

export function loadSession() {
  let raw = null;
  try {
    raw = sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const s = JSON.parse(raw);
    if (!s || typeof s.access_token !== 'string' || typeof s.orgno !== 'string') return null;
    if (typeof s.expires_at === 'number' && s.expires_at <= Date.now()) return null;
    return s;
  } catch {
    return null;
  }
}

export function saveSession(session) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
}

export function clearSession() {
  try {
    sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // storage unavailable: nothing to clear
  }
}

// Builds the session object from a POST /local-login/token answer.
export function sessionFromLogin(body) {
  return {
    orgno: body.orgno,
    org_name: body.org_name,
    access_token: body.access_token,
    client_id: body.client_id,
    issuer: body.issuer,
    expires_at: Date.now() + (Number(body.expires_in) || 0) * 1000,
  };
}

// api(method, path, body?, options?) -> Promise<{ ok, status, body }>.
// options.auth = false sends no Authorization header (the login endpoints).
export async function api(method, path, body, options = {}) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'omit', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const session = loadSession();
  if (session && options.auth !== false) {
    headers.Authorization = `Bearer ${session.access_token}`;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    return {
      ok: false,
      status: 0,
      body: { error: 'network_error', error_description: `cannot reach the server: ${e.message}` },
    };
  }
  const text = await response.text();
  let parsed = text;
  const type = response.headers.get('Content-Type') || '';
  if (type.includes('json') || /^\s*[[{]/.test(text)) {
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  if (response.status === 401 && session && options.auth !== false) {
    clearSession();
    if (location.hash !== '#/login') location.hash = '#/login';
  }
  return { ok: response.ok, status: response.status, body: parsed };
}

// The human text of an API error body ("client_name: must be ..."), for toasts and alerts.
export function errorText(result) {
  const b = result && result.body;
  if (b && typeof b === 'object') {
    if (b.error_description) return String(b.error_description);
    if (b.error) return String(b.error);
  }
  if (typeof b === 'string' && b.trim() !== '') return b.trim();
  return `HTTP ${result ? result.status : '?'}`;
}
