import path from 'node:path'

// The corpus run in figures: how many documents started, answered, crashed; start-up times; notes by kind;
// the valid-request and mutation rates; and every failure grouped by its message, with one example each.

const percent = (n, d) => (d === 0 ? 'n/a' : `${((100 * n) / d).toFixed(2)} %`)

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/**
 * A message with its particulars left out, so that one cause is one group: quoted names, numbers,
 * the document's own file name and JSON pointers become placeholders.
 */
export function normalize(message, file) {
  let text = String(message)
  if (file) text = withoutFile(text, file, '<doc>')
  return (
    text
      .replace(/regular expression: \/.*\/[a-z]*: /, 'regular expression: <regex>: ')
      .replace(/\s*\(and \d+ more places?\)/, '')
      .replace(/\/(?:[^\s:'"]*\/)?[^\s:'"]+\.(?:json|ya?ml)/g, '<doc>')
      .replace(/'[^']*'|"[^"]*"|`[^`]*`/g, '…')
      .replace(/(^|[\s(])\/\S*?(?=: |[\s)]|$)/g, '$1<pointer>')
      .replace(/\d+(\.\d+)?/g, 'N')
      .replace(/\s+at .*$/, '')
      // The tail is a list of particulars (operation names, values): one cause, one group.
      .slice(0, 120)
  )
}

/** The document's own name out of a message (doorman names it as given, or relative to the working directory). */
export function withoutFile(text, file, by = '') {
  return [file, path.relative(process.cwd(), file)].reduce((t, name) => t.split(by ? name : `${name}: `).join(by), String(text))
}

/** The kind of a note (`file: /pointer: message`): its message, normalized. */
export function noteKind(note, file) {
  const rest = file ? withoutFile(note, file) : note.replace(/^[^:]*\.(?:json|ya?ml): /, '')
  return normalize(rest.replace(/^\/[^ ]*: /, ''), file)
}

function group(items, keyOf, exampleOf) {
  const groups = new Map()
  for (const item of items) {
    const key = keyOf(item)
    const g = groups.get(key) ?? { key, count: 0, docs: new Set(), example: exampleOf(item) }
    g.count++
    g.docs.add(item.doc)
    groups.set(key, g)
  }
  return [...groups.values()].sort((a, b) => b.count - a.count)
}

export function summarize(results, { wallMs, total = results.length, top = 15 }) {
  const lines = []
  const out = (line = '') => lines.push(line)
  const by = (outcome) => results.filter((r) => r.outcome === outcome)
  const documents = results.filter((r) => r.outcome !== 'not-openapi')
  const started = by('started')
  const crashes = results.filter((r) => r.outcome === 'crash' || r.outcome === 'died')
  const answered = started.filter((r) => r.get && r.get.status !== undefined && r.get.status < 500)
  const times = started.map((r) => r.startMs).sort((a, b) => a - b)

  if (results.length < total) out(`(interrupted: ${results.length} of ${total} files run)`)
  out(
    `documents found: ${documents.length}${results.length > documents.length ? ` (and ${results.length - documents.length} files that are not OpenAPI/Swagger)` : ''}`,
  )
  out(
    `started: ${started.length} (${percent(started.length, documents.length)}); refused (SetupError): ${by('refused').length}; crashes: ${crashes.length}; timed out: ${by('timeout').length}`,
  )
  const probed = started.filter((r) => r.get && !r.get.skipped)
  out(
    `GET to a documented path answered without 5xx: ${answered.length}/${probed.length} started documents probed (${percent(answered.length, probed.length)})`,
  )
  out(
    `start-up (startServer, in-process): median ${Math.round(quantile(times, 0.5))} ms, p90 ${Math.round(quantile(times, 0.9))} ms, max ${Math.round(times.at(-1) ?? NaN)} ms`,
  )
  if (wallMs !== undefined) out(`wall time: ${(wallMs / 1000).toFixed(0)} s (${(wallMs / 1000 / Math.max(1, results.length)).toFixed(2)} s per file)`)

  const checked = started.filter((r) => r.check)
  const sum = (f) => checked.reduce((n, r) => n + f(r.check), 0)
  const sent = sum((c) => c.valid.sent)
  const accepted = sum((c) => c.valid.accepted)
  const mutated = sum((c) => c.mutations.sent)
  const refused = sum((c) => c.mutations.refused)
  out()
  out(`valid requests accepted: ${accepted}/${sent} (${percent(accepted, sent)}) over ${checked.length} documents`)
  out(`mutations refused: ${refused}/${mutated} (${percent(refused, mutated)})`)
  const kinds = {}
  for (const r of checked)
    for (const [kind, n] of Object.entries(r.check.mutations.byKind)) {
      kinds[kind] ??= { sent: 0, refused: 0 }
      kinds[kind].sent += n.sent
      kinds[kind].refused += n.refused
    }
  out(
    `  by kind: ${Object.entries(kinds)
      .map(([k, n]) => `${k} ${n.refused}/${n.sent}`)
      .join(', ')}`,
  )
  const skipped = {}
  for (const r of checked) for (const [reason, n] of Object.entries(r.check.skipped)) skipped[reason] = (skipped[reason] ?? 0) + n
  const skips = Object.entries(skipped).sort((a, b) => b[1] - a[1])
  out(`requests skipped (no valid value by construction): ${skips.reduce((n, [, c]) => n + c, 0)}`)
  for (const [reason, n] of skips.slice(0, top)) out(`  ${n} × ${reason}`)

  out()
  const notes = started.flatMap((r) => (r.notes ?? []).map((note) => ({ doc: r.name, kind: noteKind(note, r.file), note: withoutFile(note, r.file) })))
  out(`notes: ${notes.length} in ${new Set(notes.map((n) => n.doc)).size} documents; top kinds (count, documents):`)
  for (const g of group(
    notes,
    (n) => n.kind,
    (n) => `${n.doc}: ${n.note}`,
  ).slice(0, top))
    out(`  ${g.count} (${g.docs.size}) ${g.key}\n      e.g. ${g.example.slice(0, 300)}`)

  const failures = [
    ...results
      .filter((r) => ['refused', 'crash', 'died', 'timeout'].includes(r.outcome))
      .map((r) => ({ doc: r.name, what: r.outcome, message: withoutFile(r.message, r.file), file: r.file })),
    ...started
      .filter((r) => r.get?.error || r.get?.status >= 500)
      .map((r) => ({ doc: r.name, what: 'GET probe', message: r.get.error ?? `status ${r.get.status}`, request: r.get.request })),
    ...started.filter((r) => r.configRefused).map((r) => ({ doc: r.name, what: 'suite config refused', message: r.configRefused, file: r.file })),
  ]
  out()
  out(`start-up and probe failures, grouped by message (count, documents): ${failures.length}`)
  for (const g of group(
    failures,
    (f) => `${f.what}: ${normalize(f.message, f.file)}`,
    (f) => `${f.doc}${f.request ? ` ${f.request}` : ''}: ${f.message}`,
  )) {
    out(`  ${g.count} ${g.key}\n      e.g. ${g.example.slice(0, 400)}`)
  }

  const findings = checked.flatMap((r) => r.check.failures.map((f) => ({ ...f, doc: r.name, file: r.file })))
  out()
  out(`request failures (a valid request refused, a mutation accepted or refused otherwise), grouped (count, documents): ${findings.length}`)
  const keyOf = (f) =>
    `${f.kind === 'valid' ? 'valid refused' : `mutation ${f.kind}`}: ${f.error ? `client error ${f.error}` : `${f.status} ${f.code ?? ''} ${normalize(f.detail ?? '', f.file)}`}`
  for (const g of group(
    findings,
    keyOf,
    (f) => `${f.doc}: ${f.change ? `(${f.change}) ` : ''}${f.request}\n        → ${f.status ?? ''} ${f.code ?? ''} ${f.detail ?? f.error ?? ''}`,
  )) {
    out(`  ${g.count} (${g.docs.size}) ${g.key}\n      e.g. ${g.example.slice(0, 600)}`)
  }
  return lines
}
