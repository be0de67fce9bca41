// Browser tests of the person's Altinn 3 consent page (web/consent-request.html at the request's
// viewUri, SPEC §14.2): the insurer asks through the enterprise API, the person sees who asks, for
// what and until when, accepts (back to redirectUrl with Status=OK), revokes; another request is
// rejected (Status=Failed). Run: MP_CLI=<built maskinporten> node --test-reporter=spec tests/web/consent.test.mjs

import test from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { exitIfSkipped, startServe, launchBrowser, newPage, loginToken, apiCall, guard, screenshot } from './harness.mjs';

exitIfSkipped();

const INSURER = { orgno: '910753614', name: 'TEST FORSIKRING AS' };
const PERSON = '01819010001'; // synthetic (Tenor) national identity number
const PATH = '/accessmanagement/api/v1/enterprise/consentrequests';

const serve = await startServe({});
const browser = await launchBrowser();

test.after(async () => {
  await browser.close();
  await serve.stop();
});

// The insurer's consent request through the enterprise API -> the created request.
async function createRequest() {
  const { access_token: token } = await loginToken(serve.baseUrl, INSURER.orgno, INSURER.name);
  const validTo = new Date(Date.now() + 365 * 86400 * 1000).toISOString();
  const r = await apiCall(serve.baseUrl, token, 'POST', PATH, {
    id: randomUUID(),
    from: `urn:altinn:person:identifier-no:${PERSON}`,
    to: `urn:altinn:organization:identifier-no:${INSURER.orgno}`,
    validTo,
    consentRights: [
      {
        action: ['consent'],
        resource: [{ type: 'urn:altinn:resource', value: 'nav_5252_2' }],
        metadata: { navn: INSURER.name },
      },
    ],
    requestMessage: { nb: 'TEST FORSIKRING AS ber om opplysninger fra NAV.' },
    redirectUrl: `${serve.baseUrl}/?from=insurer`,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function status(id) {
  const r = await fetch(`${serve.baseUrl}/emulator/consent/${id}`);
  return (await r.json()).status;
}

test('the person sees the request, accepts it, goes back with Status=OK, then revokes it', async () => {
  const request = await createRequest();
  const page = await newPage(browser, serve.baseUrl);
  await guard(page, 'consent-accept', async () => {
    await page.goto(request.viewUri);
    await page.waitForSelector('body[data-ready="consent-request"]');
    assert.match(await page.locator('#person').textContent(), /018190\*{5}/);
    assert.ok(!(await page.content()).includes(PERSON), 'the full national identity number is shown');
    assert.equal(await page.locator('[data-field="to"]').textContent(), `${INSURER.name} (${INSURER.orgno})`);
    assert.equal(await page.locator('[data-field="status"]').textContent(), 'created');
    assert.match(await page.locator('[data-field="validTo"]').textContent(), /UTC$/);
    assert.match(await page.locator('[data-resource="nav_5252_2"]').textContent(), /SSU/);
    assert.equal(await page.locator('[data-metadata="navn"]').textContent(), INSURER.name);
    assert.match(await page.locator('.request-message').textContent(), /ber om opplysninger/);
    await screenshot(page, 'consent-request');

    await Promise.all([page.waitForURL(/Status=OK/), page.getByRole('button', { name: 'Godta' }).click()]);
    const back = new URL(page.url());
    assert.equal(back.pathname, '/');
    assert.equal(back.searchParams.get('from'), 'insurer');
    assert.equal(await status(request.id), 'accepted');

    await page.goto(request.viewUri);
    await page.waitForSelector('body[data-ready="consent-request"]');
    assert.equal(await page.locator('[data-field="status"]').textContent(), 'accepted');
    await page.getByRole('button', { name: 'Trekk tilbake samtykket' }).click();
    await page.getByRole('status').getByText('Samtykket er trukket tilbake.').waitFor();
    assert.equal(await page.locator('[data-field="status"]').textContent(), 'revoked');
    assert.equal(await page.getByRole('button').count(), 0);
    assert.equal(await status(request.id), 'revoked');
  });
});

test('the person rejects a request and goes back with Status=Failed', async () => {
  const request = await createRequest();
  const page = await newPage(browser, serve.baseUrl);
  await guard(page, 'consent-reject', async () => {
    await page.goto(request.viewUri);
    await page.waitForSelector('body[data-ready="consent-request"]');
    await Promise.all([page.waitForURL(/Status=Failed/), page.getByRole('button', { name: 'Avslå' }).click()]);
    assert.equal(await status(request.id), 'rejected');
  });
});

test('an unknown id says so', async () => {
  const page = await newPage(browser, serve.baseUrl);
  await page.goto(`${serve.baseUrl}/accessmanagement/ui/consent/request?id=${randomUUID()}`);
  await page.waitForSelector('body[data-ready="consent-request"]');
  assert.match(await page.getByRole('alert').textContent(), /Fant ikke forespørselen: no consent request/);
});
