// The client report as a timeline per operation: each attempt a bar, the waits between retries, the Retry-After
// each failed answer advertised, and the verdicts (backoff factor, Retry-After honoured, effective timeout).
import { api, h, s } from './dom.js'

const WIDTH = 900
const ROW = 34
const PAD = { left: 8, right: 8, top: 22, bottom: 22 }

export async function showReport(entries) {
  const target = document.getElementById('report')
  let report
  try {
    report = await api('report')
  } catch (error) {
    target.replaceChildren(h('p', { class: 'problem' }, error.message))
    return
  }
  if (report.operations.length === 0 && !report.tls) {
    target.replaceChildren(h('p', { class: 'empty' }, 'No requests to a documented operation yet.'))
    return
  }
  target.replaceChildren(tlsSection(report.tls), ...report.operations.map((op) => operation(op, entries)), inFlight(report.inFlight))
}

function operation(op, entries) {
  const facts = [
    ['Attempts', `${op.attempts.length} (${op.retries} ${op.retries === 1 ? 'retry' : 'retries'})`],
    [
      'Backoff',
      `${op.backoff.shape}${op.backoff.factor !== undefined ? `, factor ${op.backoff.factor}` : ''}${op.backoff.jitter === undefined ? '' : op.backoff.jitter ? ', with jitter' : ', no jitter'}`,
    ],
    ['Retry-After', op.retryAfter.verdict],
    ['Timeout', op.timeout.effectiveMs !== undefined ? `gave up after ${(op.timeout.effectiveMs / 1000).toFixed(1)} s` : op.timeout.verdict],
    ['Idempotency', op.idempotency.verdict],
  ]
  return h(
    'section',
    { class: 'report-op', 'data-operation': op.operation, 'aria-label': `${op.operation}: client report` },
    h('h2', {}, op.operation, ' ', h('span', { class: 'tag' }, `${op.method} ${op.path}`)),
    h(
      'dl',
      { class: 'facts' },
      facts.map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', {}, value))),
    ),
    timeline(op, entries),
    h(
      'p',
      { class: 'legend hint' },
      'Bars: attempts, ✗ failed (red), ✓ answered (green). Dashed: the wait before a retry. Orange mark: when Retry-After allowed the next attempt.',
    ),
    h(
      'ul',
      { class: 'verdicts' },
      op.verdicts.map((verdict) => h('li', {}, verdict)),
    ),
    attemptTable(op),
  )
}

/** When an attempt ended for the client: its answer, its giving up, or (unknown) its duration. */
function endOf(attempt, entries) {
  const entry = entries.get(attempt.requestId)
  const start = Date.parse(attempt.time)
  return start + (attempt.clientGaveUpMs ?? entry?.durationMs ?? 0)
}

function timeline(op, entries) {
  const starts = op.attempts.map((a) => Date.parse(a.time))
  const ends = op.attempts.map((a) => endOf(a, entries))
  const retryEnds = op.attempts.map((a, i) => (a.retryAfterMs !== undefined && a.failed ? ends[i] + a.retryAfterMs : ends[i]))
  const t0 = Math.min(...starts)
  const t1 = Math.max(...ends, ...retryEnds, t0 + 1)
  const x = (t) => PAD.left + ((t - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right)
  const height = PAD.top + ROW + PAD.bottom
  const y = PAD.top
  const parts = [s('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: y + ROW / 2, y2: y + ROW / 2 })]
  op.attempts.forEach((attempt, i) => {
    const left = x(starts[i])
    const width = Math.max(3, x(ends[i]) - left)
    const label = attempt.status === 0 ? (attempt.fault?.kind ?? 'no answer') : String(attempt.status)
    parts.push(
      s(
        'rect',
        { class: attempt.failed ? 'failed' : 'ok', x: left, y: y + 6, width, height: ROW - 12, rx: 2 },
        s('title', {}, `attempt ${i + 1}: ${attempt.outcome}`),
      ),
      // Near the right edge a label ends at its bar instead of running off the chart.
      s(
        'text',
        left > WIDTH - 90 ? { x: left + width, y: y - 6, 'text-anchor': 'end' } : { x: left, y: y - 6 },
        `${i + 1}: ${label}${attempt.failed ? ' ✗' : ' ✓'}`,
      ),
    )
    if (attempt.waitedMs !== undefined && i > 0) {
      const from = x(ends[i - 1])
      parts.push(
        s('line', { class: 'gap', x1: from, x2: left, y1: y + ROW / 2, y2: y + ROW / 2 }),
        s('text', { x: (from + left) / 2, y: y + ROW + 14, 'text-anchor': 'middle' }, `waited ${ms(attempt.waitedMs)}`),
      )
    }
    if (attempt.failed && attempt.retryAfterMs !== undefined) {
      const at = x(ends[i] + attempt.retryAfterMs)
      parts.push(s('line', { class: 'retry-after', x1: at, x2: at, y1: y + 2, y2: y + ROW - 2 }, s('title', {}, `Retry-After ${ms(attempt.retryAfterMs)}`)))
    }
  })
  const summary = `${op.attempts.length} attempts over ${ms(t1 - t0)}; ${op.backoff.explain}; ${op.retryAfter.explain}`
  return s('svg', { class: 'timeline', viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': summary }, ...parts)
}

function attemptTable(op) {
  return h(
    'table',
    { class: 'attempts' },
    h('caption', {}, 'Attempts'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['#', 'request', 'outcome', 'waited before it', 'Retry-After advertised', 'fault'].map((name, i) =>
          h('th', { scope: 'col', class: i === 3 || i === 4 ? 'num' : undefined }, name),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      op.attempts.map((a, i) =>
        h(
          'tr',
          {},
          h('td', {}, String(i + 1)),
          h('td', { class: 'mono' }, a.requestId),
          h('td', {}, `${a.failed ? 'failed: ' : 'ok: '}${a.outcome}`),
          h('td', { class: 'num' }, a.waitedMs === undefined ? '' : ms(a.waitedMs)),
          h('td', { class: 'num' }, a.retryAfterMs === undefined ? '' : ms(a.retryAfterMs)),
          h('td', {}, a.fault ? `${a.fault.kind}${a.fault.plan ? ` (${a.fault.plan}, attempt ${a.fault.attempt})` : ''}` : ''),
        ),
      ),
    ),
  )
}

/** Over HTTPS: per listener, the handshakes the client refused and the requests it sent anyway; a flag is a warning in words. */
function tlsSection(tls) {
  if (!tls) return ''
  return h(
    'section',
    { class: 'report-op', 'aria-label': 'TLS' },
    h('h2', {}, 'TLS'),
    h(
      'ul',
      {},
      tls.listeners.map((listener) =>
        h(
          'li',
          { 'data-mode': listener.mode },
          listener.flagged ? h('strong', { class: 'status s5' }, 'WARNING ') : '',
          h('strong', {}, listener.mode),
          `: ${listener.explain}`,
        ),
      ),
    ),
  )
}

function inFlight(list) {
  if (!list.length) return ''
  return h(
    'section',
    {},
    h('h2', {}, 'Held by a fault now'),
    h(
      'ul',
      {},
      list.map((r) => h('li', {}, `${r.method} ${r.path} (${r.requestId}), ${ms(r.ageMs)}: ${r.explain}`)),
    ),
  )
}

function ms(value) {
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`
}
