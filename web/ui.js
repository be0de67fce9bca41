// ui.js: small DOM helpers shared by every page. No framework; the CSP forbids inline styles
// and scripts, so everything is built with the DOM API, classes and the `hidden` attribute.
//
//   import { h, field, showFieldErrors, clearFieldErrors, confirmDialog, toast } from './ui.js';
//   const form = h('form', { class: 'stack', novalidate: true },
//     field({ label: 'Navn', name: 'client_name', required: true }),
//     formError(),
//     h('button', { type: 'submit' }, 'Opprett integrasjon'));
//   form.addEventListener('submit', async (e) => { e.preventDefault(); ...
//     if (!r.ok) showFieldErrors(form, r.body); });

// h(tag, attrs, ...children): attrs keys: `class`, `for`, `on<event>` (functions), `dataset`
// (object), boolean values set/remove the attribute, everything else via setAttribute.
// Children: strings, numbers, nodes, arrays of them; null/undefined/false are skipped.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'dataset') {
      Object.assign(el.dataset, value);
    } else if (key === 'value' && 'value' in el) {
      el.value = value;
    } else if (key === 'checked' || key === 'selected') {
      el[key] = Boolean(value);
    } else if (key === 'style') {
      throw new Error('h(): inline styles are blocked by the CSP; use a class');
    } else if (value === true) {
      el.setAttribute(key, '');
    } else {
      el.setAttribute(key, String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// Empties an element and fills it with new children.
export function replaceChildren(el, ...children) {
  el.textContent = '';
  append(el, children);
  return el;
}

let idCounter = 0;
export function uid(prefix = 'mp') {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

// A labelled form control with its own error slot.
//   field({ label, name, type = 'text', value, hint, required, options: [{value, label}],
//           textarea: true, attrs: {...} }) -> <div class="field">
// For type 'checkbox' the label follows the box. `options` makes a <select>.
export function field(spec) {
  const id = spec.id || uid(`f-${spec.name}`);
  const errorId = `${id}-error`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const attrs = {
    id,
    name: spec.name,
    required: spec.required,
    'aria-describedby': [hintId].filter(Boolean).join(' ') || undefined,
    ...(spec.attrs || {}),
  };
  let control;
  if (spec.options) {
    control = h(
      'select',
      attrs,
      spec.options.map((o) =>
        h('option', { value: o.value, selected: o.value === spec.value }, o.label ?? o.value),
      ),
    );
  } else if (spec.textarea) {
    control = h('textarea', { ...attrs, rows: spec.rows || 3 });
    control.value = spec.value ?? '';
  } else {
    control = h('input', { ...attrs, type: spec.type || 'text' });
    if (spec.type === 'checkbox') control.checked = Boolean(spec.value);
    else if (spec.value !== undefined && spec.value !== null) control.value = String(spec.value);
  }
  const label = h('label', { for: id }, spec.label);
  const hint = spec.hint ? h('p', { class: 'hint', id: hintId }, spec.hint) : null;
  const error = h('p', { class: 'field-error', id: errorId, role: 'alert', hidden: true });
  const cls = `field${spec.type === 'checkbox' ? ' field-check' : ''}${spec.class ? ` ${spec.class}` : ''}`;
  if (spec.type === 'checkbox') return h('div', { class: cls }, control, label, hint, error);
  return h('div', { class: cls }, label, control, hint, error);
}

// The general error area of a form (messages that name no field of it).
export function formError() {
  return h('div', { class: 'form-error', role: 'alert', hidden: true });
}

// The field an API path names: "client_name" -> [name=client_name]; "keys[2].kid" -> tries
// "keys[2].kid", "keys.kid", "keys[2]", "keys", "kid". Elements with data-field="x" count too
// (areas such as the scope chips that are not inputs).
function findField(form, path) {
  const candidates = [];
  const push = (c) => {
    if (c && !candidates.includes(c)) candidates.push(c);
  };
  push(path);
  push(path.replace(/\[\d+\]/g, ''));
  const parts = path.split('.');
  for (let i = parts.length - 1; i > 0; i -= 1) {
    const prefix = parts.slice(0, i).join('.');
    push(prefix);
    push(prefix.replace(/\[\d+\]/g, ''));
  }
  push(parts[parts.length - 1].replace(/\[\d+\]/g, ''));
  for (const name of candidates) {
    let el = null;
    for (const c of form.querySelectorAll('[name], [data-field]')) {
      if (c.getAttribute('name') === name || c.dataset.field === name) {
        el = c;
        break;
      }
    }
    if (el && !el.closest('[hidden]') && !el.disabled) return el;
  }
  return null;
}

function errorSlotFor(el) {
  const wrap = el.closest('.field, [data-field]');
  if (!wrap) return null;
  let slot = wrap.querySelector(':scope > .field-error');
  if (!slot) {
    slot = h('p', { class: 'field-error', role: 'alert', hidden: true, id: uid('err') });
    wrap.appendChild(slot);
  }
  return slot;
}

// Clears every message showFieldErrors put into the form.
export function clearFieldErrors(form) {
  for (const slot of form.querySelectorAll('.field-error, .form-error')) {
    slot.textContent = '';
    slot.hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) {
    el.removeAttribute('aria-invalid');
    const ids = (el.getAttribute('aria-describedby') || '')
      .split(' ')
      .filter((x) => x && !x.endsWith('-error') && !x.startsWith('err-'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

// Shows an API error body next to the field it names ("<field>: <problem>"), else in the
// form's general area (.form-error, role=alert). Accepts a body object, a string, or a result
// { ok, status, body }. Returns the element that shows the message.
export function showFieldErrors(form, apiBody) {
  clearFieldErrors(form);
  let body = apiBody;
  if (body && typeof body === 'object' && 'status' in body && 'body' in body) body = body.body;
  let message;
  if (body && typeof body === 'object') {
    message = body.error_description || body.error || 'request refused';
  } else {
    message = String(body ?? 'request refused');
  }
  const colon = message.indexOf(':');
  let target = null;
  if (colon > 0) {
    const path = message.slice(0, colon).trim();
    if (/^[A-Za-z_][\w.[\]]*$/.test(path)) {
      const el = findField(form, path);
      if (el) {
        const slot = errorSlotFor(el);
        if (slot) {
          slot.textContent = message;
          slot.hidden = false;
          if (el.matches('input, select, textarea')) {
            el.setAttribute('aria-invalid', 'true');
            const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
            ids.push(slot.id);
            el.setAttribute('aria-describedby', ids.join(' '));
          }
          target = slot;
        }
      }
    }
  }
  if (!target) {
    let general = form.querySelector('.form-error');
    if (!general) {
      general = formError();
      form.prepend(general);
    }
    general.textContent = message;
    general.hidden = false;
    target = general;
  }
  return target;
}

// A modal <dialog> with a heading. Returns { dialog, close(value), result: Promise }.
// body: nodes; actions: [{ label, value, primary, danger }] (buttons that close with `value`).
export function openDialog({ title, body = [], actions = [{ label: 'Lukk', value: null }] }) {
  const headingId = uid('dlg');
  const dialog = h('dialog', { 'aria-labelledby': headingId, class: 'dialog' });
  const form = h('form', { method: 'dialog', class: 'dialog-body' });
  const buttons = actions.map((a) =>
    h(
      'button',
      {
        type: 'submit',
        value: a.value === undefined ? '' : String(a.value),
        class: a.danger ? 'danger' : a.primary ? 'primary' : 'secondary',
      },
      a.label,
    ),
  );
  append(form, [h('h2', { id: headingId }, title), body, h('div', { class: 'actions' }, buttons)]);
  dialog.appendChild(form);
  // Enter in a text field confirms with the primary action (not the first button, "Avbryt").
  const primary = actions.findIndex((a) => a.primary || a.danger);
  form.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || primary < 0) return;
    const t = e.target;
    if (t instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit'].includes(t.type)) {
      e.preventDefault();
      buttons[primary].click();
    }
  });
  document.body.appendChild(dialog);
  let resolve;
  const result = new Promise((r) => {
    resolve = r;
  });
  dialog.addEventListener('close', () => {
    resolve(dialog.returnValue);
    dialog.remove();
  });
  dialog.showModal();
  return {
    dialog,
    form,
    result,
    close(value) {
      dialog.close(value === undefined ? '' : String(value));
    },
  };
}

// Asks a yes/no question in a modal dialog; resolves true when confirmed.
export async function confirmDialog(message, { title = 'Bekreft', confirmLabel = 'OK', danger = false } = {}) {
  const d = openDialog({
    title,
    body: [h('p', {}, message)],
    actions: [
      { label: 'Avbryt', value: 'cancel' },
      { label: confirmLabel, value: 'confirm', danger, primary: !danger },
    ],
  });
  return (await d.result) === 'confirm';
}

// A short message at the bottom of the screen (kind: 'info' | 'success' | 'error').
export function toast(message, kind = 'info') {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', class: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(host);
  }
  const t = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, message);
  host.appendChild(t);
  setTimeout(() => t.remove(), kind === 'error' ? 8000 : 4000);
  return t;
}

// A table with a caption: columns [{ label, cell(row) -> node|string }].
export function table({ caption, columns, rows, empty = 'Ingen.' , captionHidden = false }) {
  const t = h(
    'table',
    { class: 'data' },
    h('caption', { class: captionHidden ? 'visually-hidden' : undefined }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c.label)))),
    h(
      'tbody',
      {},
      rows.length
        ? rows.map((r) => h('tr', {}, columns.map((c) => h('td', { 'data-label': c.label }, c.cell(r)))))
        : h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, empty)),
    ),
  );
  return h('div', { class: 'table-wrap' }, t);
}

// A button that copies text to the clipboard (falls back to selecting a hidden textarea).
export function copyButton(getText, label = 'Kopier') {
  const btn = h('button', { type: 'button', class: 'secondary small' }, label);
  btn.addEventListener('click', async () => {
    const text = typeof getText === 'function' ? getText() : String(getText);
    let done = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(text);
        done = true;
      }
    } catch {
      done = false;
    }
    if (!done) {
      const ta = h('textarea', { class: 'offscreen', 'aria-hidden': 'true', tabindex: '-1' });
      ta.value = text;
      document.body.appendChild(ta);
      ta.select();
      try {
        done = document.execCommand('copy');
      } catch {
        done = false;
      }
      ta.remove();
    }
    toast(done ? 'Kopiert.' : 'Could not copy: select the text and copy it yourself.', done ? 'success' : 'error');
  });
  return btn;
}

// "2026-11-30T14:00:00Z" -> "2026-11-30 14:00 UTC" (empty for missing values).
export function formatTime(value) {
  if (value === undefined || value === null || value === '') return '';
  const d = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
  if (Number.isNaN(d.getTime())) return String(value);
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

// Seconds -> "3 days", "5 minutes", "40 seconds".
export function humanDuration(seconds) {
  const s = Math.abs(Math.round(seconds));
  const units = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
    [1, 'second'],
  ];
  for (const [size, name] of units) {
    if (s >= size || size === 1) {
      const n = Math.floor(s / size);
      return `${n} ${name}${n === 1 ? '' : 's'}`;
    }
  }
  return `${s} seconds`;
}

// A page heading and an optional lead paragraph.
export function pageHeader(title, lead) {
  return [h('h1', { tabindex: '-1' }, title), lead ? h('p', { class: 'lead' }, lead) : null].filter(Boolean);
}

// A "Loading…" placeholder that a page replaces when its data arrives.
export function loading(text = 'Laster…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

// A notice box (kind: 'info' | 'warn' | 'error').
export function notice(kind, ...children) {
  return h('div', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : undefined }, children);
}
