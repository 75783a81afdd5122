// Elements from data, never from HTML strings: journal entries hold whatever clients sent.

/** h('td', { class: 'num' }, '12') — attributes (on* are listeners), then children (strings become text). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue
    if (name.startsWith('on')) element.addEventListener(name.slice(2), value)
    else element.setAttribute(name, value === true ? '' : String(value))
  }
  append(element, children)
  return element
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue
    element.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
  return element
}

const SVG = 'http://www.w3.org/2000/svg'

export function s(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag)
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, String(value))
  return append(element, children)
}

/** The status with its class in words, so that colour is never the only signal. */
export function statusBadge(status, title) {
  const klass = status === 0 ? 0 : Math.floor(status / 100)
  const words = { 0: 'no response', 1: 'informational', 2: 'success', 3: 'redirect', 4: 'client error', 5: 'server error' }[klass] ?? ''
  return h('span', { class: `status s${klass}`, title: title ?? words }, status === 0 ? '—' : String(status), ' ', h('small', {}, words))
}

/** JSON requests to the admin API; a problem+json answer becomes an Error carrying the problem. */
export async function api(path, { method = 'GET', body } = {}) {
  const init = { method, headers: { accept: 'application/json' } }
  // State-changing admin calls are JSON: a page on another origin cannot send that without a preflight doorman refuses.
  if (method !== 'GET') {
    init.headers['content-type'] = 'application/json'
    init.body = JSON.stringify(body ?? {})
  }
  const res = await fetch(path, init)
  const text = await res.text()
  const data = text ? JSON.parse(text) : undefined
  if (!res.ok) throw Object.assign(new Error(data?.detail ?? `${res.status} ${res.statusText}`), { problem: data, status: res.status })
  return data
}

/** Copies text; falls back to a hidden textarea where the Clipboard API is not there. */
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text)
    return true
  } catch {
    const area = h('textarea', { 'aria-hidden': 'true' })
    // Through the CSSOM: the page's CSP allows no inline style attribute.
    area.style.position = 'fixed'
    area.style.left = '-9999px'
    area.value = text
    document.body.append(area)
    area.select()
    const done = document.execCommand('copy')
    area.remove()
    return done
  }
}

export function formatTime(iso) {
  const date = new Date(iso)
  return `${date.toLocaleTimeString(undefined, { hour12: false })}.${String(date.getMilliseconds()).padStart(3, '0')}`
}
