/**
 * The certificate set, kept beside the CA (`certificates.json`, 0600: it
 * holds the leaf key) so that a start reads a few PEMs instead of loading
 * the X.509 library and signing a dozen certificates (docs/performance.md,
 * "TLS"). It is a cache: anything wrong with it (missing, unreadable, made by
 * another CA) means a new set, and a folder doorman cannot write goes without.
 *
 * Each chain is renewed on its own: the not-yet-valid leaf every 12 hours
 * (it starts 24 hours after it was made, so a client always meets it at least
 * 12 hours before it would turn valid), the others every 30 days (they are
 * valid for a year; the expired one ended a day before it was made, and stays
 * expired).
 */
import { randomBytes } from 'node:crypto'
import { readFile, rename, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { LocalCa } from './ca.js'
import { CHAIN_NAMES, makeChains, type CertificateSet, type ChainName } from './certificates.js'

export const CERTIFICATES_FILE = 'certificates.json'
const HOUR_MS = 3_600_000
const FRESH_MS: Record<ChainName, number> = {
  main: 30 * 24 * HOUR_MS,
  expired: 30 * 24 * HOUR_MS,
  'not-yet-valid': 12 * HOUR_MS,
  'wrong-host': 30 * 24 * HOUR_MS,
  'self-signed': 30 * 24 * HOUR_MS,
  'untrusted-root': 30 * 24 * HOUR_MS,
  'incomplete-chain': 30 * 24 * HOUR_MS,
}

interface CachedSet extends CertificateSet {
  /** The CA that signed the set: another CA in the folder means a new set. */
  ca: string
  /** When each chain was made. */
  madeAt: Record<ChainName, number>
}

/** The cached set, with its stale chains renewed; a new set (cached for the next start) when there is none from this CA. */
export async function certificateSet(ca: LocalCa, now = Date.now()): Promise<CertificateSet> {
  const file = path.join(ca.dir, CERTIFICATES_FILE)
  const cached = await readCached(file)
  const usable = cached !== undefined && cached.ca === ca.certPem
  const stale = CHAIN_NAMES.filter((name) => !usable || !(now >= cached.madeAt[name] && now - cached.madeAt[name] < FRESH_MS[name]))
  if (usable && stale.length === 0) return cached
  const renewed = await makeChains(ca, stale, usable ? cached.key : undefined).catch(() => undefined)
  // A cached key that does not read: everything anew.
  if (renewed === undefined) return fresh(ca, file, now)
  const kept = usable ? cached : undefined
  const set: CachedSet = {
    ca: ca.certPem,
    key: renewed.key,
    chains: { ...kept?.chains, ...renewed.chains } as CachedSet['chains'],
    madeAt: Object.fromEntries(CHAIN_NAMES.map((name) => [name, stale.includes(name) ? now : (kept?.madeAt[name] ?? now)])) as CachedSet['madeAt'],
  }
  await writeCached(file, set)
  return set
}

async function fresh(ca: LocalCa, file: string, now: number): Promise<CertificateSet> {
  const made = await makeChains(ca, CHAIN_NAMES)
  const set: CachedSet = {
    ca: ca.certPem,
    key: made.key,
    chains: made.chains as CachedSet['chains'],
    madeAt: Object.fromEntries(CHAIN_NAMES.map((name) => [name, now])) as CachedSet['madeAt'],
  }
  await writeCached(file, set)
  return set
}

async function readCached(file: string): Promise<CachedSet | undefined> {
  try {
    const cached = JSON.parse(await readFile(file, 'utf8')) as Partial<CachedSet>
    const complete =
      typeof cached.key === 'string' &&
      typeof cached.ca === 'string' &&
      CHAIN_NAMES.every((name) => typeof cached.chains?.[name] === 'string' && typeof cached.madeAt?.[name] === 'number')
    return complete ? (cached as CachedSet) : undefined
  } catch {
    return undefined
  }
}

async function writeCached(file: string, set: CachedSet): Promise<void> {
  const aside = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`
  try {
    await writeFile(aside, JSON.stringify(set), { mode: 0o600 })
    await rename(aside, file)
  } catch {
    // Only a cache: the next start makes the set again.
    await unlink(aside).catch(() => undefined)
  }
}
