/**
 * Random requests over real sockets, thrown at the library server: the
 * server never crashes, never answers 5xx (no fault is asked for: Prefer
 * faults are off), and every refusal is problem+json with a catalog code.
 * Seeded and bounded, so a failure repeats and the file stays fast.
 */
import { createHmac } from 'node:crypto'
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib'
import fc from 'fast-check'
import t from 'tap'
import { codes, type DoormanConfig, type DoormanServer } from '../../src/index.js'
import { DEFAULT_SPEC, fixture, startMock } from '../helpers.js'
import { captureStderr, exchange, judge, parseWire, serialize, type WireRequest, type WireResponse } from './wire.js'

// Fixed, so a failure repeats; DOORMAN_FC_SEED / DOORMAN_FC_RUNS (a multiplier) explore further by hand.
const SEED = Number(process.env.DOORMAN_FC_SEED ?? 20260507)
const RUNS = Number(process.env.DOORMAN_FC_RUNS ?? 1)
t.setTimeout(120_000)

// Configured secrets: no answer may ever show one of them.
const JWT_SECRET = 'adv-jwt-secret-5f1c9e0b'
const API_KEY = 'adv-api-key-77d0a2c3'
const BASIC_PASSWORD = 'adv-basic-pw-c41b8f6e'
const SECRETS = [JWT_SECRET, API_KEY, BASIC_PASSWORD]

const COMMON: DoormanConfig = {
  // The only 5xx allowed is one a fault asked for: with Prefer faults off, `Prefer: code=500` is just a preference.
  faults: { preferHeader: false },
  journal: { size: 200 },
  limits: { bodyIdleTimeoutMs: 2000, lingerMs: 2000 },
}
const ORDERS_CONFIG: DoormanConfig = {
  ...COMMON,
  auth: { bearer: { jwt: { secret: JWT_SECRET } }, apiKeys: { apiKeyAuth: [API_KEY] }, basic: { alice: BASIC_PASSWORD } },
}
const RULES_CONFIG: DoormanConfig = { ...COMMON, auth: { bearer: { jwt: { secret: JWT_SECRET } } } }

// ---- bodies -------------------------------------------------------------------------------------

const DEEP_ARRAYS = '['.repeat(10_000) + ']'.repeat(10_000)
const DEEP_OBJECTS = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)
const HOSTILE_BODIES: Record<string, string | Buffer> = {
  'deep arrays (10k)': DEEP_ARRAYS,
  'deep objects (10k)': DEEP_OBJECTS,
  'deep arrays, unclosed': '['.repeat(10_000),
  'deep objects, unclosed': '{"a":'.repeat(10_000),
  'huge number': '1e999999',
  'huge number inside': '{"customerId":"c-123","items":[{"sku":"ABC-1234","qty":1e999999}],"name":"x","parts":[{"qty":1e999999}]}',
  'huge integer literal': '9'.repeat(400),
  'negative huge number': '[-1e400]',
  'long string': JSON.stringify({ customerId: 'c-1' + '2'.repeat(200_000), name: 'x'.repeat(200_000), items: [] }),
  'invalid UTF-8': Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc0, 0xaf, 0x22, 0x7d]),
  'lone surrogate escape': '{"name":"\\ud800","parts":[{"qty":1}]}',
  __proto__: '{"__proto__":{"polluted":true},"customerId":"c-123","items":[{"sku":"ABC-1234","qty":1}]}',
  'constructor.prototype': '{"constructor":{"prototype":{"polluted":true}}}',
  'prototype key alone': '{"prototype":{"x":1},"customerId":"c-123","items":[{"sku":"ABC-1234","qty":1}]}',
  'NUL bytes': Buffer.from('{"name":"a\u0000b"}\u0000', 'utf8'),
  BOM: '\uFEFF{"customerId":"c-123","items":[{"sku":"ABC-1234","qty":1}]}',
  empty: '',
}

const validOrder = fc.record({
  customerId: fc.stringMatching(/^c-[0-9]{3,6}$/),
  items: fc.array(
    fc.record({
      sku: fc.stringMatching(/^[A-Z]{3}-[0-9]{4}$/),
      qty: fc.integer({ min: 1, max: 999 }),
      unitPrice: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: undefined }),
    }),
    { minLength: 1, maxLength: 5 },
  ),
  currency: fc.option(fc.constantFrom('EUR', 'USD', 'GBP'), { nil: undefined }),
  note: fc.option(fc.string({ maxLength: 50 }), { nil: undefined }),
})
const validThing = fc.record({
  name: fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme-ascii' }),
  parts: fc.array(fc.record({ qty: fc.integer({ min: 1, max: 1000 }) }), { minLength: 1, maxLength: 4 }),
  kind: fc.option(fc.constantFrom('small', 'large'), { nil: undefined }),
})

/** Valid JSON with one edit: a dropped, doubled or swapped character, or a trailing comma. */
function nearValid(json: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(json, fc.nat(), fc.constantFrom('drop', 'double', 'comma', 'quote', 'truncate')).map(([text, n, edit]) => {
    const i = text.length === 0 ? 0 : n % text.length
    switch (edit) {
      case 'drop':
        return text.slice(0, i) + text.slice(i + 1)
      case 'double':
        return text.slice(0, i) + text[i] + text.slice(i)
      case 'comma':
        return text.replace(/([}\]])$/, ',$1')
      case 'quote':
        return text.replaceAll('"', "'")
      default:
        return text.slice(0, i)
    }
  })
}

const jsonText = fc.oneof(validOrder, validThing).map((v) => JSON.stringify(v))
const body: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 2, arbitrary: fc.constant(undefined) },
  { weight: 3, arbitrary: jsonText.map((s) => Buffer.from(s)) },
  { weight: 2, arbitrary: nearValid(jsonText).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) },
  { weight: 3, arbitrary: fc.constantFrom(...Object.values(HOSTILE_BODIES)).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }).map((s) => Buffer.from(`name=${encodeURIComponent(s)}&count=2&tags=a&tags=b`)) },
)

// ---- headers ------------------------------------------------------------------------------------

const CONTENT_TYPES = [
  // valid
  'application/json',
  'application/json; charset=utf-8',
  'application/merge-patch+json',
  'application/vnd.acme+json',
  'text/plain',
  'text/plain; charset=utf-8',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  'image/png',
  // near-valid
  'application/jsn',
  'aplication/json',
  'application/json;',
  'application/json; charset=utf-16',
  'APPLICATION/JSON',
  'application/json ; charset="UTF-8"',
  'text/json',
  'json',
  'application/json; charset=',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'text/plain; charset=klingon',
  // garbage
  '',
  ';;;',
  '/',
  '*/*',
  'a/b/c',
  '\t',
  // huge parameters
  'application/json; ' + 'a=b; '.repeat(2000),
  'application/json; charset=' + 'x'.repeat(10_000),
  'multipart/form-data; boundary=' + '-'.repeat(5000),
]
const contentType = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }) },
)
const contentEncoding = fc.constantFrom(
  'gzip',
  'deflate',
  'br',
  'identity',
  'x-gzip',
  'gzip, gzip',
  'compress',
  'zstd',
  'gzip, br, deflate',
  'GZIP',
  ',,,',
  'gzip;q=1',
)

const token = (server: DoormanServer, claims: Record<string, unknown>, expiresIn: string | number = '5m') => server.tokens.sign(claims, { expiresIn })

/** A date claim as JSON text: sensible, absurd (1e999 reads as Infinity), or not a number at all. */
const dateClaim = fc.oneof(
  fc.integer({ min: -3600, max: 3600 }).map((delta) => String(Math.floor(Date.now() / 1000) + delta)),
  fc.constantFrom('1e308', '-1e308', '1e999', '-1e999', '8640000000001', '0', '-1', '1.5', '"tomorrow"', 'null', '{}', '[]', 'true'),
)
/** JWTs with chosen claims, signed with the configured secret (or another, or none): the claims are what is under attack. */
const craftedToken = fc
  .record({
    alg: fc.constantFrom('HS256', 'HS256', 'HS256', 'HS512', 'none', 'RS256', ''),
    kid: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }),
    exp: fc.option(dateClaim, { nil: undefined }),
    nbf: fc.option(dateClaim, { nil: undefined }),
    iat: fc.option(dateClaim, { nil: undefined }),
    scope: fc.oneof(
      fc.constantFrom('"orders:write"', '"orders:read"', '["orders:write"]', '""', '5', '{"__proto__":1}', '"' + 'x '.repeat(2000) + '"'),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
    ),
    other: fc.dictionary(
      fc.constantFrom('iss', 'aud', 'sub', '__proto__', 'constructor', 'scp'),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? 'null'),
      { maxKeys: 3 },
    ),
    key: fc.constantFrom(JWT_SECRET, JWT_SECRET, 'not-the-secret'),
  })
  .map((c) => {
    const header = JSON.stringify({ alg: c.alg, typ: 'JWT', ...(c.kid === undefined ? {} : { kid: c.kid }) })
    const claims = { exp: c.exp, nbf: c.nbf, iat: c.iat, scope: c.scope, ...c.other }
    // Written by hand: JSON.stringify cannot write 1e999.
    const payload = `{${Object.entries(claims)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${v}`)
      .join(',')}}`
    const data = `${Buffer.from(header).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`
    const signature =
      c.alg === 'none'
        ? ''
        : createHmac(c.alg === 'HS512' ? 'sha512' : 'sha256', c.key)
            .update(data)
            .digest('base64url')
    return `${data}.${signature}`
  })

function credentials(server: DoormanServer): fc.Arbitrary<Array<[string, string]>> {
  const bearer = (t: string) => [['Authorization', `Bearer ${t}`]] as Array<[string, string]>
  const good = token(server, { sub: 'alice', scope: 'orders:write orders:read' })
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant([] as Array<[string, string]>) },
    { weight: 12, arbitrary: fc.constant(bearer(good)) },
    { weight: 6, arbitrary: craftedToken.map(bearer) },
    fc.constant(bearer(token(server, { sub: 'bob', scope: 'orders:read' }))),
    fc.constant(bearer(token(server, { sub: 'eve' }, -60))),
    fc.constant(bearer(good.slice(0, -3) + 'abc')),
    fc.constant(bearer('eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.')),
    fc.string({ unit: 'grapheme-ascii', maxLength: 80 }).map(bearer),
    fc.constant([['Authorization', 'Bearer']] as Array<[string, string]>),
    fc.constant([['Authorization', `Basic ${Buffer.from(`alice:${BASIC_PASSWORD}`).toString('base64')}`]] as Array<[string, string]>),
    fc.constant([['Authorization', `Basic ${Buffer.from('alice:wrong').toString('base64')}`]] as Array<[string, string]>),
    fc.constant([['Authorization', 'Basic !!!notbase64']] as Array<[string, string]>),
    fc.constant([['X-API-Key', API_KEY]] as Array<[string, string]>),
    fc.constant([['X-API-Key', 'adv-api-key-77d0a2c4']] as Array<[string, string]>),
    fc.constant([['X-API-Key', '']] as Array<[string, string]>),
  )
}

const headerName = fc
  .stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/)
  .filter((n) => !/^(host|content-length|transfer-encoding|connection|upgrade|expect)$/i.test(n))
const randomHeader: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(headerName, fc.string({ unit: 'grapheme-ascii', maxLength: 40 })) },
  {
    weight: 3,
    arbitrary: fc.tuple(
      fc.constantFrom('Accept', 'Prefer', 'Cookie', 'X-Trace-Id', 'Idempotency-Key', 'Accept-Encoding'),
      fc.string({ unit: 'grapheme-ascii', maxLength: 60 }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constant('Prefer'),
      fc.constantFrom(
        'code=500',
        'code=503, retry-after=1',
        'fault=reset',
        'fault=hang',
        'delay=10',
        'code=404',
        'code=400',
        'example=nope',
        'example=created',
        'code=999',
        'respond-async, wait=5',
      ),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(
      fc.constant('Accept'),
      fc.constantFrom('*/*', 'application/xml', 'text/html', 'application/json;q=0', 'nope', ';;,,q=', 'application/*'),
    ),
  },
  { weight: 2, arbitrary: fc.tuple(fc.constant('X-Trace-Id'), fc.constantFrom('00000000-0000-4000-8000-000000000000', 'not-a-uuid')) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('Cookie'), fc.constantFrom('session=abcd', 'session=%', 'session=a', '%%%%;;;=')) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('Expect'), fc.constantFrom('100-continue', 'nothing')) },
  // a header value over the 16 KiB header limit
  { weight: 1, arbitrary: fc.constant(['X-Big', 'b'.repeat(20_000)] as [string, string]) },
)

// ---- methods, paths and operations -------------------------------------------------------------

const ODD_METHODS = fc.constantFrom(
  'HEAD',
  'OPTIONS',
  'TRACE',
  'QUERY',
  'GET',
  'POST',
  'DELETE',
  'PROPFIND',
  'SEARCH',
  'MKCOL',
  'LOCK',
  'PURGE',
  'FOO',
  'get',
  'CONNECT',
)
const hostileSegment = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom('..', '.', '%00', '%2F', '%2e%2e', '%', '%zz', '%ff', '__doorman', '__proto__', 'constructor', '', '*', '?', '#', ' '),
  },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 3 }) }, // raw, not percent-encoded
  { weight: 1, arbitrary: fc.integer({ min: 900, max: 6000 }).map((n) => 'a'.repeat(n)) },
)
const query = fc.array(
  fc.tuple(
    fc.constantFrom(
      'limit',
      'status',
      'tags',
      'expand',
      'q',
      'ids',
      'tag',
      'words',
      'pipes',
      'filter[status]',
      'filter[min]',
      'active',
      'json',
      'access_token',
      'api_key',
      '__proto__',
      '%zz',
    ),
    fc.oneof(
      fc.string({ unit: 'grapheme-ascii', maxLength: 20 }).map(encodeURIComponent),
      fc.constantFrom('5', '-1', '1e999', 'true', 'a,b', 'a%20b', 'open', '%7B%22x%22%3A1%7D', '[[[[', '%5B'.repeat(2000), 'a'.repeat(3000)),
    ),
  ),
  { maxLength: 4 },
)

type BodyKind = 'order' | 'patch' | 'thing' | 'name-patch' | 'json' | 'text' | 'form' | 'multipart' | 'bytes'

/** One documented operation: what a well-behaved client would send to it. */
interface Op {
  method: string
  template: string
  /** Values that fit the path parameters. */
  good: string[]
  type?: string
  kind?: BodyKind
}

const ORDERS_OPS: Op[] = [
  { method: 'GET', template: '/health', good: [] },
  { method: 'POST', template: '/orders', good: [], type: 'application/json', kind: 'order' },
  { method: 'GET', template: '/orders', good: [] },
  { method: 'GET', template: '/orders/mine', good: [] },
  { method: 'GET', template: '/orders/{orderId}', good: ['o-1001', 'o-7'] },
  { method: 'PUT', template: '/orders/{orderId}', good: ['o-1001'], type: 'application/json', kind: 'order' },
  { method: 'PATCH', template: '/orders/{orderId}', good: ['o-1001'], type: 'application/merge-patch+json', kind: 'patch' },
  { method: 'DELETE', template: '/orders/{orderId}', good: ['o-1001'] },
  { method: 'POST', template: '/orders/{orderId}/attachments', good: ['o-1001'], type: 'multipart/form-data; boundary=xyz', kind: 'multipart' },
  { method: 'POST', template: '/orders/{orderId}/attachments', good: ['o-1001'], type: 'application/x-www-form-urlencoded', kind: 'form' },
  { method: 'POST', template: '/feedback', good: [], type: 'text/plain', kind: 'text' },
  { method: 'GET', template: '/__doorman/health', good: [] },
  { method: 'GET', template: '/__doorman/problems/{code}', good: ['BODY_INVALID', 'NOPE'] },
]
const RULES_OPS: Op[] = [
  { method: 'POST', template: '/things', good: [], type: 'application/json', kind: 'thing' },
  { method: 'POST', template: '/things', good: [], type: 'application/vnd.acme+json', kind: 'thing' },
  { method: 'PATCH', template: '/things/{id}', good: ['7'], type: 'application/merge-patch+json', kind: 'name-patch' },
  { method: 'PUT', template: '/things/{id}', good: ['7'], type: 'application/json', kind: 'thing' },
  { method: 'DELETE', template: '/things/{id}', good: ['7', '0', 'abc'] },
  { method: 'POST', template: '/small', good: [], type: 'application/json', kind: 'json' },
  { method: 'POST', template: '/any', good: [], type: 'application/json', kind: 'json' },
  { method: 'POST', template: '/any', good: [], type: 'text/csv', kind: 'text' },
  { method: 'POST', template: '/note', good: [], type: 'text/plain', kind: 'text' },
  { method: 'POST', template: '/blob', good: [], type: 'application/octet-stream', kind: 'bytes' },
  { method: 'POST', template: '/form', good: [], type: 'application/x-www-form-urlencoded', kind: 'form' },
  { method: 'POST', template: '/form', good: [], type: 'multipart/form-data; boundary=xyz', kind: 'multipart' },
  { method: 'GET', template: '/search', good: [] },
  { method: 'GET', template: '/cells/{coords}', good: ['1,2', '1,x'] },
  { method: 'GET', template: '/label/{values}', good: ['.1.2', '.a'] },
  { method: 'GET', template: '/matrix/{point}', good: [';x=1;y=2', ';x=a'] },
]

function multipart(fileType: string, file: Uint8Array, description: string): Buffer {
  return Buffer.concat([
    Buffer.from(`--xyz\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nContent-Type: ${fileType}\r\n\r\n`),
    Buffer.from(file),
    Buffer.from(
      `\r\n--xyz\r\nContent-Disposition: form-data; name="description"\r\n\r\n${description}\r\n--xyz\r\nContent-Disposition: form-data; name="count"\r\n\r\n3\r\n--xyz--\r\n`,
    ),
  ])
}

/** A body of the kind the operation documents: valid, or near it. */
function bodyFor(kind: BodyKind): fc.Arbitrary<Buffer> {
  const json = (value: fc.Arbitrary<unknown>) => value.map((v) => JSON.stringify(v))
  const fromJson = (text: fc.Arbitrary<string>) =>
    fc.oneof({ weight: 3, arbitrary: text }, { weight: 2, arbitrary: nearValid(text) }).map((t) => Buffer.from(t))
  switch (kind) {
    case 'order':
      return fromJson(json(validOrder))
    case 'thing':
      return fromJson(json(validThing))
    case 'patch':
      return fromJson(
        json(
          fc.record({
            status: fc.option(fc.constantFrom('pending', 'shipped', 'cancelled', 'lost'), { nil: undefined }),
            note: fc.option(fc.string({ maxLength: 250 }), { nil: undefined }),
          }),
        ),
      )
    case 'name-patch':
      return fromJson(json(fc.record({ name: fc.option(fc.string({ maxLength: 14 }), { nil: undefined }) })))
    case 'json':
      return fromJson(json(fc.jsonValue({ maxDepth: 4 })))
    case 'text':
      return fc.string({ unit: 'grapheme', maxLength: 40 }).map((t) => Buffer.from(t))
    case 'form':
      return fc
        .tuple(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.constantFrom('2', '0', 'x'), fc.constantFrom('https://example.com/a', 'not a url'))
        .map(([name, count, url]) => Buffer.from(`name=${encodeURIComponent(name)}&count=${count}&tags=a&tags=b&url=${encodeURIComponent(url)}`))
    case 'multipart':
      return fc
        .tuple(
          fc.constantFrom('image/png', 'application/pdf', 'text/html'),
          fc.uint8Array({ maxLength: 80 }),
          fc.string({ unit: 'grapheme-ascii', maxLength: 14 }),
          fc.nat({ max: 400 }),
          fc.boolean(),
        )
        .map(([type, file, description, cut, truncate]) => {
          const whole = multipart(type, file, description.replace(/[\r\n]/g, ''))
          return truncate ? whole.subarray(0, cut % whole.length) : whole
        })
    case 'bytes':
      return fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a))
  }
}

/**
 * Starts from a documented operation and a well-formed request to it, then
 * changes parts of it at random (method, path values, query, credentials,
 * media type, encoding, body, headers), so that every step of the pipeline
 * gets requests that pass the steps before it and break it.
 */
function requestArbitrary(server: DoormanServer, ops: Op[]): fc.Arbitrary<WireRequest> {
  return fc
    .constantFrom(...ops)
    .chain((op) => {
      const value = fc.oneof(
        { weight: 4, arbitrary: op.good.length ? fc.constantFrom(...op.good) : fc.constant('x') },
        { weight: 1, arbitrary: hostileSegment },
      )
      const path = fc.oneof(
        { weight: 6, arbitrary: fc.array(value, { minLength: 2, maxLength: 2 }).map((values) => op.template.replace(/\{[^}]+\}/g, () => values.shift()!)) },
        { weight: 1, arbitrary: fc.array(fc.oneof(fc.constant(op.template.split('/')[1]), hostileSegment), { maxLength: 4 }).map((s) => '/' + s.join('/')) },
      )
      const goodBody = op.kind ? fc.option(bodyFor(op.kind), { nil: undefined, freq: 8 }) : fc.constant(undefined)
      return fc.record({
        method: fc.oneof({ weight: 6, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: ODD_METHODS }),
        target: fc.tuple(path, query).map(([p, pairs]) => p + (pairs.length ? '?' + pairs.map(([k, v]) => `${k}=${v}`).join('&') : '')),
        auth: credentials(server),
        contentType: op.type
          ? fc.oneof({ weight: 3, arbitrary: fc.constant(op.type) }, { weight: 2, arbitrary: fc.option(contentType, { nil: undefined }) })
          : fc.option(contentType, { nil: undefined, freq: 4 }),
        encoding: fc.option(contentEncoding, { nil: undefined, freq: 4 }),
        compress: fc.boolean(),
        headers: fc.array(randomHeader, { maxLength: 2 }),
        body: fc.oneof({ weight: 3, arbitrary: goodBody }, { weight: 2, arbitrary: body }),
        chunked: fc.boolean(),
      })
    })
    .map((r) => {
      const headers: Array<[string, string]> = [...r.auth, ...r.headers]
      if (r.contentType !== undefined) headers.push(['Content-Type', r.contentType])
      let bytes = r.body
      if (r.encoding !== undefined) {
        headers.push(['Content-Encoding', r.encoding])
        if (bytes !== undefined && r.compress) bytes = compress(r.encoding, bytes)
      }
      return { method: r.method, target: r.target, headers, body: bytes, chunked: r.chunked && bytes !== undefined }
    })
}

function compress(encoding: string, bytes: Buffer): Buffer {
  const coding = encoding.toLowerCase()
  if (coding === 'gzip' || coding === 'x-gzip') return gzipSync(bytes)
  if (coding === 'deflate') return deflateSync(bytes)
  if (coding === 'br') return brotliCompressSync(bytes)
  return bytes
}

// ---- the properties -----------------------------------------------------------------------------

/** Every answer the properties saw, for the secrets check at the end. */
const answers: WireResponse[] = []

async function send(server: DoormanServer, request: WireRequest): Promise<WireResponse | undefined> {
  const { raw, timedOut } = await exchange(server.url, serialize(request, new URL(server.url).host))
  if (timedOut) throw new Error(`no answer within 10 s to ${request.method} ${request.target.slice(0, 80)}`)
  const response = parseWire(raw)
  if (response) answers.push(response)
  return response
}

function describe(request: WireRequest): string {
  const body = request.body === undefined ? 'no body' : `${request.body.length}-byte body ${JSON.stringify(request.body.subarray(0, 60).toString('latin1'))}`
  const headers = request.headers.map(([n, v]) => `${n}: ${v.length > 60 ? v.slice(0, 60) + '…' : v}`).join(' | ')
  return `${request.method} ${request.target.slice(0, 100)} [${headers}] ${body}${request.chunked ? ' (chunked)' : ''}`
}

const stderr = captureStderr()
t.teardown(() => stderr.restore())

for (const { name, spec, config, ops, runs } of [
  { name: 'openapi.yaml', spec: DEFAULT_SPEC, config: ORDERS_CONFIG, ops: ORDERS_OPS, runs: 1500 },
  { name: 'rules.yaml', spec: fixture('specs', 'rules.yaml'), config: RULES_CONFIG, ops: RULES_OPS, runs: 1500 },
]) {
  t.test(`random requests to ${name}: no crash, no 5xx, every refusal a catalog problem`, async (t) => {
    const server = await startMock(t, { spec, config })
    await fc.assert(
      fc.asyncProperty(requestArbitrary(server, ops), async (request) => {
        const response = await send(server, request)
        const wrong = judge(response, request.method)
        if (wrong) throw new Error(`${wrong}\n  request: ${describe(request)}`)
      }),
      { seed: SEED, numRuns: Math.round(runs * RUNS), endOnFailure: true, includeErrorInReport: true },
    )
    t.comment(`${server.journal.entries().at(-1)?.requestId ?? 'no'} requests reached fastify`)
    const seen = new Map<string, number>()
    for (const entry of server.journal.entries())
      seen.set(`${entry.status} ${entry.code ?? ''}`.trim(), (seen.get(`${entry.status} ${entry.code ?? ''}`.trim()) ?? 0) + 1)
    t.comment(`last ${server.journal.size} answers: ${[...seen].map(([k, n]) => `${k} ×${n}`).join(', ')}`)
    // Still up and serving.
    const health = await fetch(`${server.url}/__doorman/health`)
    t.equal(health.status, 200, 'the server still answers')
    t.ok(server.journal.size > 0, 'and journaled what it answered')
  })
}

t.test('every hostile body, to every operation that takes JSON: a 4xx problem, never a crash', async (t) => {
  const server = await startMock(t, { spec: fixture('specs', 'rules.yaml'), config: RULES_CONFIG })
  const targets = [
    ['POST', '/things', 'application/json'],
    ['PATCH', '/things/7', 'application/merge-patch+json'],
    ['PUT', '/things/7', 'application/json'],
    ['POST', '/any', 'application/json'],
    ['POST', '/small', 'application/json'],
  ] as const
  for (const [what, bytes] of Object.entries(HOSTILE_BODIES)) {
    for (const [method, path, type] of targets) {
      const request: WireRequest = { method, target: path, headers: [['Content-Type', type]], body: Buffer.from(bytes) }
      const response = await send(server, request)
      t.notOk(judge(response, method), `${what} → ${method} ${path}: ${response?.status} ${JSON.parse(response?.body || '{}').code ?? ''}`)
    }
  }
  const deep = await send(server, { method: 'POST', target: '/things', headers: [['Content-Type', 'application/json']], body: Buffer.from(DEEP_OBJECTS) })
  t.equal(JSON.parse(deep!.body).code, codes.BODY_TOO_DEEP, '10k nested objects: BODY_TOO_DEEP')
  const arrays = await send(server, { method: 'POST', target: '/any', headers: [['Content-Type', 'application/json']], body: Buffer.from(DEEP_ARRAYS) })
  t.equal(JSON.parse(arrays!.body).code, codes.BODY_TOO_DEEP, '10k nested arrays: BODY_TOO_DEEP')
  for (const [text, pointer] of [
    ['1e999999', 'its root'],
    ['{"a":[1,2,-1e400]}', '/a/2'],
    [`{"n":${'9'.repeat(400)}}`, '/n'],
  ]) {
    const huge = await send(server, { method: 'POST', target: '/small', headers: [['Content-Type', 'application/json']], body: Buffer.from(text) })
    t.equal(huge!.status, 400, `${text.slice(0, 20)}: a number no 64-bit float holds is refused`)
    t.equal(JSON.parse(huge!.body).code, codes.BODY_MALFORMED)
    t.match(JSON.parse(huge!.body).detail, `at ${pointer}`, 'the detail says where')
  }
  // A body of many bad items: errors collected up to 1,000 (the event-loop budget, docs/security.md), 100 described.
  const many = await send(server, {
    method: 'POST',
    target: '/things',
    headers: [['Content-Type', 'application/json']],
    body: Buffer.from(`{"name":"a","parts":[${Array(50_000).fill('{"qty":0}').join(',')}]}`),
  })
  const manyProblem = JSON.parse(many!.body)
  t.equal(many!.status, 422)
  t.equal(manyProblem.errors.length, 100, '100 errors listed')
  t.equal(manyProblem.errorCount, 1000, 'errorCount says how many were collected')
  t.equal(manyProblem.errorsStopped, true, 'and that collection stopped there')
  t.ok(many!.body.length < 50_000, `the answer stays small (${many!.body.length} bytes for a 450 KB body)`)
  // Every content coding is a decompressor in a chain: a header naming thousands is refused before one is built.
  const stacked = await send(server, {
    method: 'POST',
    target: '/note',
    headers: [
      ['Content-Type', 'text/plain'],
      ['Content-Encoding', Array(2500).fill('gzip').join(',')],
    ],
    body: Buffer.from('abc'),
  })
  t.equal(stacked!.status, 415, '2500 stacked gzip codings: 415')
  t.equal(JSON.parse(stacked!.body).code, codes.CONTENT_ENCODING_UNSUPPORTED)
  const twice = await send(server, {
    method: 'POST',
    target: '/note',
    headers: [
      ['Content-Type', 'text/plain'],
      ['Content-Encoding', 'gzip, br'],
    ],
    body: brotliCompressSync(gzipSync('hello')),
  })
  t.equal(twice!.status, 200, 'two real codings still decode')
  const fine = await send(server, {
    method: 'POST',
    target: '/small',
    headers: [['Content-Type', 'application/json']],
    body: Buffer.from('{"id":"3e456789-aaaa","n":1e308, "m": [1E+300]}'),
  })
  t.equal(fine!.status, 200, 'large but finite numbers, and exponent-like text in strings, pass')
})

t.test('a signed token whose dates no calendar holds: 401 TOKEN_INVALID, with a secret configured or none', async (t) => {
  const sign = (secret: string, payload: string) => {
    const data = `${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(payload).toString('base64url')}`
    return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`
  }
  const exp = Math.floor(Date.now() / 1000) + 600
  for (const [name, options] of [
    ['auth.bearer.jwt.secret', { config: ORDERS_CONFIG }],
    ['no config (signatures unchecked)', {}],
  ] as const) {
    const server = await startMock(t, { spec: DEFAULT_SPEC, ...options })
    for (const payload of [
      `{"exp":${exp},"nbf":1e308}`,
      '{"exp":-1e308}',
      '{"exp":1e999}',
      `{"exp":${exp},"iat":"yesterday"}`,
      `{"exp":${exp},"nbf":-8640000000001}`,
    ]) {
      const response = await send(server, { method: 'GET', target: '/orders', headers: [['Authorization', `Bearer ${sign(JWT_SECRET, payload)}`]] })
      t.equal(response?.status, 401, `${name}: ${payload}`)
      t.equal(response && JSON.parse(response.body).code, codes.TOKEN_INVALID)
    }
  }
})

t.test('valid requests get their documented 2xx', async (t) => {
  const server = await startMock(t, { spec: DEFAULT_SPEC, config: ORDERS_CONFIG })
  const writer = token(server, { sub: 'alice', scope: 'orders:write' })
  await fc.assert(
    fc.asyncProperty(
      validOrder,
      fc.boolean(),
      fc.constantFrom('application/json', 'application/json; charset=utf-8', 'Application/JSON'),
      async (order, chunked, type) => {
        const request: WireRequest = {
          method: 'POST',
          target: '/orders',
          headers: [
            ['Authorization', `Bearer ${writer}`],
            ['Content-Type', type],
          ],
          body: Buffer.from(JSON.stringify(order)),
          chunked,
        }
        const response = await send(server, request)
        if (response?.status !== 201) throw new Error(`expected 201, got ${response?.status} ${response?.body}\n  request: ${describe(request)}`)
      },
    ),
    { seed: SEED, numRuns: Math.round(100 * RUNS) },
  )
  t.pass('every valid order was created')
})

t.test('no answer shows a configured secret, and doorman reported no bug of its own', async (t) => {
  t.ok(answers.length > 500, `${answers.length} answers looked at`)
  for (const secret of SECRETS) {
    const leaks = answers.filter((a) => a.body.includes(secret) || Object.values(a.headers).some((v) => v.includes(secret)))
    t.equal(leaks.length, 0, `no answer carries ${secret.slice(0, 12)}…${leaks[0] ? `: ${leaks[0].body.slice(0, 200)}` : ''}`)
  }
  const bugs = stderr.lines().filter((line) => /internal error|unexpected error/.test(line))
  t.same(bugs, [], 'nothing on stderr about an internal error')
})
