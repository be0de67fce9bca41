// Browser tests of the API-owner pages: Scopes (create, settings, access list), Delegeringer
// and Samtykker (the local Altinn consent stand-in), against a `serve` on port 0 with a
// temporary registry. Run: MP_CLI=<built maskinporten> node --test-reporter=spec tests/web/owner.test.mjs
//
// Organisations: A 910753614 (the API owner and consumer), B 311654306 (asks for access),
// C 312345676 (a supplier). All three are new to the registry: the login page onboards them.

import test from 'node:test';
import assert from 'node:assert/strict';
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
} from './harness.mjs';

exitIfSkipped();

const A = { orgno: '910753614', name: 'TEST FORSIKRING AS' };
const B = { orgno: '311654306', name: 'TEST KUNDE AS' };
const C = { orgno: '312345676', name: 'TEST LEVERANDØR AS' };
const PERSON = '01819010001'; // synthetic (Tenor) national identity number

const serve = await startServe({});
const browser = await launchBrowser();

test.after(async () => {
  await browser.close();
  await serve.stop();
});

// A logged-in page of `org` on `hash` (e.g. '/scopes'); `run(page)` inside guard().
async function withPage(org, name, run) {
  const page = await newPage(browser, serve.baseUrl);
  try {
    await guard(page, name, async () => {
      await loginAs(page, serve.baseUrl, org.orgno, org.name);
      await run(page);
    });
  } finally {
    await page.context().close();
  }
}

async function go(page, hash, routePath = hash.split('?')[0]) {
  await page.evaluate((h) => {
    location.hash = h;
  }, `#${hash}`);
  await waitForRoute(page, routePath);
}

// The error slot of the form field labelled `label` (ui.js field(): .field > .field-error).
function fieldError(scope, label) {
  return scope.locator('.field', { has: scope.getByLabel(label, { exact: true }) }).locator('.field-error');
}

async function errorText(locator) {
  await locator.waitFor({ state: 'visible', timeout: 10000 });
  return (await locator.textContent()).trim();
}

async function createScopeInUi(page, { prefix, subscope, description = '', delegable = false }) {
  await go(page, '/scopes');
  await page.getByLabel('Prefiks', { exact: true }).fill(prefix);
  await page.getByLabel('Subscope', { exact: true }).fill(subscope);
  if (description) await page.getByLabel('Beskrivelse', { exact: true }).fill(description);
  if (delegable) await page.getByLabel('Kan delegeres', { exact: true }).check();
  await page.getByRole('button', { name: 'Opprett scope' }).click();
}

// The scope names B's "Legg til scopes" dialog lists (webui's Ny integrasjon page).
async function scopesOfferedTo(page) {
  await go(page, '/integrations/new');
  await page.getByRole('button', { name: 'Legg til scopes' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('heading', { name: 'Legg til scopes' }).waitFor();
  const names = await dialog.locator('.scope-name').allTextContents();
  await dialog.getByRole('button', { name: 'Avbryt' }).click();
  await dialog.waitFor({ state: 'detached' });
  return names.map((n) => n.trim());
}

function accessRow(page, orgno) {
  return page.getByRole('table', { name: /Organisasjoner med tilgang/ }).locator('tbody tr', { hasText: orgno });
}

test('Scopes: A creates a delegable scope and a closed one; both are listed with their settings', async () => {
  await withPage(A, 'scopes-create', async (page) => {
    await createScopeInUi(page, { prefix: 'a', subscope: 'records', description: 'Forsikringsdata', delegable: true });
    await page.getByRole('link', { name: 'a:records' }).waitFor();
    await createScopeInUi(page, { prefix: 'a', subscope: 'claims', description: 'Skadesaker' });
    await page.getByRole('link', { name: 'a:claims' }).waitFor();
    const row = page.locator('tbody tr', { hasText: 'a:records' });
    assert.match(await row.textContent(), /Forsikringsdata/);
    await screenshot(page, 'scopes');

    // Through the API: "Kan delegeres" set delegation_source to the first source's issuer.
    const token = (await loginToken(serve.baseUrl, A.orgno)).access_token;
    const sources = await apiCall(serve.baseUrl, token, 'GET', '/api/v1/delegationsources');
    const records = await apiCall(serve.baseUrl, token, 'GET', '/api/v1/scopes?scope=a%3Arecords');
    assert.equal(records.status, 200);
    assert.equal(records.body.delegation_source, sources.body[0].issuer);
    assert.equal(records.body.owner_orgno, A.orgno);
    const claims = await apiCall(serve.baseUrl, token, 'GET', '/api/v1/scopes?scope=a%3Aclaims');
    assert.equal(claims.body.delegation_source, '');
    assert.equal(claims.body.visibility, 'PUBLIC');
  });
});

test('Scopes: A grants B access, denies it and revokes it; B\'s "Legg til scopes" follows', async () => {
  // B before any grant: the closed scope is not offered, the delegable one is.
  await withPage(B, 'scopes-b-before', async (page) => {
    const offered = await scopesOfferedTo(page);
    assert.ok(!offered.includes('a:claims'), `a:claims offered before a grant: ${offered}`);
    assert.ok(offered.includes('a:records'), `the delegable a:records not offered: ${offered}`);
  });

  await withPage(A, 'scopes-grant', async (page) => {
    await go(page, '/scopes');
    await page.getByRole('link', { name: 'a:claims' }).click();
    await waitForRoute(page, '/scopes');
    await page.locator('#scope-name', { hasText: 'a:claims' }).waitFor();
    await page.getByText('No organisation has access yet.').waitFor();
    // By keyboard: Enter in the org number field submits the grant form.
    await page.getByLabel('Organisasjonsnummer', { exact: true }).fill(B.orgno);
    await page.getByLabel('Organisasjonsnummer', { exact: true }).press('Enter');
    await accessRow(page, B.orgno).getByText('APPROVED', { exact: true }).waitFor();
    await screenshot(page, 'scope-detail');
  });

  await withPage(B, 'scopes-b-granted', async (page) => {
    const offered = await scopesOfferedTo(page);
    assert.ok(offered.includes('a:claims'), `a:claims not offered after the grant: ${offered}`);
  });

  await withPage(A, 'scopes-deny-revoke', async (page) => {
    await go(page, `/scopes?scope=${encodeURIComponent('a:claims')}`, '/scopes');
    await accessRow(page, B.orgno).getByText('APPROVED', { exact: true }).waitFor();
    await page.getByRole('button', { name: `Avslå ${B.orgno}` }).click();
    await accessRow(page, B.orgno).getByText('DENIED', { exact: true }).waitFor();
    const token = (await loginToken(serve.baseUrl, A.orgno)).access_token;
    const list = await apiCall(serve.baseUrl, token, 'GET', '/api/v1/scopes/access?scope=a%3Aclaims');
    assert.deepEqual(list.body.map((e) => [e.consumer_orgno, e.state]), [[B.orgno, 'DENIED']]);

    await page.getByRole('button', { name: `Fjern ${B.orgno}` }).click();
    await page.getByText('No organisation has access yet.').waitFor();
    const after = await apiCall(serve.baseUrl, token, 'GET', '/api/v1/scopes/access?scope=a%3Aclaims');
    assert.deepEqual(after.body, []);
  });

  await withPage(B, 'scopes-b-revoked', async (page) => {
    const offered = await scopesOfferedTo(page);
    assert.ok(!offered.includes('a:claims'), `a:claims still offered after the revoke: ${offered}`);
  });
});

test('Scopes: A edits a scope\'s description and delegability and deactivates it', async () => {
  await withPage(A, 'scopes-edit', async (page) => {
    await createScopeInUi(page, { prefix: 'a', subscope: 'old/reports' });
    await page.getByRole('link', { name: 'a:old/reports' }).click();
    await waitForRoute(page, '/scopes');
    const form = page.getByRole('form', { name: 'Endre scope' });
    await form.getByLabel('Beskrivelse', { exact: true }).fill('Gamle rapporter');
    await form.getByLabel('Kan delegeres', { exact: true }).check();
    await form.getByRole('button', { name: 'Lagre endringer' }).click();
    await page.getByText('Endringene er lagret.').waitFor();
    const token = (await loginToken(serve.baseUrl, A.orgno)).access_token;
    const saved = await apiCall(serve.baseUrl, token, 'GET', '/api/v1/scopes?scope=a%3Aold%2Freports');
    assert.equal(saved.body.description, 'Gamle rapporter');
    assert.notEqual(saved.body.delegation_source, '');

    await page.getByRole('button', { name: 'Deaktiver scope' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Deaktiver' }).click();
    await page.getByText('This scope is deactivated').waitFor();
    const gone = await apiCall(serve.baseUrl, token, 'GET', '/api/v1/scopes?scope=a%3Aold%2Freports');
    assert.equal(gone.body.active, false);
  });
});

test('Scopes: errors show next to their field (foreign prefix, invalid subscope, bad org number)', async () => {
  await withPage(B, 'scopes-errors-b', async (page) => {
    await createScopeInUi(page, { prefix: 'a', subscope: 'mine' });
    const text = await errorText(fieldError(page, 'Prefiks'));
    assert.match(text, /^prefix: "a" belongs to another organisation/);
    assert.equal(await page.getByLabel('Prefiks', { exact: true }).getAttribute('aria-invalid'), 'true');
  });
  await withPage(A, 'scopes-errors-a', async (page) => {
    await createScopeInUi(page, { prefix: 'a', subscope: 'bad subscope!' });
    const text = await errorText(fieldError(page, 'Subscope'));
    assert.match(text, /^subscope: .*\[a-zA-Z0-9\._\/:-\]/);
    assert.equal(await fieldError(page, 'Prefiks').isHidden(), true);

    await go(page, `/scopes?scope=${encodeURIComponent('a:records')}`, '/scopes');
    await page.getByLabel('Organisasjonsnummer', { exact: true }).fill('123456789');
    await page.getByRole('button', { name: 'Gi tilgang' }).click();
    assert.match(await errorText(fieldError(page, 'Organisasjonsnummer')), /^orgno: "123456789" is not a valid organisation number/);
  });
});

test('Delegeringer: A delegates a:records to C, C sees it, A removes it', async () => {
  await withPage(A, 'delegations-create', async (page) => {
    await go(page, '/delegations');
    await page.getByLabel('Scope', { exact: true }).fill('a:records');
    await page.getByLabel('Leverandør (organisasjonsnummer)', { exact: true }).fill(C.orgno);
    await page.getByRole('button', { name: 'Deleger', exact: true }).click();
    const mine = page.getByRole('table', { name: /er konsument/ });
    await mine.locator('tbody tr', { hasText: C.orgno }).getByText('a:records').waitFor();
    await screenshot(page, 'delegations');
  });

  await withPage(C, 'delegations-supplier', async (page) => {
    await go(page, '/delegations');
    const theirs = page.getByRole('table', { name: /er leverandør/ });
    const row = theirs.locator('tbody tr', { hasText: 'a:records' });
    await row.waitFor();
    assert.match(await row.textContent(), new RegExp(`consumer_org=${A.orgno}`));
  });

  await withPage(A, 'delegations-remove', async (page) => {
    await go(page, '/delegations');
    await page.getByRole('button', { name: `Fjern delegering av a:records til ${C.orgno}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Fjern' }).click();
    await page.getByText('No delegations: delegate a scope above.').waitFor();
    const token = (await loginToken(serve.baseUrl, A.orgno)).access_token;
    const list = await apiCall(serve.baseUrl, token, 'GET', '/api/v1/delegations');
    assert.deepEqual(list.body, []);
  });
});

test('Delegeringer: a scope that is not delegable is refused with the server\'s message', async () => {
  await withPage(A, 'delegations-error', async (page) => {
    await go(page, '/delegations');
    await page.getByLabel('Scope', { exact: true }).fill('a:claims');
    await page.getByLabel('Leverandør (organisasjonsnummer)', { exact: true }).fill(C.orgno);
    await page.getByRole('button', { name: 'Deleger', exact: true }).click();
    const text = await errorText(fieldError(page, 'Scope'));
    assert.equal(text, 'scope: scope "a:claims" is not delegable (it has no delegation_source)');

    await page.getByLabel('Scope', { exact: true }).fill('a:records');
    await page.getByLabel('Leverandør (organisasjonsnummer)', { exact: true }).fill(A.orgno);
    await page.getByRole('button', { name: 'Deleger', exact: true }).click();
    assert.match(await errorText(fieldError(page, 'Leverandør (organisasjonsnummer)')), /^supplier_orgno: an organisation cannot delegate to itself/);
    assert.equal(await fieldError(page, 'Scope').isHidden(), true);
  });
});

test('Samtykker: A asks a person, accepts as the person, fetches the samtykketoken', async () => {
  await withPage(A, 'consents-flow', async (page) => {
    await go(page, '/consents');
    assert.equal(await page.getByLabel('Organisasjon som får samtykket (coveredBy)').inputValue(), A.orgno);
    assert.equal(await page.getByLabel('Tjenestekode (serviceCode)').inputValue(), '5252');
    await page.getByLabel('Fødselsnummer (personen)').fill(PERSON);
    await page.getByLabel('Navn på personen').fill('Kari Nordmann');
    await page.getByRole('button', { name: 'Opprett samtykkeforespørsel' }).click();

    const requests = page.getByRole('table', { name: /Samtykkeforespørsler/ });
    const row = requests.locator('tbody tr', { hasText: 'Kari Nordmann' });
    await row.getByText('Unopened', { exact: true }).waitFor();
    const rowText = await row.textContent();
    assert.match(rowText, /018190\*{5}/);
    assert.ok(!rowText.includes(PERSON), 'the full national identity number is shown in the list');
    assert.match(rowText, /5252_2/);

    await row.getByRole('button', { name: /Godta som personen/ }).click();
    await row.getByText('Accepted', { exact: true }).waitFor();
    await row.getByRole('button', { name: /Hent samtykketoken/ }).click();

    const area = page.getByRole('region', { name: 'Samtykketoken' });
    await area.waitFor();
    assert.equal(await area.locator('[data-claim="CoveredBy"]').textContent(), A.orgno);
    assert.match(await area.locator('[data-claim="Services"]').textContent(), /5252_2/);
    assert.equal(await area.locator('[data-claim="OfferedBy"]').textContent(), '018190*****');
    const token = await area.getByLabel('Token', { exact: true }).inputValue();
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    assert.equal(claims.CoveredBy, A.orgno);
    assert.equal(claims.OfferedBy, PERSON);
    assert.deepEqual(claims.Services, ['5252_2', `5252_2_Navn=${A.name}`]);
    assert.equal(claims.iss, `${serve.baseUrl}/altinn/`);
    await screenshot(page, 'consents');

    // A second request, rejected: no token button, status Rejected.
    await page.getByLabel('Navn på personen').fill('Ola Nordmann');
    await page.getByRole('button', { name: 'Opprett samtykkeforespørsel' }).click();
    const second = requests.locator('tbody tr', { hasText: 'Ola Nordmann' });
    await second.getByRole('button', { name: /Avslå som personen/ }).click();
    await second.getByText('Rejected', { exact: true }).waitFor();
    assert.equal(await second.getByRole('button', { name: /Hent samtykketoken/ }).count(), 0);
  });
});

test('Samtykker: server errors show next to their fields (service code, person, validTo)', async () => {
  await withPage(A, 'consents-errors', async (page) => {
    await go(page, '/consents');
    await page.getByLabel('Tjenestekode (serviceCode)').fill('52x2');
    await page.getByRole('button', { name: 'Opprett samtykkeforespørsel' }).click();
    assert.equal(
      await errorText(fieldError(page, 'Tjenestekode (serviceCode)')),
      'requestResources[0].serviceCode: must be a string of digits',
    );

    await page.getByLabel('Tjenestekode (serviceCode)').fill('5252');
    await page.getByLabel('Fødselsnummer (personen)').fill('12345678901');
    await page.getByRole('button', { name: 'Opprett samtykkeforespørsel' }).click();
    assert.match(await errorText(fieldError(page, 'Fødselsnummer (personen)')), /^offeredBy: /);
    assert.equal(await fieldError(page, 'Tjenestekode (serviceCode)').isHidden(), true);

    await page.getByLabel('Fødselsnummer (personen)').fill(PERSON);
    await page.getByLabel('Gyldig til').fill('2020-01-01');
    await page.getByRole('button', { name: 'Opprett samtykkeforespørsel' }).click();
    assert.equal(await errorText(fieldError(page, 'Gyldig til')), 'validTo: must be in the future');
    // A refused request is not listed (this page's context has made none).
    await page.getByText('No consent requests yet: create one above.').waitFor();
  });
});
