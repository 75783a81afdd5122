import type { FastifyReply, FastifyRequest } from 'fastify'
import { safeEqual } from '../auth/compare.js'
import { ADMIN_TOKEN_HEADER } from '../config.js'
import { Problem } from '../problems/problem.js'
import { checkSameOrigin, type AdminOrigin } from './same-origin.js'

/**
 * Who may use the admin API. It can read every request the mock saw and
 * make it misbehave, so by default only this machine may: loopback clients.
 * With `admin.token` configured, whoever sends the token may, and nobody
 * else (loopback included).
 */
export function checkAdminAccess(request: FastifyRequest, token: string | undefined): Problem | undefined {
  if (token !== undefined) {
    const sent = presentedToken(request)
    if (sent !== undefined && safeEqual(sent, token)) return undefined
    // Neither the configured token nor the one sent is ever repeated.
    return new Problem('ADMIN_TOKEN_INVALID', {
      detail:
        sent === undefined
          ? "The admin API requires the token configured in admin.token; send it as 'Authorization: Bearer <token>' or 'X-Doorman-Admin-Token: <token>'."
          : 'The admin token sent is not the one configured in admin.token; send that one (as a bearer token or in X-Doorman-Admin-Token).',
      headers: { 'www-authenticate': sent === undefined ? 'Bearer realm="doorman admin"' : 'Bearer realm="doorman admin", error="invalid_token"' },
    })
  }
  const client = request.socket.remoteAddress
  if (isLoopbackAddress(client)) return undefined
  return new Problem('ADMIN_FORBIDDEN', {
    detail: `The admin API answers only clients on the mock's own machine (loopback), and this request comes from ${client ?? 'an unknown address'}; call it from that machine, or set admin.token in the config and send it as 'Authorization: Bearer <token>'.`,
    extra: { received: client ?? null },
  })
}

/**
 * The fastify hook form: refuses with problem+json, or lets the admin route run.
 * What a web page could forge is refused first (src/admin/same-origin.ts), in
 * every mode: a token does not make a rebinding page's request the user's own.
 */
export function adminGuard(settings: () => { token: string | undefined } & AdminOrigin) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const current = settings()
    const problem = checkSameOrigin(request, current) ?? checkAdminAccess(request, current.token)
    if (problem === undefined) return
    return reply.problem(problem)
  }
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers[ADMIN_TOKEN_HEADER]
  if (typeof header === 'string' && header !== '') return header
  const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')
  return match?.[1]
}

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`::ffff:127.0.0.1`, what a dual-stack socket reports). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address
  return /^127\.\d+\.\d+\.\d+$/.test(v4) || address === '::1'
}

/** Whether a listen host reaches only this machine: `localhost`, 127.x.x.x, `::1`. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  return bare === 'localhost' || isLoopbackAddress(bare)
}
