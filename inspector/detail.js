// One request opened: as received, the answer (a problem formatted, its errors by JSON pointer), the step that
// decided it, a curl command that sends it again, and the entry as HAR.
import { api, copyText, formatTime, h, statusBadge } from './dom.js'

const STEPS = {
  tls: 'tls: the TLS handshake or listener',
  route: 'route: the path and method',
  fault: 'fault: a fault plan or Prefer header',
  auth: 'auth: the credentials',
  'content-type': 'content-type: the media type',
  'body-size': 'body-size: the size limit',
  parse: 'parse: the body’s syntax',
  schema: 'schema: parameters and body against the schema',
  respond: 'respond: the documented answer',
  transport: 'transport: the connection itself',
}

export async function openDetail(state, requestId) {
  const panel = document.getElementById('detail')
  panel.hidden = false
  panel.closest('.split').classList.add('open')
  panel.replaceChildren(h('p', { class: 'hint' }, 'loading…'))
  let found
  try {
    found = await api(`journal/${encodeURIComponent(requestId)}`)
  } catch (error) {
    panel.replaceChildren(h('p', { class: 'problem' }, error.message))
    return
  }
  if (state.selected !== requestId) return
  panel.replaceChildren(...render(found).flat(2).filter(Boolean))
  panel.focus({ preventScroll: true })
}

export function closeDetail(state) {
  state.selected = undefined
  const panel = document.getElementById('detail')
  panel.hidden = true
  panel.closest('.split').classList.remove('open')
  for (const tr of document.querySelectorAll('#requests tbody tr[aria-current="true"]')) tr.removeAttribute('aria-current')
}

function render({ entry, curl, har }) {
  const close = h(
    'button',
    { type: 'button', 'aria-label': 'Close (Escape)', onclick: () => document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' })) },
    'Close',
  )
  const problem = parseProblem(entry)
  return [
    h('header', {}, h('h2', {}, `${entry.method} ${entry.path}`), statusBadge(entry.status), close),
    h(
      'dl',
      {},
      h('dt', {}, 'Request'),
      h('dd', { class: 'mono' }, `${entry.requestId} at ${formatTime(entry.time)}, ${Math.round(entry.durationMs)} ms, connection ${entry.connection}`),
      h('dt', {}, 'Operation'),
      h(
        'dd',
        {},
        entry.operation ??
          (entry.cors?.preflight
            ? `CORS preflight for ${entry.cors.preflight.method} (${entry.cors.preflight.operation ?? 'no operation'})`
            : 'none (no documented path)'),
      ),
      h('dt', {}, 'Decided by'),
      h('dd', { 'data-field': 'step' }, STEPS[entry.step] ?? entry.step),
      entry.code && [h('dt', {}, 'Code'), h('dd', {}, h('a', { href: `problems/${entry.code}` }, entry.code))],
      entry.detail && [h('dt', {}, 'Why'), h('dd', { 'data-field': 'why' }, entry.detail)],
      entry.fault && [h('dt', {}, 'Fault'), h('dd', {}, entry.fault.explain)],
      entry.cors && [h('dt', {}, 'CORS'), h('dd', {}, `${entry.cors.origin}: ${entry.cors.explain}`)],
      entry.tls && [h('dt', {}, 'TLS'), h('dd', {}, tlsLine(entry.tls))],
      entry.clientGaveUpMs !== undefined && [h('dt', {}, 'Client gave up'), h('dd', {}, `after ${Math.round(entry.clientGaveUpMs)} ms`)],
    ),
    h('h3', {}, 'Reproduce'),
    h('pre', { class: 'curl', 'aria-label': 'curl command' }, curl),
    copyButtons(curl, har),
    h('h3', {}, 'Request as received'),
    h('pre', {}, `${entry.method} ${entry.path}${entry.query ? `?${entry.query}` : ''} HTTP/${entry.httpVersion ?? '1.1'}\n${headerLines(entry.headers)}`),
    bodyBlock(entry.body, 'No body.'),
    h('h3', {}, 'Answer'),
    entry.response
      ? h('pre', {}, `HTTP/1.1 ${entry.status}\n${headerLines(entry.response.headers)}`)
      : h('p', { class: 'hint' }, 'No response went out (a socket fault, or the client left first).'),
    problem ? problemBlock(problem) : entry.response && bodyBlock(entry.response.body, 'No body.'),
  ]
}

function tlsLine(tls) {
  const parts = [
    tls.mode ? `listener ${tls.mode}` : 'main listener',
    tls.protocol,
    tls.sni && `SNI ${tls.sni}`,
    tls.alert && `alert '${tls.alert}' from the ${tls.alertFrom ?? 'peer'}`,
    tls.clientCertificate &&
      `client certificate ${tls.clientCertificate.subject} (${tls.clientCertificate.trusted ? 'trusted' : `not trusted: ${tls.clientCertificate.reason ?? ''}`})`,
  ]
  return parts.filter(Boolean).join(', ')
}

function copyButtons(curl, har) {
  const said = h('span', { class: 'copied', role: 'status', 'aria-live': 'polite' })
  const copy = (what, text) => async () => {
    said.textContent = (await copyText(text)) ? `${what} copied` : `could not copy the ${what}`
  }
  return h(
    'div',
    { class: 'actions' },
    h('button', { type: 'button', id: 'copy-curl', onclick: copy('curl command', curl) }, 'Copy curl command'),
    h('button', { type: 'button', id: 'copy-har', onclick: copy('HAR', JSON.stringify(har, null, 2)) }, 'Copy as HAR'),
    said,
  )
}

function headerLines(headers) {
  return Object.entries(headers ?? {})
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((one) => `${name}: ${one}`))
    .join('\n')
}

function bodyBlock(body, none) {
  if (!body) return h('p', { class: 'hint' }, none)
  const cut = body.truncated ? ` (first ${body.text.length} characters of ${body.bytes} bytes: journal.bodyBytes)` : ''
  return [cut && h('p', { class: 'hint' }, cut), h('pre', {}, pretty(body.text))]
}

function pretty(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return text
  }
}

function parseProblem(entry) {
  const type = entry.response?.headers?.['content-type']
  if (!entry.response?.body || !String(type).startsWith('application/problem+json')) return undefined
  try {
    return JSON.parse(entry.response.body.text)
  } catch {
    return undefined
  }
}

/** The problem as a person reads it: title, detail, then each error by its JSON pointer. */
function problemBlock(problem) {
  const errors = Array.isArray(problem.errors) ? problem.errors : []
  return h(
    'div',
    { class: 'problem-doc' },
    h('p', { class: 'problem' }, h('strong', {}, `${problem.status} ${problem.title}`), ' — ', problem.detail),
    errors.length > 0 &&
      h(
        'table',
        { class: 'errors' },
        h('caption', {}, `${problem.errorCount ?? errors.length} error(s), by JSON pointer`),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['pointer', 'in', 'keyword', 'message', 'expected', 'received'].map((name) => h('th', { scope: 'col' }, name)),
          ),
        ),
        h(
          'tbody',
          {},
          errors.map((error) =>
            h(
              'tr',
              {},
              h('td', { class: 'mono' }, error.pointer ?? ''),
              h('td', {}, error.location ?? ''),
              h('td', {}, error.keyword ?? ''),
              h('td', {}, error.message ?? ''),
              h('td', { class: 'mono' }, show(error.expected)),
              h('td', { class: 'mono' }, show(error.received)),
            ),
          ),
        ),
      ),
    h('pre', {}, JSON.stringify(problem, null, 2)),
  )
}

function show(value) {
  return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value)
}
