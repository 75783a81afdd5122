/**
 * doorman's local CA: made on first use, then the same one; files 0600 in a
 * 0700 folder; a folder doorman cannot use is a clear error naming the path.
 * The client certificates `doorman tls client-cert` mints chain to it.
 */
import { X509Certificate } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { mintClientCertificate, SetupError, startServer, tlsCaFile } from '../../src/index.js'
import { defaultTlsDir, loadOrCreateCa } from '../../src/tls/ca.js'
import { runCli } from '../helpers.js'
import { tempTlsDir } from './tls-helpers.js'

const mode = (file: string) => statSync(file).mode & 0o777

t.test('made on first use, then reused: the same CA on every start', async (t) => {
  const dir = tempTlsDir(t)
  const first = await loadOrCreateCa(dir)
  t.equal(first.file, path.join(dir, 'ca.pem'))
  t.equal(mode(dir), 0o700, 'the folder is 0700')
  t.equal(mode(path.join(dir, 'ca.key')), 0o600, 'the key is 0600')
  t.equal(mode(first.file), 0o600, 'the CA certificate is 0600')
  const ca = new X509Certificate(readFileSync(first.file))
  t.ok(ca.ca, 'a CA certificate')
  t.match(ca.subject, /CN=doorman local CA [0-9a-f]{8}/)
  t.match(ca.publicKey.asymmetricKeyDetails, { namedCurve: 'prime256v1' }, 'EC P-256')
  const second = await loadOrCreateCa(dir)
  t.equal(second.certPem, first.certPem, 'the second start reads the same CA')
  t.equal(await tlsCaFile(dir), first.file, 'tlsCaFile names the same file')
})

t.test('two mocks starting at once end up with one CA', async (t) => {
  const dir = tempTlsDir(t)
  const [a, b, c] = await Promise.all([loadOrCreateCa(dir), loadOrCreateCa(dir), loadOrCreateCa(dir)])
  t.equal(a.certPem, b.certPem)
  t.equal(b.certPem, c.certPem)
  t.equal(readFileSync(path.join(dir, 'ca.pem'), 'utf8'), a.certPem)
})

t.test('a missing ca.pem is written again from ca.key', async (t) => {
  const dir = tempTlsDir(t)
  const ca = await loadOrCreateCa(dir)
  writeFileSync(ca.file, 'not a certificate')
  t.equal((await loadOrCreateCa(dir)).certPem, ca.certPem)
  t.equal(readFileSync(ca.file, 'utf8'), ca.certPem)
})

t.test('a folder doorman cannot use is an error that names the path', async (t) => {
  const dir = tempTlsDir(t)
  mkdirSync(path.dirname(dir), { recursive: true })
  writeFileSync(dir, 'a file where the folder should be')
  await t.rejects(loadOrCreateCa(dir), new SetupError(`${dir} is not a folder: pass --tls-dir a folder doorman may keep its CA in`))

  const corrupt = tempTlsDir(t)
  mkdirSync(corrupt, { recursive: true })
  writeFileSync(path.join(corrupt, 'ca.key'), 'garbage\n')
  await t.rejects(loadOrCreateCa(corrupt), {
    name: 'SetupError',
    message: `${path.join(corrupt, 'ca.key')} is not a doorman CA (no PKCS#8 private key in it): delete it (or the folder ${corrupt}) to make a new CA, or pass another --tls-dir`,
  })

  const halves = tempTlsDir(t)
  const good = await loadOrCreateCa(tempTlsDir(t))
  mkdirSync(halves, { recursive: true })
  const otherKey = readFileSync(path.join(good.dir, 'ca.key'), 'utf8').replace(/-----BEGIN CERTIFICATE-----[\s\S]+$/, '')
  const stranger = await loadOrCreateCa(tempTlsDir(t))
  writeFileSync(path.join(halves, 'ca.key'), otherKey + stranger.certPem)
  await t.rejects(loadOrCreateCa(halves), { message: /ca\.key is not a doorman CA \(the key and the certificate do not belong together\)/ })

  const unreadable = tempTlsDir(t)
  mkdirSync(path.join(unreadable, 'ca.key'), { recursive: true })
  await t.rejects(loadOrCreateCa(unreadable), {
    message: `cannot read doorman's CA key ${path.join(unreadable, 'ca.key')} (it is a folder): fix its permissions, or pass another --tls-dir`,
  })

  // The same errors stop startServer (the CLI prints them and exits 2) before anything listens.
  await t.rejects(startServer({ spec: { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: {} }, tls: { dir: corrupt } }), {
    name: 'SetupError',
    message: /is not a doorman CA/,
  })
  const cli = await runCli(['serve', 'openapi.yaml', '--port', '0', '--tls', '--tls-dir', corrupt])
  t.equal(cli.code, 2)
  t.match(cli.stderr, `doorman: ${path.join(corrupt, 'ca.key')} is not a doorman CA`)
  t.notMatch(cli.stderr, /\n\s+at /, 'no stack trace')
})

t.test('an unknown mode is refused with the closest one named', async (t) => {
  const cli = await runCli(['serve', 'openapi.yaml', '--port', '0', '--tls-modes', 'expired,wrong-hots', '--tls-dir', tempTlsDir(t)])
  t.equal(cli.code, 2)
  t.match(cli.stderr, "unknown TLS mode 'wrong-hots' (did you mean 'wrong-host'?)")
})

t.test('the default folder is doorman/tls in the user cache folder', async (t) => {
  t.equal(defaultTlsDir({ XDG_CACHE_HOME: '/var/cache/me' }), '/var/cache/me/doorman/tls')
  t.match(defaultTlsDir({ XDG_CACHE_HOME: 'relative/is/ignored' }), /\/\.cache\/doorman\/tls$/)
  t.match(defaultTlsDir({}), /\/\.cache\/doorman\/tls$/)
})

t.test('doorman tls ca prints the path; doorman tls client-cert mints a certificate the CA issued', async (t) => {
  const dir = tempTlsDir(t)
  const out = path.join(path.dirname(dir), 'client')
  const ca = await runCli(['tls', 'ca', '--tls-dir', dir])
  t.equal(ca.code, 0)
  t.equal(ca.stdout, `${path.join(dir, 'ca.pem')}\n`)
  const minted = await runCli(['tls', 'client-cert', '--tls-dir', dir, '--cn', 'billing-service', '--out', out])
  t.equal(minted.code, 0, 'minted')
  t.equal(minted.stdout, `${path.join(out, 'client.crt')}\n${path.join(out, 'client.key')}\n`)
  t.equal(mode(path.join(out, 'client.key')), 0o600, 'the key is 0600')
  const cert = new X509Certificate(readFileSync(path.join(out, 'client.crt')))
  const issuer = new X509Certificate(readFileSync(path.join(dir, 'ca.pem')))
  t.match(cert.subject, /CN=billing-service/)
  t.ok(cert.checkIssued(issuer) && cert.verify(issuer.publicKey), "signed by doorman's CA")
  t.match(cert.keyUsage, ['1.3.6.1.5.5.7.3.2'], 'for client authentication')

  const library = await mintClientCertificate({ dir, out })
  t.ok(new X509Certificate(library.cert).verify(issuer.publicKey), 'the library mints the same way')
  const usage = await runCli(['tls', 'renew'])
  t.equal(usage.code, 2)
  t.match(usage.stderr, "unknown tls command 'renew' (ca or client-cert)")
})
