/**
 * The code under test: a small client for the Orders API, as an application
 * would have it. It knows nothing about doorman — the tests point it at the
 * mock instead of the real API.
 *
 * It sets a timeout on every attempt, sends an Idempotency-Key so that a retry
 * cannot create the order twice, and retries once on 503, after the server's
 * Retry-After.
 */
import { randomUUID } from 'node:crypto'

export interface NewOrder {
  customerId: string
  items: Array<{ sku: string; qty: number; unitPrice?: number }>
  currency?: 'EUR' | 'USD' | 'GBP'
  note?: string
}

export interface Order extends NewOrder {
  id: string
  status: 'pending' | 'shipped' | 'cancelled'
  createdAt: string
  total: number
}

export interface OrdersClientOptions {
  baseUrl: string
  token: string
  /** Per attempt. Default 2000 ms. */
  timeoutMs?: number
  /** The longest Retry-After the client is willing to wait. Default 5000 ms. */
  maxRetryWaitMs?: number
  /** Default 'application/json' (the tests break it on purpose). */
  contentType?: string
}

/** An answer other than 201: the status, and the RFC 9457 problem when the server sent one. */
export class OrdersApiError extends Error {
  override readonly name = 'OrdersApiError'
  constructor(
    readonly status: number,
    readonly problem: { code?: string; detail?: string; errors?: Array<{ pointer: string; keyword: string; message: string }> } | undefined,
  ) {
    super(`POST /orders answered ${status}${problem?.detail ? `: ${problem.detail}` : ''}`)
  }

  get code(): string | undefined {
    return this.problem?.code
  }
}

export async function createOrder(order: NewOrder, options: OrdersClientOptions): Promise<Order> {
  const { baseUrl, token, timeoutMs = 2000, maxRetryWaitMs = 5000, contentType = 'application/json' } = options
  const attempt = () =>
    fetch(`${baseUrl}/orders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': contentType, 'idempotency-key': idempotencyKey },
      body: JSON.stringify(order),
      signal: AbortSignal.timeout(timeoutMs),
    })
  const idempotencyKey = randomUUID()
  let res = await attempt()
  if (res.status === 503) {
    await res.arrayBuffer()
    await sleep(Math.min(retryAfterMs(res.headers.get('retry-after')) ?? 200, maxRetryWaitMs))
    res = await attempt()
  }
  if (res.status === 201) return (await res.json()) as Order
  const type = res.headers.get('content-type') ?? ''
  throw new OrdersApiError(res.status, type.startsWith('application/problem+json') ? await res.json() : (await res.arrayBuffer(), undefined))
}

/** Retry-After is seconds or an HTTP-date (RFC 9110 §10.2.3). */
function retryAfterMs(value: string | null): number | undefined {
  if (value === null) return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
