// Browser tests of the consumer pages: login, Integrasjoner, Ny integrasjon, the integration
// page (keys generated in the browser, used with `maskinporten token`), Journal, Token
// inspector, and their error paths. Run:
//   MP_CLI=build/bin/maskinporten node --test-reporter=spec tests/web/consumer.test.mjs
import test from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  exitIfSkipped,
  startServe,
  launchBrowser,
  newPage,
  loginAs,
  loginToken,
  apiCall,
  guard,
  screenshot,
  waitForRoute,
  runCli,
} from './harness.mjs';

exitIfSkipped();

const ORG_A = { orgno: '910753614', name: 'TEST FORSIKRING AS' };
const ORG_B = { orgno: '311654306', name: 'TEST REGNSKAPSSYSTEM AS' };
const OWN_SCOPE = 'forsikring:web.read';

const serve = await startServe({ testControls: true });
const browser = await launchBrowser();
const tmp = await mkdtemp(path.join(os.tmpdir(), 'mp-web-consumer-'));
const pages = [];

async function page() {
  const p = await newPage(browser, serve.baseUrl);
  pages.push(p);
  return p;
}

test.after(async () => {
  for (const p of pages) await p.context().close().catch(() => {});
  await browser.close();
  await serve.stop();
  await rm(tmp, { recursive: true, force: true });
});

// A client of `orgno` made through the API with the login token.
async function apiClient(token, name, scopes = []) {
  const r = await apiCall(serve.baseUrl, token, 'POST', '/api/v1/clients', {
    client_name: name,
    integration_type: 'maskinporten',
    scopes,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

function fieldError(p, name) {
  return p.locator(`.field:has([name="${name}"]) > .field-error`);
}

async function openIntegration(p, clientId) {
  await p.goto(`${serve.baseUrl}/#/integrations/${encodeURIComponent(clientId)}`);
  await waitForRoute(p, '/integrations/:id');
}

test('the login form can be completed with the keyboard alone; it says it is local only', async () => {
  const p = await page();
  await guard(p, 'login-keyboard', async () => {
    await p.goto(`${serve.baseUrl}/`);
    await waitForRoute(p, '/login');
    await assert.doesNotReject(p.getByText('Local login only').waitFor());
    assert.match(await p.locator('.badge-env').innerText(), /LOCAL TEST/);
    await screenshot(p, 'login');

    const focusedName = () => p.evaluate(() => document.activeElement && document.activeElement.getAttribute('name'));
    for (let i = 0; i < 10 && (await focusedName()) !== 'org'; i += 1) await p.keyboard.press('Tab');
    assert.equal(await focusedName(), 'org', 'Tab reaches the organisation list');
    const value = () => p.evaluate(() => document.activeElement.value);
    for (let i = 0; i < 20 && (await value()) !== 'new'; i += 1) await p.keyboard.press('ArrowDown');
    assert.equal(await value(), 'new', 'the arrow keys choose "Ny organisasjon"');
    await p.keyboard.press('Tab');
    assert.equal(await focusedName(), 'orgno');
    await p.keyboard.type(ORG_A.orgno);
    await p.keyboard.press('Tab');
    assert.equal(await focusedName(), 'name');
    await p.keyboard.type(ORG_A.name);
    await p.keyboard.press('Enter');
    await waitForRoute(p, '/integrations');
    const header = await p.locator('#session-info').innerText();
    assert.match(header, new RegExp(ORG_A.name));
    assert.match(header, new RegExp(ORG_A.orgno));
    const session = await p.evaluate(() => JSON.parse(sessionStorage.getItem('mp.session')));
    assert.equal(session.orgno, ORG_A.orgno);
    assert.equal(session.issuer, serve.issuer);
  });
});

test('a bad org number shows the server message next to it; a registered org is listed', async () => {
  await loginToken(serve.baseUrl, ORG_A.orgno, ORG_A.name);
  const p = await page();
  await guard(p, 'login-errors', async () => {
    await p.goto(`${serve.baseUrl}/#/login`);
    await waitForRoute(p, '/login');
    const select = p.getByLabel('Organisasjon', { exact: true });
    assert.equal(await select.locator(`option[value="${ORG_A.orgno}"]`).count(), 1, 'org A is registered now');
    await select.selectOption(ORG_A.orgno);
    assert.ok(await p.getByLabel('Organisasjonsnummer', { exact: true }).isHidden(), 'no new-org fields for a registered org');
    await select.selectOption('new');
    await p.getByLabel('Organisasjonsnummer', { exact: true }).fill('910753615');
    await p.getByLabel('Navn på organisasjonen', { exact: true }).fill('WRONG CHECK DIGIT AS');
    await p.getByRole('button', { name: 'Logg inn' }).click();
    const err = fieldError(p, 'orgno');
    await err.waitFor();
    const direct = await fetch(`${serve.baseUrl}/local-login/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ orgno: '910753615', name: 'WRONG CHECK DIGIT AS' }),
    }).then((r) => r.json());
    assert.equal(await err.innerText(), direct.error_description);
    assert.equal(await p.evaluate(() => sessionStorage.getItem('mp.session')), null);
  });
});

test('create an integration with a scope, generate a key, get a token with it, see it in the journal and inspector, deactivate it', async () => {
  // The org's own scope, made through the API with the login token (so "Legg til scopes" lists it).
  const a = await loginToken(serve.baseUrl, ORG_A.orgno, ORG_A.name);
  const scope = await apiCall(serve.baseUrl, a.access_token, 'POST', '/api/v1/scopes', {
    prefix: 'forsikring',
    subscope: 'web.read',
    description: 'Test scope for the web pages',
  });
  assert.equal(scope.status, 201, JSON.stringify(scope.body));

  const p = await page();
  await guard(p, 'consumer-flow', async () => {
    await loginAs(p, serve.baseUrl, ORG_A.orgno);
    await p.getByRole('navigation').getByRole('link', { name: 'Ny integrasjon' }).click();
    await waitForRoute(p, '/integrations/new');
    assert.equal(await p.getByRole('heading', { level: 1 }).innerText(), 'Ny integrasjon');
    assert.equal(await p.getByLabel('Integrasjonstype').inputValue(), 'maskinporten');
    assert.equal(await p.getByLabel('Levetid for access token (sekunder)').inputValue(), '120');
    await p.getByLabel('Navn', { exact: true }).fill('forsikring-web');
    await p.getByLabel('Beskrivelse').fill('Made in the browser test');

    await p.getByRole('button', { name: 'Legg til scopes' }).click();
    const dialog = p.getByRole('dialog', { name: 'Legg til scopes' });
    await dialog.waitFor();
    const altinn = dialog.getByLabel('altinn:consenttokens', { exact: true });
    assert.equal(await altinn.count(), 1, 'open scopes are listed');
    await screenshot(p, 'scope-dialog');
    await dialog.getByLabel(OWN_SCOPE, { exact: true }).check();
    await dialog.getByRole('button', { name: 'Legg til valgte' }).click();
    await dialog.waitFor({ state: 'detached' });
    const chip = p.locator('[data-field="scopes"] .chip', { hasText: OWN_SCOPE });
    await chip.waitFor();
    await screenshot(p, 'integration-new');
    await p.getByRole('button', { name: 'Opprett integrasjon' }).click();
    await waitForRoute(p, '/integrations/:id');
    const clientId = (await p.locator('#client-id').innerText()).trim();
    assert.match(clientId, /^[0-9a-f-]{36}$/);
    assert.equal(await p.locator('#client-title').innerText(), 'forsikring-web');

    // Generate a key pair in the browser; download the private key.
    await p.getByRole('button', { name: 'Generer nøkkelpar' }).click();
    const link = p.locator('#download-key');
    await link.waitFor();
    const [download] = await Promise.all([p.waitForEvent('download'), link.click()]);
    const fileName = download.suggestedFilename();
    const m = new RegExp(`^${clientId}\\.([A-Za-z0-9_-]{43})\\.key\\.pem$`).exec(fileName);
    assert.ok(m, `download named <client_id>.<kid>.key.pem: ${fileName}`);
    const kid = m[1];
    const keyFile = path.join(tmp, fileName);
    await download.saveAs(keyFile);
    const pem = await readFile(keyFile, 'utf8');
    assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
    assert.equal(crypto.createPrivateKey(pem).asymmetricKeyDetails.modulusLength, 2048);
    const keysTable = p.getByRole('table', { name: /Registrerte nøkler/ });
    assert.equal(await keysTable.locator('tbody tr', { hasText: kid }).count(), 1);
    await screenshot(p, 'integration');

    // The page's command, run as shown (with the key where we saved it).
    const command = await p.locator('#token-command').innerText();
    assert.equal(
      command,
      `maskinporten token --issuer ${serve.issuer} --client-id ${clientId} --scope "${OWN_SCOPE}" --key ${fileName} --kid ${kid}`,
    );
    const cli = await runCli(['token', '--issuer', serve.issuer, '--client-id', clientId, '--scope', OWN_SCOPE, '--key', keyFile, '--kid', kid]);
    assert.equal(cli.code, 0, cli.stderr);
    const token = cli.stdout.trim();
    assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);

    // Journal: the request is there, issued.
    await p.getByRole('navigation').getByRole('link', { name: 'Journal' }).click();
    await waitForRoute(p, '/journal');
    const row = p.getByRole('table', { name: 'Token requests' }).locator('tbody tr', { hasText: clientId });
    await row.first().waitFor();
    assert.match(await row.first().innerText(), /issued/);
    await screenshot(p, 'journal');

    // Inspector: valid signature, this issuer, the consumer org, the scope and client_id.
    await p.getByRole('navigation').getByRole('link', { name: 'Token inspector' }).click();
    await waitForRoute(p, '/inspector');
    await p.getByLabel('Token', { exact: true }).fill(token);
    await p.getByRole('button', { name: 'Inspiser token' }).click();
    await p.locator('#verdict-signature').waitFor();
    assert.match(await p.locator('#verdict-signature').innerText(), /^Signature valid/);
    assert.match(await p.locator('#verdict-issuer').innerText(), /Issuer matches this server/);
    assert.match(await p.locator('#verdict-expiry').innerText(), /Valid for/);
    assert.match(await p.locator('#explain-consumer').innerText(), new RegExp(`^${ORG_A.orgno}`));
    const explained = await p.locator('#inspection').innerText();
    assert.ok(explained.includes(OWN_SCOPE) && explained.includes(clientId), explained);
    await screenshot(p, 'inspector');

    // A tampered token is not valid.
    const parts = token.split('.');
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
    payload.scope = 'forsikring:web.read altinn:consenttokens';
    const forged = `${parts[0]}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${parts[2]}`;
    await p.getByLabel('Token', { exact: true }).fill(forged);
    await p.getByRole('button', { name: 'Inspiser token' }).click();
    await p.locator('#verdict-signature', { hasText: 'INVALID' }).waitFor();

    // The list shows the client with its scope and key status.
    await p.getByRole('navigation').getByRole('link', { name: 'Integrasjoner' }).click();
    await waitForRoute(p, '/integrations');
    const listRow = p.locator('table.data tbody tr', { hasText: clientId });
    const rowText = await listRow.innerText();
    assert.match(rowText, /forsikring-web/);
    assert.match(rowText, /forsikring:web\.read/);
    assert.match(rowText, /private_key_jwt/);
    assert.match(rowText, /1 key: valid 36[45] more days/);
    await screenshot(p, 'integrations');

    // Deactivate through the confirm dialog.
    await listRow.getByRole('link', { name: 'forsikring-web' }).click();
    await waitForRoute(p, '/integrations/:id');
    await p.getByRole('button', { name: 'Deaktiver integrasjon' }).click();
    const confirm = p.getByRole('dialog', { name: 'Deaktiver integrasjon' });
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Deaktiver' }).click();
    await waitForRoute(p, '/integrations');
    assert.equal(await p.locator('table.data tbody tr', { hasText: clientId }).count(), 0);
    const after = await apiCall(serve.baseUrl, a.access_token, 'GET', `/api/v1/clients/${clientId}`);
    assert.equal(after.body.active, false);
    const refused = await runCli(['token', '--issuer', serve.issuer, '--client-id', clientId, '--scope', OWN_SCOPE, '--key', keyFile, '--kid', kid]);
    assert.notEqual(refused.code, 0, 'a deactivated integration gets no token');
  });
});

test('an invalid name shows the server message next to the name field', async () => {
  const p = await page();
  const a = await loginToken(serve.baseUrl, ORG_A.orgno, ORG_A.name);
  await guard(p, 'invalid-name', async () => {
    await loginAs(p, serve.baseUrl, ORG_A.orgno);
    await p.goto(`${serve.baseUrl}/#/integrations/new`);
    await waitForRoute(p, '/integrations/new');
    for (const bad of ['x'.repeat(101), 'bad\u0001name']) {
      await p.getByLabel('Navn', { exact: true }).fill(bad);
      await p.getByRole('button', { name: 'Opprett integrasjon' }).click();
      const direct = await apiCall(serve.baseUrl, a.access_token, 'POST', '/api/v1/clients', {
        client_name: bad,
        description: '',
        integration_type: 'maskinporten',
        token_endpoint_auth_method: 'private_key_jwt',
        grant_types: ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
        scopes: [],
        access_token_lifetime: 120,
      });
      assert.equal(direct.status, 400);
      assert.match(direct.body.error_description, /^client_name: /);
      const err = fieldError(p, 'client_name');
      await p.waitForFunction(
        ([sel, text]) => {
          const el = document.querySelector(sel);
          return el && !el.hidden && el.textContent === text;
        },
        ['.field:has([name="client_name"]) > .field-error', direct.body.error_description],
      );
      assert.equal(await err.getAttribute('role'), 'alert');
      assert.equal(await p.getByLabel('Navn', { exact: true }).getAttribute('aria-invalid'), 'true');
    }
    // A bad lifetime goes next to the lifetime field, and nothing was created.
    await p.getByLabel('Navn', { exact: true }).fill('lifetime-test');
    await p.getByLabel('Levetid for access token (sekunder)').fill('0');
    await p.getByRole('button', { name: 'Opprett integrasjon' }).click();
    const lifetimeErr = fieldError(p, 'access_token_lifetime');
    await lifetimeErr.waitFor();
    assert.match(await lifetimeErr.innerText(), /^access_token_lifetime: /);
    assert.equal(await fieldError(p, 'client_name').isHidden(), true);
    await screenshot(p, 'integration-new-errors');
    const list = await apiCall(serve.baseUrl, a.access_token, 'GET', '/api/v1/clients');
    assert.equal(list.body.filter((c) => c.client_name === 'lifetime-test').length, 0);
  });
});

test('a PEM public key is uploaded as a JWK with its RFC 7638 thumbprint; a private key is refused in the page', async () => {
  const a = await loginToken(serve.baseUrl, ORG_A.orgno, ORG_A.name);
  const client = await apiClient(a.access_token, 'pem-upload');
  const { publicKey, privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const thumb = crypto.createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
  const p = await page();
  await guard(p, 'pem-upload', async () => {
    await loginAs(p, serve.baseUrl, ORG_A.orgno);
    await openIntegration(p, client.client_id);
    const box = p.getByLabel('Offentlig nøkkel (JWK eller PEM)');
    await box.fill(privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await p.getByRole('button', { name: 'Last opp nøkkel' }).click();
    await fieldError(p, 'key').waitFor();
    assert.match(await fieldError(p, 'key').innerText(), /private key/);

    await box.fill(publicKey.export({ type: 'spki', format: 'pem' }));
    await p.getByRole('button', { name: 'Last opp nøkkel' }).click();
    await p.getByRole('table', { name: /Registrerte nøkler \(1 av maks 5\)/ }).waitFor();
    const jwks = await apiCall(serve.baseUrl, a.access_token, 'GET', `/api/v1/clients/${client.client_id}/jwks`);
    assert.equal(jwks.body.keys.length, 1);
    assert.deepEqual(jwks.body.keys[0], { kty: 'RSA', kid: thumb, alg: 'RS256', use: 'sig', n: jwk.n, e: jwk.e });

    // Delete it again with "Slett" (confirm dialog).
    await p.getByRole('button', { name: `Slett nøkkel ${thumb}` }).click();
    await p.getByRole('dialog', { name: 'Slett nøkkel' }).getByRole('button', { name: 'Slett' }).click();
    await p.getByRole('table', { name: /Registrerte nøkler \(0 av maks 5\)/ }).waitFor();
  });
});

test('a sixth key is refused with the server message', async () => {
  const a = await loginToken(serve.baseUrl, ORG_A.orgno, ORG_A.name);
  const client = await apiClient(a.access_token, 'six-keys');
  const p = await page();
  await guard(p, 'sixth-key', async () => {
    await loginAs(p, serve.baseUrl, ORG_A.orgno);
    await openIntegration(p, client.client_id);
    const generate = p.getByRole('button', { name: 'Generer nøkkelpar' });
    for (let n = 1; n <= 5; n += 1) {
      await generate.click();
      await p.getByRole('table', { name: `Registrerte nøkler (${n} av maks 5)` }).waitFor();
    }
    await generate.click();
    const err = p.locator('[data-field="keys"] .field-error');
    await err.waitFor();
    assert.equal(await err.innerText(), 'keys: at most 5 keys');
    assert.equal(await p.getByRole('table', { name: 'Registrerte nøkler (5 av maks 5)' }).count(), 1);
    await screenshot(p, 'integration-sixth-key');
    const jwks = await apiCall(serve.baseUrl, a.access_token, 'GET', `/api/v1/clients/${client.client_id}/jwks`);
    assert.equal(jwks.body.keys.length, 5);
  });
});

test('a scope the org may no longer use is refused with the server message next to the scopes', async () => {
  // Org B owns a scope and grants org A access; A picks it in the dialog; B revokes; A saves.
  const b = await loginToken(serve.baseUrl, ORG_B.orgno, ORG_B.name);
  const made = await apiCall(serve.baseUrl, b.access_token, 'POST', '/api/v1/scopes', {
    prefix: 'regnskap',
    subscope: 'kunder.read',
    description: 'Owned by org B',
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const foreign = made.body.name;
  const grant = await apiCall(serve.baseUrl, b.access_token, 'PUT', `/api/v1/scopes/access/${ORG_A.orgno}?scope=${encodeURIComponent(foreign)}&state=APPROVED`);
  assert.equal(grant.status, 200, JSON.stringify(grant.body));

  const a = await loginToken(serve.baseUrl, ORG_A.orgno, ORG_A.name);
  const client = await apiClient(a.access_token, 'foreign-scope');
  const p = await page();
  await guard(p, 'scope-not-allowed', async () => {
    await loginAs(p, serve.baseUrl, ORG_A.orgno);
    await openIntegration(p, client.client_id);
    await p.getByRole('button', { name: 'Legg til scopes' }).click();
    const dialog = p.getByRole('dialog', { name: 'Legg til scopes' });
    await dialog.waitFor();
    const option = dialog.locator('.scope-option', { hasText: foreign });
    assert.match(await option.innerText(), /access approved/);
    await dialog.getByLabel(foreign, { exact: true }).check();
    await dialog.getByRole('button', { name: 'Legg til valgte' }).click();

    const revoke = await apiCall(serve.baseUrl, b.access_token, 'DELETE', `/api/v1/scopes/access/${ORG_A.orgno}?scope=${encodeURIComponent(foreign)}`);
    assert.equal(revoke.status, 200, JSON.stringify(revoke.body));
    await p.getByRole('button', { name: 'Lagre endringer' }).click();
    const err = p.locator('[data-field="scopes"] > .field-error');
    await err.waitFor();
    const direct = await apiCall(serve.baseUrl, a.access_token, 'PUT', `/api/v1/clients/${client.client_id}`, {
      client_name: 'foreign-scope',
      integration_type: 'maskinporten',
      scopes: [foreign],
    });
    assert.equal(direct.status, 400);
    assert.equal(await err.innerText(), direct.body.error_description);
    assert.match(direct.body.error_description, /^scopes\[0\]: organisation 910753614 has no approved access/);
    await screenshot(p, 'integration-scope-refused');
    const still = await apiCall(serve.baseUrl, a.access_token, 'GET', `/api/v1/clients/${client.client_id}`);
    assert.deepEqual(still.body.scopes, []);

    // Typed by name in the dialog ("Annet scope"), on a new integration: refused the same way.
    await p.goto(`${serve.baseUrl}/#/integrations/new`);
    await waitForRoute(p, '/integrations/new');
    await p.getByLabel('Navn', { exact: true }).fill('typed-foreign-scope');
    await p.getByRole('button', { name: 'Legg til scopes' }).click();
    await p.getByRole('dialog', { name: 'Legg til scopes' }).getByLabel('Annet scope (navn)').fill(foreign);
    await p.keyboard.press('Enter');
    await p.locator('[data-field="scopes"] .chip', { hasText: foreign }).waitFor();
    await p.getByRole('button', { name: 'Opprett integrasjon' }).click();
    await p.locator('[data-field="scopes"] > .field-error', { hasText: 'has no approved access' }).waitFor();
  });
});

test('every page shows the LOCAL TEST badge, the org, "Logg ut" and its heading; logging out ends the session', async () => {
  const a = await loginToken(serve.baseUrl, ORG_A.orgno, ORG_A.name);
  const client = await apiClient(a.access_token, 'badge-check');
  const p = await page();
  await guard(p, 'badges', async () => {
    await loginAs(p, serve.baseUrl, ORG_A.orgno);
    const navNames = await p.getByRole('navigation').getByRole('link').allInnerTexts();
    for (const name of ['Integrasjoner', 'Ny integrasjon', 'Scopes', 'Delegeringer', 'Samtykker', 'Token inspector', 'Journal']) {
      assert.ok(navNames.includes(name), `nav has ${name}: ${navNames}`);
    }
    const routes = [
      ['/integrations', 'Integrasjoner'],
      ['/integrations/new', 'Ny integrasjon'],
      [`/integrations/${client.client_id}`, 'Integrasjon', '/integrations/:id'],
      ['/scopes', null],
      ['/delegations', null],
      ['/consents', null],
      ['/inspector', 'Token inspector'],
      ['/journal', 'Journal'],
    ];
    for (const [route, title, pattern] of routes) {
      await p.goto(`${serve.baseUrl}/#${route}`);
      await waitForRoute(p, pattern || route);
      const badge = p.locator('.badge-env');
      assert.equal(await badge.innerText(), 'LOCAL TEST', route);
      assert.ok(await badge.isVisible(), route);
      assert.match(await p.locator('#session-info').innerText(), /910753614/, route);
      assert.equal(await p.getByRole('button', { name: 'Logg ut' }).count(), 1, route);
      assert.equal(await p.getByRole('heading', { level: 1 }).count(), 1, route);
      if (title) assert.equal(await p.getByRole('heading', { level: 1 }).innerText(), title, route);
    }
    await p.getByRole('button', { name: 'Logg ut' }).click();
    await waitForRoute(p, '/login');
    assert.equal(await p.evaluate(() => sessionStorage.getItem('mp.session')), null);
    assert.equal(await p.locator('.badge-env').innerText(), 'LOCAL TEST');
    await p.goto(`${serve.baseUrl}/#/integrations`);
    await waitForRoute(p, '/login');
  });
});

test('without test controls the Journal is not offered', async () => {
  const plain = await startServe({ testControls: false });
  try {
    const p = await page();
    await guard(p, 'no-journal', async () => {
      await loginAs(p, plain.baseUrl, ORG_A.orgno, ORG_A.name);
      const navNames = await p.getByRole('navigation').getByRole('link').allInnerTexts();
      assert.ok(navNames.includes('Integrasjoner'), String(navNames));
      assert.ok(!navNames.includes('Journal'), String(navNames));
      await p.goto(`${plain.baseUrl}/#/journal`);
      await waitForRoute(p, '/integrations');
    });
  } finally {
    await plain.stop();
  }
});
