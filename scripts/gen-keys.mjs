#!/usr/bin/env node
// Writes the test key pairs and the JWKS in fixtures/keys/ with node:crypto.
// They are for tests only: every run makes new keys, so rerunning it means
// committing the new files together (tests sign and verify with the pairs as
// they are on disk, nothing is pinned to a particular key).
//
//   node scripts/gen-keys.mjs
import { createPublicKey, generateKeyPairSync } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'keys')
mkdirSync(dir, { recursive: true })

const PAIRS = [
  // kid doubles as the file name stem; alg is what the JWKS announces.
  { kid: 'rs256', alg: 'RS256', type: 'rsa', options: { modulusLength: 2048 } },
  { kid: 'es256', alg: 'ES256', type: 'ec', options: { namedCurve: 'P-256' } },
  { kid: 'eddsa', alg: 'EdDSA', type: 'ed25519', options: {} },
  // Trusted by no config and in no JWKS: signs the "bad signature" tokens.
  { kid: 'untrusted', alg: 'RS256', type: 'rsa', options: { modulusLength: 2048 }, inJwks: false },
]

const jwks = { keys: [] }
for (const pair of PAIRS) {
  const { privateKey, publicKey } = generateKeyPairSync(pair.type, {
    ...pair.options,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  })
  writeFileSync(path.join(dir, `${pair.kid}.key.pem`), privateKey)
  writeFileSync(path.join(dir, `${pair.kid}.pub.pem`), publicKey)
  if (pair.inJwks === false) continue
  const jwk = createPublicKey(publicKey).export({ format: 'jwk' })
  jwks.keys.push({ ...jwk, kid: pair.kid, alg: pair.alg, use: 'sig' })
}
writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(jwks, null, 2) + '\n')
process.stdout.write(`wrote ${PAIRS.length} key pairs and jwks.json to ${path.relative(process.cwd(), dir) || dir}\n`)
