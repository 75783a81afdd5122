/**
 * The TLS modes as people's clients see them, against `doorman serve --tls
 * --tls-modes all`: Python `requests` (verify= the CA: an SSLError with the
 * reason; verify=False: answered, and the report catches it) and curl's exit
 * codes (--cacert, and -k). One server for the file.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import t from 'tap'
import { TLS_MODES, type TlsMode } from '../../src/index.js'
import { CLI, hasPythonRequests, ROOT, run, startCli } from '../helpers.js'
import { tempTlsDir } from './tls-helpers.js'

const dir = tempTlsDir(t)
const server = await startCli(t, ['openapi.yaml', '--tls', '--tls-modes', 'all', '--tls-dir', dir, '--log', 'json'])
const caFile = `${dir}/ca.pem`
const urls = {} as Record<TlsMode, string>
for (const mode of TLS_MODES) urls[mode] = JSON.parse(await server.nextLine(new RegExp(`"mode":"${mode}"`))).url

t.test('the ready line carries the CA and every mode; one line per mode follows it', async (t) => {
  t.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/)
  for (const mode of TLS_MODES) t.match(urls[mode], /^https:\/\/127\.0\.0\.1:\d+$/, mode)
  const health = await run('curl', ['-s', '--cacert', caFile, `${server.url}/__doorman/health`])
  t.same(JSON.parse(health.stdout).tls, { ca: caFile, modes: urls })
})

/** curl's exit code for each mode: 60 = the certificate failed verification, 35 = the handshake failed, 56 = the connection died receiving. */
const CURL_VERIFYING: Record<TlsMode, number> = {
  expired: 60,
  'not-yet-valid': 60,
  'wrong-host': 60,
  'self-signed': 60,
  'untrusted-root': 60,
  'incomplete-chain': 60,
  'legacy-tls': 35,
  'client-cert-required': 56,
  'client-cert-optional': 0,
}

t.test('curl: --cacert fails on every bad certificate, -k does not, and the exit codes are the documented ones', async (t) => {
  const curl = async (...args: string[]) => {
    const { code, stdout } = await run('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', ...args])
    return { code, status: stdout }
  }
  t.match(await curl('--cacert', caFile, `${server.url}/health`), { code: 0, status: '200' }, 'the main listener, with --cacert')
  for (const mode of TLS_MODES) {
    const verifying = await curl('--cacert', caFile, `${urls[mode]}/health`)
    t.equal(verifying.code, CURL_VERIFYING[mode], `${mode}: curl --cacert exits ${CURL_VERIFYING[mode]}`)
  }
  for (const mode of ['expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'untrusted-root', 'incomplete-chain'] as const) {
    t.match(await curl('-k', `${urls[mode]}/health`), { code: 0, status: '200' }, `${mode}: curl -k gets through`)
  }
  t.match(await curl('--cacert', caFile, `${urls['client-cert-optional']}/health`), { code: 0, status: '403' }, 'client-cert-optional: a 403 problem')
  const minted = await run(process.execPath, [CLI, 'tls', 'client-cert', '--tls-dir', dir])
  const [certFile, keyFile] = minted.stdout.trim().split('\n')
  for (const mode of ['client-cert-required', 'client-cert-optional'] as const) {
    t.match(
      await curl('--cacert', caFile, '--cert', certFile, '--key', keyFile, `${urls[mode]}/health`),
      { code: 0, status: '200' },
      `${mode}: with the minted certificate`,
    )
  }
})

t.test('doorman curl prints a command per mode, and each gets the exit code and status it announces', async (t) => {
  await run(process.execPath, [CLI, 'tls', 'client-cert', '--tls-dir', dir])
  const { code, stdout } = await run(process.execPath, [CLI, 'curl', 'getHealth', 'openapi.yaml', '--url', server.url, '--tls-dir', dir])
  t.equal(code, 0)
  t.match(stdout, `curl -i --cacert '${caFile}' '${server.url}/health'`, 'the operations trust the CA')
  const section = stdout.slice(stdout.indexOf('## TLS'))
  const commands = [...section.matchAll(/^# (\d{3})(?: ([A-Z_]+))? — (.*)\n(curl .*)$/gm)]
  t.equal(commands.length, TLS_MODES.length + 2, 'one per mode, and one with the client certificate for each client-cert mode')
  for (const [, status, , title, command] of commands) {
    const exit = Number(/curl exits (\d+)/.exec(title)?.[1] ?? 0)
    const result = await run('sh', ['-c', `${command} -s -o /dev/null -w '%{http_code}'`])
    t.equal(result.code, exit, `${title}: exit ${exit}`)
    t.equal(result.stdout, status, `${title}: ${status}`)
  }
})

const python = await hasPythonRequests()

t.test(
  'Python requests: verify= the CA raises SSLError with the reason; verify=False is caught by the report',
  { skip: python ? false : 'python3 with requests is not installed' },
  async (t) => {
    await fetchReset()
    const script = `
import json, sys, requests, urllib3
urllib3.disable_warnings()
ca, urls = sys.argv[1], json.loads(sys.argv[2])
out = {}
for mode, url in urls.items():
    for name, verify in (("verify", ca), ("blind", False)):
        # wrong-host by name: Python says "Hostname mismatch" for a name, "IP address mismatch" for 127.0.0.1.
        target = url.replace("127.0.0.1", "localhost") if mode == "wrong-host" else url
        try:
            r = requests.get(target + "/health", verify=verify, timeout=10)
            out[mode + " " + name] = {"status": r.status_code, "code": (r.json() or {}).get("code")}
        except requests.exceptions.SSLError as e:
            out[mode + " " + name] = {"error": "SSLError", "message": str(e)}
        except Exception as e:
            out[mode + " " + name] = {"error": type(e).__name__, "message": str(e)}
print(json.dumps(out))
`
    const { code, stdout, stderr } = await run('python3', ['-c', script, caFile, JSON.stringify(urls)])
    t.equal(code, 0, stderr)
    const results = JSON.parse(stdout) as Record<string, { status?: number; code?: string; error?: string; message?: string }>
    const refuses: Record<TlsMode, RegExp | undefined> = {
      expired: /certificate has expired/,
      'not-yet-valid': /certificate is not yet valid/,
      'wrong-host': /Hostname mismatch/,
      'self-signed': /self[- ]signed certificate \(/,
      'untrusted-root': /self[- ]signed certificate in certificate chain/,
      'incomplete-chain': /unable to get local issuer certificate/,
      'legacy-tls': /protocol version|unsupported protocol/,
      'client-cert-required': /certificate required/,
      'client-cert-optional': undefined,
    }
    for (const mode of TLS_MODES) {
      const verifying = results[`${mode} verify`]
      if (refuses[mode]) t.match(verifying, { error: 'SSLError', message: refuses[mode] }, `${mode}: SSLError (${refuses[mode]})`)
      else t.match(verifying, { status: 403, code: 'TLS_CLIENT_CERT_MISSING' }, `${mode}: a 403 problem`)
    }
    for (const mode of ['expired', 'not-yet-valid', 'wrong-host', 'self-signed', 'untrusted-root', 'incomplete-chain'] as const) {
      t.match(results[`${mode} blind`], { status: 200 }, `${mode}: verify=False gets through`)
    }
    // The handshakes Python refused are journaled with the alert it sent.
    const journal = JSON.parse((await run('curl', ['-s', '--cacert', caFile, `${server.url}/__doorman/journal?step=tls`])).stdout).entries as Array<{
      method: string
      tls: { mode?: string; alert?: string; sni?: string }
    }>
    const alertOf = (mode: string) => journal.find((e) => e.method === '' && e.tls.mode === mode)?.tls
    t.match(alertOf('expired'), { alert: 'certificate expired' })
    t.match(alertOf('self-signed'), { alert: 'unknown ca' })
    t.match(alertOf('wrong-host'), { sni: 'localhost' }, 'the name the client asked for (SNI)')

    const report = JSON.parse((await run('curl', ['-s', '--cacert', caFile, `${server.url}/__doorman/report`])).stdout)
    t.match(report.tls.flags, [
      /^the client accepted an expired certificate: it is not verifying certificates/,
      /^the client accepted a certificate that is not valid yet/,
      /^the client accepted a certificate issued for another host/,
      /^the client accepted a self-signed certificate/,
      /^the client accepted a certificate from a root nobody trusts/,
      /^the client accepted a certificate whose chain is incomplete/,
    ])
    const text = (await run('curl', ['-s', '--cacert', caFile, '-H', 'accept: text/plain', `${server.url}/__doorman/report`])).stdout
    t.match(text, /WARNING: the client accepted an expired certificate: it is not verifying certificates/)
  },
)

t.test('the pretty ready lines, and how to trust the CA on stderr', async (t) => {
  const child = spawn(process.execPath, [CLI, 'serve', 'openapi.yaml', '--port', '0', '--tls-modes', 'expired', '--tls-dir', dir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  t.teardown(() => child.kill('SIGKILL'))
  let stderr = ''
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  t.match((await lines.next()).value, /^doorman listening on https:\/\/127\.0\.0\.1:\d+$/, '--tls-modes implies --tls')
  t.match((await lines.next()).value, /^doorman tls expired on https:\/\/127\.0\.0\.1:\d+$/)
  child.kill('SIGTERM')
  const [exitCode] = await once(child, 'exit')
  t.equal(exitCode, 0)
  t.match(stderr, `REQUESTS_CA_BUNDLE=${caFile}  NODE_EXTRA_CA_CERTS=${caFile}  curl --cacert ${caFile}`)
})

async function fetchReset(): Promise<void> {
  await run('curl', ['-s', '-X', 'POST', '--cacert', caFile, `${server.url}/__doorman/reset`])
}
