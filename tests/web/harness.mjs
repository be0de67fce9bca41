// harness.mjs: runs a local Maskinporten and a headless chromium for the browser tests.
//
//   import test from 'node:test';
//   import { exitIfSkipped, startServe, launchBrowser, newPage, loginAs, guard } from './harness.mjs';
//   exitIfSkipped();                       // exit 77 (ctest SKIP) without playwright/chromium
//   const serve = await startServe({});    // $MP_CLI serve on 127.0.0.1:0, temp DB, test controls
//   const browser = await launchBrowser();
//   test('logs in', async () => {
//     const page = await newPage(browser, serve.baseUrl);
//     await guard(page, 'login', async () => { await loginAs(page, serve.baseUrl, '910753614'); });
//   });                                    // guard: screenshot on failure, no console/CSP errors
//   test.after(async () => { await browser.close(); await serve.stop(); });
//
// Environment: MP_CLI (the built maskinporten), MP_CHROMIUM (default /usr/bin/chromium),
// MP_WEB_ARTIFACTS (screenshots; default <repo>/build/web-artifacts).

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');

export function chromiumPath() {
  return process.env.MP_CHROMIUM || '/usr/bin/chromium';
}

export function artifactsDir() {
  const dir = process.env.MP_WEB_ARTIFACTS || path.join(repoRoot, 'build', 'web-artifacts');
  mkdirSync(dir, { recursive: true });
  return dir;
}

// A reason to skip the browser tests, or '' when they can run.
export function skipUnlessBrowser() {
  if (!existsSync(path.join(repoRoot, 'node_modules', 'playwright-core', 'package.json'))) {
    return 'node_modules/playwright-core is missing (run `npm ci` at the repository root)';
  }
  if (!existsSync(chromiumPath())) {
    return `no chromium at ${chromiumPath()} (apt-get install chromium, or set MP_CHROMIUM)`;
  }
  if (!process.env.MP_CLI) return 'MP_CLI is not set (path to the built maskinporten)';
  if (!existsSync(process.env.MP_CLI)) return `MP_CLI=${process.env.MP_CLI} does not exist`;
  return '';
}

// Exits with 77 (ctest's SKIP_RETURN_CODE) and the reason when the tests cannot run.
export function exitIfSkipped() {
  const reason = skipUnlessBrowser();
  if (reason) {
    console.log(`SKIP: ${reason}`);
    process.exit(77);
  }
}

// Starts `$MP_CLI serve` on 127.0.0.1:0 with a temporary registry and CA.
// -> { baseUrl: 'http://127.0.0.1:PORT', issuer: 'http://127.0.0.1:PORT/', dir, cli, stop(), log() }
export async function startServe({ testControls = true, extraArgs = [] } = {}) {
  const cli = process.env.MP_CLI;
  if (!cli) throw new Error('MP_CLI is not set');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'mp-web-'));
  const args = [
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--db',
    path.join(dir, 'registry.db'),
    '--ca-dir',
    path.join(dir, 'ca'),
    '--ca-bits',
    '2048',
    ...(testControls ? ['--test-controls'] : []),
    ...extraArgs,
  ];
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout.on('data', (d) => {
    stdout = (stdout + d).slice(-200000);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const issuer = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no issuer in 60 s:\n${stderr}`)), 60000);
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-400000);
      const m = /issuer (\S+?)(?:,|\s)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve exited (${code ?? signal}) before it listened:\n${stderr}`));
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cli}: ${e.message}`));
    });
  });
  const baseUrl = issuer.replace(/\/+$/, '');
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      const r = await fetch(`${baseUrl}/health`);
      if (r.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${baseUrl}/health not 200 within 30 s:\n${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  let stopped = false;
  return {
    baseUrl,
    issuer,
    dir,
    cli,
    log: () => stderr,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// Headless chromium (Debian's, or $MP_CHROMIUM); --no-sandbox when running as root.
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const args = [];
  if (typeof process.getuid === 'function' && process.getuid() === 0) args.push('--no-sandbox');
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args });
}

// API answers (4xx on purpose in error-path tests) are data, not page errors; chromium still
// logs them as "Failed to load resource" console errors.
function isApiLoadError(msg) {
  const text = msg.text();
  if (!/^Failed to load resource: the server responded with a status of [45]\d\d/.test(text)) return false;
  const url = (msg.location() && msg.location().url) || '';
  return /\/(api\/v1|_local|local-login|altinn|jwk|token|emulator)(\/|\?|$)/.test(url);
}

// A new page in its own context (own sessionStorage) with page.mpErrors collecting console
// errors, uncaught exceptions and CSP violations. Downloads are accepted.
export async function newPage(browser, baseUrl) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
  });
  // Injected by the browser (not subject to the page's CSP): reports CSP violations.
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const page = await context.newPage();
  page.mpErrors = [];
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    if (isApiLoadError(msg)) return;
    page.mpErrors.push(`console: ${msg.text()} (${(msg.location() && msg.location().url) || ''})`);
  });
  page.on('pageerror', (err) => page.mpErrors.push(`uncaught: ${err.message}`));
  page.on('requestfailed', (req) => {
    const failure = req.failure();
    // Aborted navigations (hash changes, downloads) are normal.
    if (failure && /ERR_ABORTED/.test(failure.errorText)) return;
    page.mpErrors.push(`request failed: ${req.method()} ${req.url()} ${failure ? failure.errorText : ''}`);
  });
  return page;
}

function slug(name) {
  return String(name).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
}

// Saves a full-page screenshot as <artifacts>/page-<name>.png; returns its path.
export async function screenshot(page, name) {
  const file = path.join(artifactsDir(), `page-${slug(name)}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Throws when the page collected console errors, uncaught exceptions or CSP violations.
export function assertNoPageErrors(page) {
  if (page.mpErrors && page.mpErrors.length) {
    throw new Error(`page errors:\n  ${page.mpErrors.join('\n  ')}`);
  }
}

// Runs fn(); on failure (or page errors afterwards) saves <artifacts>/fail-<name>.png and throws.
export async function guard(page, name, fn) {
  try {
    const value = await fn();
    assertNoPageErrors(page);
    return value;
  } catch (e) {
    try {
      const file = path.join(artifactsDir(), `fail-${slug(name)}.png`);
      await page.screenshot({ path: file, fullPage: true });
      e.message += `\n(screenshot: ${file})`;
    } catch {
      // the page may be gone
    }
    throw e;
  }
}

// Waits until the shell rendered `routePath` (app.js sets body[data-ready]).
export async function waitForRoute(page, routePath, timeout = 15000) {
  await page.waitForSelector(`body[data-ready="${routePath}"]`, { timeout, state: 'attached' });
}

// Logs in through the login page UI: picks a registered organisation, or enters a new org
// number and name. Ends on the Integrasjoner page; returns the session object.
export async function loginAs(page, baseUrl, orgno, name) {
  await page.goto(`${baseUrl}/#/login`);
  await waitForRoute(page, '/login');
  const select = page.getByLabel('Organisasjon', { exact: true });
  const known = await select.locator(`option[value="${orgno}"]`).count();
  if (known) {
    await select.selectOption(orgno);
  } else {
    if (!name) throw new Error(`organisation ${orgno} is not registered: give a name`);
    await select.selectOption('new');
    await page.getByLabel('Organisasjonsnummer', { exact: true }).fill(orgno);
    await page.getByLabel('Navn på organisasjonen', { exact: true }).fill(name);
  }
  await page.getByRole('button', { name: 'Logg inn' }).click();
  await waitForRoute(page, '/integrations');
  return page.evaluate(() => JSON.parse(sessionStorage.getItem('mp.session')));
}

// Login token without the browser (seeding data through the public API).
export async function loginToken(baseUrl, orgno, name) {
  const body = name ? { orgno, name } : { orgno };
  const r = await fetch(`${baseUrl}/local-login/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  if (r.status !== 200) throw new Error(`local login ${orgno}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

// One API call with a Bearer token -> { status, body }.
export async function apiCall(baseUrl, token, method, apiPath, body) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${baseUrl}${apiPath}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // text/plain answers stay text
  }
  return { status: r.status, body: parsed };
}

// Runs `$MP_CLI <args>` -> { code, stdout, stderr }.
export function runCli(args, { timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env.MP_CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}
