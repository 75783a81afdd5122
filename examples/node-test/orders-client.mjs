/**
 * The code under test: a small client for the Orders API (the same one as
 * examples/tap/orders-client.ts, in plain JavaScript). It knows nothing about
 * doorman. Every attempt has a timeout; a 503 is retried once, after the
 * server's Retry-After, with the same Idempotency-Key.
 */
import { randomUUID } from 'node:crypto'

export class OrdersApiError extends Error {
  name = 'OrdersApiError'

  /** @param {number} status @param {{ code?: string, detail?: string, errors?: Array<{ pointer: string, keyword: string }> } | undefined} problem */
  constructor(status, problem) {
    super(`POST /orders answered ${status}${problem?.detail ? `: ${problem.detail}` : ''}`)
    this.status = status
    this.problem = problem
  }

  get code() {
    return this.problem?.code
  }
}

/**
 * @param {object} order
 * @param {{ baseUrl: string, token: string, timeoutMs?: number, maxRetryWaitMs?: number, contentType?: string }} options
 */
export async function createOrder(order, { baseUrl, token, timeoutMs = 2000, maxRetryWaitMs = 5000, contentType = 'application/json' }) {
  const idempotencyKey = randomUUID()
  const attempt = () =>
    fetch(`${baseUrl}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'idempotency-key': idempotencyKey },
      body: JSON.stringify(order),
      signal: AbortSignal.timeout(timeoutMs),
    })
  let res = await attempt()
  if (res.status === 503) {
    await res.arrayBuffer()
    const seconds = Number(res.headers.get('retry-after'))
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 200, maxRetryWaitMs)))
    res = await attempt()
  }
  if (res.status === 201) return res.json()
  const isProblem = (res.headers.get('content-type') ?? '').startsWith('application/problem+json')
  throw new OrdersApiError(res.status, isProblem ? await res.json() : (await res.arrayBuffer(), undefined))
}
