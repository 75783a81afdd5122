import { matchesAny } from './compare.js'
import type { Credentials } from './credentials.js'
import type { Scheme } from './security.js'
import type { AuthFailure } from './verdict.js'

type ApiKeyScheme = Extract<Scheme, { kind: 'apiKey' }>

/** 'the X-API-Key header', 'the api_key query parameter', 'the session cookie'. */
export function apiKeyPlace(scheme: ApiKeyScheme): string {
  return `the ${scheme.param} ${scheme.in === 'query' ? 'query parameter' : scheme.in}`
}

/** An API key in a header, query parameter or cookie; with no keys configured for the scheme, any non-empty key passes. */
export function checkApiKey(scheme: ApiKeyScheme, creds: Credentials): AuthFailure | undefined {
  const value = scheme.in === 'header' ? creds.header(scheme.param) : scheme.in === 'query' ? creds.query(scheme.param) : creds.cookie(scheme.param)
  const place = apiKeyPlace(scheme)
  if (value === undefined) return { kind: 'missing', scheme, description: `The request carries no API key in ${place}` }
  if (Array.isArray(value)) return { kind: 'malformed', scheme, description: `${cap(place)} appears ${value.length} times; send one key` }
  if (value === '') return { kind: 'malformed', scheme, description: `${cap(place)} is empty; send the API key in it` }
  if (scheme.keys === undefined || matchesAny(value, scheme.keys)) return undefined
  return {
    kind: 'invalid',
    scheme,
    code: 'API_KEY_INVALID',
    description: `The API key in ${place} is not one of the keys configured for ${scheme.name}`,
    hint: `Send a key listed under auth.apiKeys.${scheme.name} in the config.`,
  }
}

const cap = (text: string) => text[0].toUpperCase() + text.slice(1)
