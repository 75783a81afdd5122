import type { Scheme } from './security.js'

/**
 * WWW-Authenticate challenges (RFC 9110 §11.6.1), with the bearer
 * attributes of RFC 6750 §3. Every value goes out as a quoted-string made of
 * the characters RFC 6750 allows in `error_description` (printable ASCII
 * without `"` and `\`), so no claim a client put in its token can break the
 * header or inject another one.
 */

export type ChallengeScheme = 'Bearer' | 'Basic' | 'ApiKey'

export interface Challenge {
  scheme: ChallengeScheme
  /** Rendered in this order after `realm`. Undefined values are left out. */
  params: Array<[name: string, value: string | undefined]>
}

/** RFC 6750 §3: error_description and scope hold %x20-21 / %x23-5B / %x5D-7E only. */
export function quotable(text: string, max = 200): string {
  const clean = text
    .normalize('NFKD')
    .replace(/"/g, "'")
    .replace(/\\/g, '/')
    .replace(/[^\x20-\x7e]/g, '?')
  return clean.length > max ? `${clean.slice(0, max - 3)}...` : clean
}

export function renderChallenge(realm: string, challenge: Challenge): string {
  const all: Challenge['params'] = [['realm', realm], ...challenge.params]
  const params = all.filter((param): param is [string, string] => param[1] !== undefined).map(([name, value]) => `${name}="${quotable(value)}"`)
  return `${challenge.scheme} ${params.join(', ')}`
}

/** Several challenges in one field value, comma-separated (RFC 9110 §11.6.1); duplicates once. */
export function renderChallenges(realm: string, challenges: Challenge[]): string {
  return [...new Set(challenges.map((c) => renderChallenge(realm, c)))].join(', ')
}

/**
 * The challenge for one securityScheme. `ApiKey` is no registered HTTP
 * auth-scheme; the challenge still tells a client where the key goes.
 */
export function challengeFor(scheme: Scheme, params: Challenge['params'] = []): Challenge | undefined {
  switch (scheme.kind) {
    case 'bearer':
      return { scheme: 'Bearer', params }
    case 'basic':
      // RFC 7617 §2.1: the server announces the charset it decodes user:password with.
      return { scheme: 'Basic', params: [['charset', 'UTF-8'], ...params] }
    case 'apiKey':
      return { scheme: 'ApiKey', params: [['in', scheme.in], ['name', scheme.param], ...params] }
    case 'digest':
    case 'mutualTLS':
    case 'unchecked':
      // Digest challenges carry a fresh nonce each: src/auth/digest.ts renders them per answer.
      return undefined
  }
}
