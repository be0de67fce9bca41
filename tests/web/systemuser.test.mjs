// Browser tests of the customer's system user approval page (web/systemuser-request.html at the
// request's confirmUrl, SPEC §15): the vendor registers a system and asks the customer for a
// system user; the customer sees vendor, system and rights, approves (back to redirectUrl) and
// the vendor sees the request Accepted; another request is rejected; a request without
// redirectUrl stays on the page. Run: MP_CLI=<built maskinporten> node --test-reporter=spec tests/web/systemuser.test.mjs

import test from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { exitIfSkipped, startServe, launchBrowser, newPage, loginToken, apiCall, guard, screenshot } from './harness.mjs';

exitIfSkipped();

const VENDOR = { orgno: '311654306', name: 'TEST REGNSKAPSSYSTEM AS' };
const CUSTOMER = { orgno: '910753614', name: 'TEST FORSIKRING AS' };
const SYSTEM_ID = `${VENDOR.orgno}_payroll`;
const REQUESTS = '/authentication/api/v1/systemuser/request/vendor';

const serve = await startServe({});
const browser = await launchBrowser();
let vendorToken = '';

test.before(async () => {
  await loginToken(serve.baseUrl, CUSTOMER.orgno, CUSTOMER.name); // registers the customer org
  ({ access_token: vendorToken } = await loginToken(serve.baseUrl, VENDOR.orgno, VENDOR.name));
  const r = await apiCall(serve.baseUrl, vendorToken, 'POST', '/authentication/api/v1/systemregister/vendor', {
    id: SYSTEM_ID,
    vendor: { authority: 'iso6523-actorid-upis', ID: `0192:${VENDOR.orgno}` },
    name: { nb: 'Lønn og regnskap', en: 'Payroll' },
    description: { nb: 'Sender a-melding og MVA for kundene.' },
    rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-mva' }] }],
    accessPackages: [{ urn: 'urn:altinn:accesspackage:skattnaering' }],
    clientId: [randomUUID()],
    allowedRedirectUrls: [`${serve.baseUrl}/?from=vendor`],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
});

test.after(async () => {
  await browser.close();
  await serve.stop();
});

async function ask(externalRef, redirect = true) {
  const body = {
    systemId: SYSTEM_ID,
    partyOrgNo: CUSTOMER.orgno,
    externalRef,
    rights: [{ resource: [{ id: 'urn:altinn:resource', value: 'ske-mva' }] }],
    accessPackages: [{ urn: 'urn:altinn:accesspackage:skattnaering' }],
  };
  if (redirect) body.redirectUrl = `${serve.baseUrl}/?from=vendor`;
  const r = await apiCall(serve.baseUrl, vendorToken, 'POST', REQUESTS, body);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

async function vendorStatus(id) {
  const r = await apiCall(serve.baseUrl, vendorToken, 'GET', `${REQUESTS}/${id}`);
  return r.body.status;
}

test('the customer sees the request, approves it and goes back to the vendor', async () => {
  const request = await ask('customer-1');
  assert.match(request.confirmUrl, /\/authfront\/ui\/auth\/vendorrequest\?id=/);
  const page = await newPage(browser, serve.baseUrl);
  await guard(page, 'systemuser-accept', async () => {
    await page.goto(request.confirmUrl);
    await page.waitForSelector('body[data-ready="systemuser-request"]');
    assert.equal(await page.locator('[data-field="vendor"]').textContent(), `${VENDOR.name} (${VENDOR.orgno})`);
    assert.equal(await page.locator('[data-field="system"]').textContent(), `Lønn og regnskap (${SYSTEM_ID})`);
    assert.equal(await page.locator('[data-field="party"]').textContent(), `${CUSTOMER.name} (${CUSTOMER.orgno})`);
    assert.equal(await page.locator('[data-field="externalRef"]').textContent(), 'customer-1');
    assert.equal(await page.locator('[data-field="status"]').textContent(), 'New');
    assert.equal(await page.locator('[data-right="ske-mva"]').count(), 1);
    assert.equal(await page.locator('[data-package="urn:altinn:accesspackage:skattnaering"]').count(), 1);
    assert.match(await page.locator('#person').textContent(), /TEST FORSIKRING AS/);
    await screenshot(page, 'systemuser-request');

    await Promise.all([page.waitForURL(/from=vendor/), page.getByRole('button', { name: 'Godkjenn' }).click()]);
    assert.equal(new URL(page.url()).pathname, '/');
    assert.equal(await vendorStatus(request.id), 'Accepted');

    await page.goto(request.confirmUrl);
    await page.waitForSelector('body[data-ready="systemuser-request"]');
    assert.equal(await page.locator('[data-field="status"]').textContent(), 'Accepted');
    assert.equal(await page.getByRole('button').count(), 0);
  });
});

test('the customer rejects a request', async () => {
  const request = await ask('customer-2');
  const page = await newPage(browser, serve.baseUrl);
  await guard(page, 'systemuser-reject', async () => {
    await page.goto(request.confirmUrl);
    await page.waitForSelector('body[data-ready="systemuser-request"]');
    await Promise.all([page.waitForURL(/from=vendor/), page.getByRole('button', { name: 'Avvis' }).click()]);
    assert.equal(await vendorStatus(request.id), 'Rejected');
  });
});

test('without a redirectUrl the page stays and says the system user was made', async () => {
  const request = await ask('customer-3', false);
  const page = await newPage(browser, serve.baseUrl);
  await guard(page, 'systemuser-stay', async () => {
    await page.goto(request.confirmUrl);
    await page.waitForSelector('body[data-ready="systemuser-request"]');
    await page.getByRole('button', { name: 'Godkjenn' }).click();
    await page.getByRole('status').getByText('Systembrukeren er opprettet.').waitFor();
    assert.equal(await page.locator('[data-field="status"]').textContent(), 'Accepted');
  });
});

test('an unknown id says so', async () => {
  const page = await newPage(browser, serve.baseUrl);
  await page.goto(`${serve.baseUrl}/authfront/ui/auth/vendorrequest?id=${randomUUID()}`);
  await page.waitForSelector('body[data-ready="systemuser-request"]');
  assert.match(await page.getByRole('alert').textContent(), /Fant ikke forespørselen: no system user request/);
});
