/**
 * Rows 6 and 7 of issue 13: secrets stay out of the journal and the HAR.
 * `journal.redact` adds to the default names (Authorization stays redacted),
 * the admin token header is always redacted, and body fields named like
 * credentials are redacted in JSON, urlencoded and multipart bodies unless
 * `journal.redactBodyFields: false`.
 */
import t from 'tap'
import type { DoormanServer } from '../../src/index.js'
import { startMock } from '../helpers.js'

const anyObject = { schema: { type: 'object' } }
const SPEC = {
  openapi: '3.0.3',
  info: { title: 'login', version: '1' },
  paths: {
    '/login': {
      post: {
        operationId: 'login',
        requestBody: {
          required: true,
          content: { 'application/json': anyObject, 'application/x-www-form-urlencoded': anyObject, 'multipart/form-data': anyObject },
        },
        responses: { '200': { description: 'ok' } },
      },
    },
  },
}

const SECRETS = ['hunter2', 's3cr3t-client', 'rt-0987', 'ak-1234', 'adm-Zq81', 'Bearer eyJ-abc', 'custom-999', 'pw-multipart']

async function post(mock: DoormanServer, body: string | FormData, headers: Record<string, string> = {}): Promise<void> {
  const res = await fetch(`${mock.url}/login`, { method: 'POST', headers, body })
  await res.arrayBuffer()
}

async function journalText(mock: DoormanServer): Promise<{ journal: string; har: string }> {
  const journal = await (await fetch(`${mock.url}/__doorman/journal`)).text()
  const har = await (await fetch(`${mock.url}/__doorman/journal.har`)).text()
  return { journal, har }
}

t.test('credential-like body fields are redacted in JSON, form and multipart bodies, in the journal and the HAR', async (t) => {
  const mock = await startMock(t, { spec: SPEC as never, config: { journal: { redact: ['x-custom-secret'] } } })
  await post(mock, JSON.stringify({ user: 'alice', password: 'hunter2', nested: { refresh_token: 'rt-0987', apiKey: 'ak-1234' }, note: 'keep me' }), {
    'content-type': 'application/json',
    authorization: 'Bearer eyJ-abc',
    'x-custom-secret': 'custom-999',
  })
  await post(mock, 'grant_type=client_credentials&client_id=app&client_secret=s3cr3t-client&scope=read', {
    'content-type': 'application/x-www-form-urlencoded',
    'x-doorman-admin-token': 'adm-Zq81',
  })
  const form = new FormData()
  form.append('username', 'alice')
  form.append('password', 'pw-multipart')
  await post(mock, form)
  await mock.journal.waitFor({ count: 3 })
  const { journal, har } = await journalText(mock)
  for (const secret of SECRETS) {
    t.notOk(journal.includes(secret), `the journal does not hold '${secret}'`)
    t.notOk(har.includes(secret), `the HAR does not hold '${secret}'`)
  }
  const [json, urlencoded, multipart] = mock.journal.entries()
  t.match(json.body?.text, /"password":\s*"\[redacted\]"/)
  t.match(json.body?.text, /"note":"keep me"/, 'other fields stay as sent')
  t.equal(json.headers.authorization, '[redacted]', 'journal.redact added to the defaults: Authorization is still redacted')
  t.equal(json.headers['x-custom-secret'], '[redacted]', 'and the added name is redacted')
  t.match(urlencoded.body?.text, 'client_id=app&client_secret=[redacted]&scope=read')
  t.equal(urlencoded.headers['x-doorman-admin-token'], '[redacted]', 'the admin token header is always redacted')
  t.match(multipart.body?.text, /name="username"\r\n\r\nalice/)
  t.match(multipart.body?.text, /name="password"\r\n\r\n\[redacted\]/)
})

t.test('a body cut at journal.bodyBytes is redacted too', async (t) => {
  const mock = await startMock(t, { spec: SPEC as never, config: { journal: { bodyBytes: 40 } } })
  await post(mock, JSON.stringify({ padding: 'xxxxxxxx', password: 'hunter2hunter2hunter2' }), { 'content-type': 'application/json' })
  const [entry] = await mock.journal.waitFor({ count: 1 })
  t.equal(entry.body?.truncated, true)
  t.notMatch(entry.body?.text, /hunter/, `cut mid-value: ${entry.body?.text}`)
})

t.test('journal.redactBodyFields: false keeps body fields; redactDefaults: false replaces the default names', async (t) => {
  const mock = await startMock(t, { spec: SPEC as never, config: { journal: { redactBodyFields: false, redactDefaults: false, redact: ['x-custom-secret'] } } })
  await post(mock, JSON.stringify({ password: 'hunter2' }), {
    'content-type': 'application/json',
    authorization: 'Bearer eyJ-abc',
    'x-custom-secret': 'custom-999',
    'x-doorman-admin-token': 'adm-Zq81',
  })
  const [entry] = await mock.journal.waitFor({ count: 1 })
  t.match(entry.body?.text, /hunter2/, 'the body field is kept when asked')
  t.equal(entry.headers.authorization, 'Bearer eyJ-abc', 'the defaults are replaced only when asked')
  t.equal(entry.headers['x-custom-secret'], '[redacted]')
  t.equal(entry.headers['x-doorman-admin-token'], '[redacted]', 'the admin token header even then')
})
