/**
 * The certificate set is kept beside the CA: a start reads it instead of
 * signing a dozen certificates. The not-yet-valid leaf is renewed every 12
 * hours (it must never turn valid while served), the rest monthly; a cache
 * from another CA, or one that does not read, is replaced.
 */
import { X509Certificate } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import t from 'tap'
import { loadOrCreateCa } from '../../src/tls/ca.js'
import { CERTIFICATES_FILE, certificateSet } from '../../src/tls/cache.js'
import { tempTlsDir } from './tls-helpers.js'

const HOUR = 3_600_000
const ca = await loadOrCreateCa(tempTlsDir(t))
const file = path.join(ca.dir, CERTIFICATES_FILE)
const now = Date.now()
const first = await certificateSet(ca, now)

t.test('made once, kept 0600, then read as it is', async (t) => {
  t.equal(statSync(file).mode & 0o777, 0o600, 'it holds the leaf key: 0600')
  t.same(await certificateSet(ca, now + HOUR), first, 'an hour later: the same set')
  const leaf = new X509Certificate(first.chains.main)
  t.ok(leaf.checkIssued(new X509Certificate(ca.certPem)), "the main leaf is signed by doorman's CA")
  t.ok(leaf.checkHost('localhost') && leaf.checkIP('127.0.0.1') && leaf.checkIP('::1'))
  t.match(leaf.publicKey.asymmetricKeyDetails, { namedCurve: 'prime256v1' })
})

t.test('after 12 hours only the not-yet-valid leaf is new, signed for the same key', async (t) => {
  const later = now + 13 * HOUR
  const renewed = await certificateSet(ca, later)
  t.equal(renewed.key, first.key)
  t.not(renewed.chains['not-yet-valid'], first.chains['not-yet-valid'])
  for (const name of ['main', 'expired', 'wrong-host', 'self-signed', 'untrusted-root', 'incomplete-chain'] as const)
    t.equal(renewed.chains[name], first.chains[name], `${name} kept`)
  const leaf = new X509Certificate(renewed.chains['not-yet-valid'])
  t.ok(Date.parse(leaf.validFrom) > Date.now() + 12 * HOUR, 'starts tomorrow')
  t.ok(leaf.checkPrivateKey((await import('node:crypto')).createPrivateKey(renewed.key)), 'for the cached key')
})

t.test('a cache that does not read, or from another CA, is replaced', async (t) => {
  writeFileSync(file, '{ not json')
  const fresh = await certificateSet(ca, now)
  t.not(fresh.key, first.key)
  t.doesNotThrow(() => JSON.parse(readFileSync(file, 'utf8')), 'written again')
  const other = await loadOrCreateCa(tempTlsDir(t))
  writeFileSync(path.join(other.dir, CERTIFICATES_FILE), readFileSync(file))
  const own = await certificateSet(other, now)
  t.ok(new X509Certificate(own.chains.main).checkIssued(new X509Certificate(other.certPem)), "signed by the folder's own CA")
})
