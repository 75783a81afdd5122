/**
 * Header parameters named Content-Type, Accept or Authorization are ignored, as OpenAPI says they
 * SHALL be (OAS 3.1 §4.8.12.1): the body's media types, the responses' and the security scheme decide
 * those headers. A request the description allows is accepted; the checks that do apply still refuse.
 */
import t from 'tap'
import { codes } from '../../src/index.js'
import { fetchJson, fixture, startMock } from '../helpers.js'

const SPEC = fixture('specs', 'real-world-cases', 'params-reserved-headers.yaml')

t.test('Content-Type, Accept and Authorization header parameters are ignored, with a note each', async (t) => {
  const mock = await startMock(t, { spec: SPEC, config: { auth: { bearer: { tokens: ['t-1'] } } } })
  for (const [index, name] of [
    [0, 'Content-Type'],
    [1, 'accept'],
    [2, 'Authorization'],
  ] as const) {
    const note = mock.notes.find((n) => n.includes(`/paths/~1reports/post/parameters/${index}:`))
    t.match(note, new RegExp(`header parameter named '${name}' is ignored, as OpenAPI says`), `a note for ${name}`)
  }
  t.equal(mock.notes.filter((n) => /X-Request-Id/.test(n)).length, 0, 'no note for an ordinary header parameter')

  const send = (headers: Record<string, string>, body = '{"title":"Q3"}') =>
    fetchJson(`${mock.url}/reports`, { method: 'POST', headers: { 'x-request-id': 'req-00042', ...headers }, body })
  const valid = { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer t-1' }

  t.test('a request the description allows is accepted, whatever the enums and patterns on those three say', async (t) => {
    const ok = await send(valid)
    t.equal(ok.status, 201, JSON.stringify(ok.body))
    t.same(ok.body, { id: 1, title: 'Quarterly' }, 'the documented example')
    const noAccept = await send({ 'content-type': 'application/json', authorization: 'Bearer t-1' })
    t.equal(noAccept.status, 201, "an absent Accept is not a missing 'required' parameter")
  })

  t.test('what does apply still refuses', async (t) => {
    const noId = await send({ ...valid, 'x-request-id': '' })
    t.equal(noId.status, 400)
    t.equal(noId.body.code, codes.PARAMETER_INVALID)
    t.same(
      noId.body.errors.map((e: { pointer: string }) => e.pointer),
      ['/x-request-id'],
      'only the ordinary header parameter is reported',
    )

    const noToken = await send({ 'content-type': 'application/json' })
    t.equal(noToken.status, 401, 'the security scheme decides Authorization')
    t.equal(noToken.body.code, codes.AUTH_MISSING)

    const wrongType = await send({ ...valid, 'content-type': 'text/plain' })
    t.equal(wrongType.status, 415, "the requestBody's media types decide Content-Type")

    const html = await send({ ...valid, accept: 'text/html' })
    t.equal(html.status, 406, "the responses' media types decide Accept")
    t.equal(html.body.code, codes.NOT_ACCEPTABLE)
  })
})
