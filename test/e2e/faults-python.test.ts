/**
 * Each fault kind against Python `requests`, a short script per kind,
 * asserting the exception issue 5's table says a Python client gets.
 */
import t from 'tap'
import { hasPythonRequests, run, startMock } from '../helpers.js'

const skip = (await hasPythonRequests()) ? false : 'python3 with requests not installed'

/** Shared by every script: the mock's URL in `url`, `report(**facts)` prints one JSON line. */
const PRELUDE = `
import json, sys, time, requests
url = sys.argv[1]
def report(**facts):
    print(json.dumps(facts))
def caught(call):
    try:
        call()
    except Exception as e:
        return {'error': type(e).__name__, 'message': str(e)}
    return {'error': None, 'message': ''}
`

async function python(script: string, url: string): Promise<Record<string, unknown>> {
  const { code, stdout, stderr } = await run('python3', ['-c', PRELUDE + script, url])
  if (code !== 0) throw new Error(`python3 exited with ${code}: ${stderr}`)
  return JSON.parse(stdout.trim().split('\n').at(-1)!)
}

t.test('python requests against each fault', { skip }, async (t) => {
  const mock = await startMock(t)

  t.test('delay: a slow answer, or ReadTimeout', async (t) => {
    const seen = await python(
      `
start = time.monotonic()
r = requests.get(url + '/health', headers={'Prefer': 'delay=300'})
report(status=r.status_code, seconds=time.monotonic() - start,
       slow=caught(lambda: requests.get(url + '/health', headers={'Prefer': 'delay=2000'}, timeout=0.3)))
`,
      mock.url,
    )
    t.equal(seen.status, 200)
    t.ok((seen.seconds as number) >= 0.29)
    t.match(seen.slow, { error: 'ReadTimeout' })
  })

  t.test('status: HTTPError on raise_for_status()', async (t) => {
    const seen = await python(
      `
r = requests.get(url + '/health', headers={'Prefer': 'code=503, retry-after=1'})
report(status=r.status_code, retry_after=r.headers.get('Retry-After'), code=r.json()['code'], raised=caught(r.raise_for_status))
`,
      mock.url,
    )
    t.match(seen, { status: 503, retry_after: '1', code: 'FAULT_STATUS', raised: { error: 'HTTPError', message: /503 Server Error/ } })
  })

  t.test('hang: ReadTimeout, and the journal sees the client give up', async (t) => {
    mock.journal.clear()
    const seen = await python(`report(**caught(lambda: requests.get(url + '/orders/o-1001', headers={'Prefer': 'fault=hang'}, timeout=0.5)))`, mock.url)
    t.match(seen, { error: 'ReadTimeout' })
    const [entry] = await mock.journal.waitFor({ operation: 'getOrder' })
    t.ok(entry.clientGaveUpMs! >= 450 && entry.clientGaveUpMs! < 1500, `gave up after ~500 ms (${entry.clientGaveUpMs})`)
  })

  t.test('reset: ConnectionError, reset by peer', async (t) => {
    const seen = await python(`report(**caught(lambda: requests.get(url + '/health', headers={'Prefer': 'fault=reset'})))`, mock.url)
    t.match(seen, { error: 'ConnectionError', message: /ConnectionResetError\(104, 'Connection reset by peer'\)/ })
  })

  t.test('close: ConnectionError, RemoteDisconnected', async (t) => {
    const seen = await python(`report(**caught(lambda: requests.get(url + '/health', headers={'Prefer': 'fault=close'})))`, mock.url)
    t.match(seen, { error: 'ConnectionError', message: /RemoteDisconnected\('Remote end closed connection without response'\)/ })
  })

  t.test('partial: ChunkedEncodingError, IncompleteRead', async (t) => {
    const seen = await python(`report(**caught(lambda: requests.get(url + '/orders/o-1001', headers={'Prefer': 'fault=partial'})))`, mock.url)
    t.match(seen, { error: 'ChunkedEncodingError', message: /IncompleteRead\(\d+ bytes read, \d+ more expected\)/ })
  })

  t.test('garbage: ConnectionError, BadStatusLine', async (t) => {
    const seen = await python(`report(**caught(lambda: requests.get(url + '/health', headers={'Prefer': 'fault=garbage'})))`, mock.url)
    t.match(seen, { error: 'ConnectionError', message: /BadStatusLine/ })
  })

  t.test('drip: a slow body, and read timeouts between chunks', async (t) => {
    mock.faults.add({ operation: 'getOrder', kind: 'drip', chunkBytes: 40, intervalMs: 60 })
    const seen = await python(
      `
start = time.monotonic()
r = requests.get(url + '/orders/o-1001')
report(status=r.status_code, id=r.json()['id'], seconds=time.monotonic() - start,
       impatient=caught(lambda: requests.get(url + '/orders/o-1001', timeout=(1, 0.02))))
`,
      mock.url,
    )
    t.match(seen, { status: 200, id: 'o-1001' })
    t.ok((seen.seconds as number) >= 0.2, `the body took its time (${String(seen.seconds)} s)`)
    t.match(seen.impatient, { error: 'ConnectionError', message: /Read timed out/ })
    mock.faults.clear()
  })
})
