// The inspector: the journal live (Server-Sent Events), one request opened, the client report, fault plans.
import { api, formatTime, h, statusBadge } from './dom.js'
import { closeDetail, openDetail } from './detail.js'
import { showFaults } from './faults.js'
import { showReport } from './report.js'

const state = {
  /** Every entry received, by requestId, oldest first (the journal's own order). */
  entries: new Map(),
  meta: { operations: [], codes: {} },
  selected: undefined,
}
const $ = (selector) => document.querySelector(selector)

async function main() {
  state.meta = await api('inspector.json')
  $('#api-title').textContent = state.meta.title ? `— ${state.meta.title}` : ''
  setupTabs()
  setupFilters()
  setupList()
  $('#clear-journal').addEventListener('click', () => api('journal', { method: 'DELETE' }).catch(report))
  $('#reset-mock').addEventListener('click', () => api('reset', { method: 'POST' }).then(() => showFaults(state.meta), report))
  $('#refresh-report').addEventListener('click', () => showReport(state.entries))
  connect()
}

/** The journal, live. EventSource reconnects by itself and sends Last-Event-ID; the server says `clear` when it cannot resume. */
function connect() {
  const live = $('#live')
  const events = new EventSource('events')
  events.addEventListener('open', () => setLive(live, 'live', 'live'))
  events.addEventListener('error', () => setLive(live, 'down', 'disconnected: retrying…'))
  events.addEventListener('clear', () => {
    state.entries.clear()
    closeDetail(state)
    render()
  })
  let scheduled = false
  events.addEventListener('entry', (event) => {
    const entry = JSON.parse(event.data)
    state.entries.set(entry.requestId, entry)
    // The page keeps what the journal keeps, no more: an inspector left open under load stays small.
    if (state.entries.size > state.meta.capacity) state.entries.delete(state.entries.keys().next().value)
    // A burst of events renders once.
    if (!scheduled) {
      scheduled = true
      requestAnimationFrame(() => {
        scheduled = false
        render()
      })
    }
  })
}

function setLive(element, stateName, text) {
  element.dataset.state = stateName
  element.textContent = text
}

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')]
  const select = (tab) => {
    for (const other of tabs) {
      const on = other === tab
      other.setAttribute('aria-selected', String(on))
      other.tabIndex = on ? 0 : -1
      document.getElementById(other.getAttribute('aria-controls')).hidden = !on
    }
    tab.focus()
    if (tab.id === 'tab-report') showReport(state.entries)
    if (tab.id === 'tab-faults') showFaults(state.meta)
  }
  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab))
    // WAI-ARIA tabs: arrow keys move between them.
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key]
      if (step) select(tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length])
    })
  }
}

function setupFilters() {
  $('#filters').addEventListener('change', render)
  $('#filters').addEventListener('submit', (event) => event.preventDefault())
  const operations = $('#filters [name="operation"]')
  for (const op of state.meta.operations) operations.append(h('option', { value: op.id }, `${op.id} (${op.label})`))
}

function filters() {
  const form = new FormData($('#filters'))
  return { status: form.get('status'), operation: form.get('operation'), code: form.get('code'), preflights: form.get('preflights') === 'on' }
}

function passes(entry, f) {
  if (f.status !== '' && String(Math.floor(entry.status / 100)) !== f.status) return false
  if (f.operation !== '' && entry.operation !== f.operation && entry.cors?.preflight?.operation !== f.operation) return false
  if (f.code !== '' && entry.code !== f.code) return false
  if (!f.preflights && entry.cors?.preflight) return false
  return true
}

function render() {
  const f = filters()
  const all = [...state.entries.values()]
  const shown = all.filter((entry) => passes(entry, f)).reverse()
  $('#count').textContent = String(all.length)
  $('#shown').textContent = shown.length === all.length ? '' : `${shown.length} of ${all.length} shown`
  $('#empty').hidden = all.length > 0
  updateCodeFilter(all, f.code)
  const body = $('#requests tbody')
  const focusedId = document.activeElement?.closest?.('#requests tbody tr')?.dataset.id
  body.replaceChildren(...shown.map(row))
  if (focusedId) body.querySelector(`tr[data-id="${CSS.escape(focusedId)}"]`)?.focus()
}

/** The codes seen so far, so the filter offers what there is. */
function updateCodeFilter(entries, current) {
  const select = $('#filters [name="code"]')
  const codes = [...new Set(entries.map((e) => e.code).filter(Boolean))].sort()
  if (codes.join() === select.dataset.codes) return
  select.dataset.codes = codes.join()
  select.replaceChildren(h('option', { value: '' }, 'all'), ...codes.map((code) => h('option', { value: code, selected: code === current }, code)))
}

function row(entry) {
  const preflight = entry.cors?.preflight
  const handshake = entry.method === ''
  const operation = preflight
    ? h('span', {}, h('span', { class: 'tag' }, 'CORS preflight'), ` for ${preflight.method} `, preflight.operation ?? '')
    : handshake
      ? h('span', { class: 'tag' }, `TLS handshake${entry.tls?.mode ? ` (${entry.tls.mode})` : ''}`)
      : (entry.operation ?? '—')
  const fault = entry.fault ? `${entry.fault.kind}${entry.fault.plans[0] ? ` (${entry.fault.plans[0].id})` : ''}` : ''
  return h(
    'tr',
    { tabindex: 0, 'data-id': entry.requestId, 'aria-current': state.selected === entry.requestId ? 'true' : undefined },
    h('td', { class: 'mono' }, formatTime(entry.time)),
    h('td', { class: 'method' }, handshake ? 'TLS' : entry.method),
    h('td', { class: 'path mono' }, entry.path + (entry.query ? `?${entry.query}` : '')),
    h('td', { class: 'op' }, operation),
    h('td', {}, statusBadge(entry.status)),
    h(
      'td',
      { class: 'detail-cell' },
      entry.code ? h('code', {}, entry.code) : '',
      entry.detail ? h('span', { class: 'one-line', title: entry.detail }, entry.detail) : '',
    ),
    h('td', {}, fault),
    h('td', { class: 'num' }, String(Math.round(entry.durationMs))),
  )
}

function setupList() {
  const body = $('#requests tbody')
  const open = (tr) => {
    state.selected = tr.dataset.id
    for (const other of body.querySelectorAll('tr[aria-current="true"]')) other.removeAttribute('aria-current')
    tr.setAttribute('aria-current', 'true')
    openDetail(state, tr.dataset.id)
  }
  body.addEventListener('click', (event) => {
    const tr = event.target.closest('tr')
    if (tr) open(tr)
  })
  body.addEventListener('keydown', (event) => {
    const tr = event.target.closest('tr')
    if (!tr) return
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault()
      open(tr)
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault()
      ;(event.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling)?.focus()
    }
  })
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && state.selected) {
      const id = state.selected
      closeDetail(state)
      $(`#requests tbody tr[data-id="${CSS.escape(id)}"]`)?.focus()
    }
  })
}

function report(error) {
  const notice = $('#notice')
  notice.textContent = error.message
  notice.hidden = false
}

main().catch((error) => {
  setLive($('#live'), 'down', `the inspector could not start: ${error.message}`)
})
