// Fault plans: the list in force (remove one), and a form to add one. The form is built from the very JSON Schema
// the admin API validates plans with (inspector.json), and the API's answer marks the field its pointer names.
import { api, h } from './dom.js'

const SELECTORS = new Set(['kind', 'operation', 'method', 'path'])
/** The kind's own fields first, then those every kind has. */
const COMMON_LAST = ['delay', 'times', 'probability', 'preflight', 'id', 'seed']
const HINTS = {
  ms: 'milliseconds, or {"min":100,"max":500}, or {"median":200,"sigma":0.5}',
  delay: 'milliseconds to wait before acting (same forms as a delay)',
  status: '400 to 599',
  retryAfter: 'seconds, or an HTTP date',
  body: 'JSON (or plain text)',
  headers: 'JSON object: {"X-RateLimit-Remaining":"0"}',
  times: 'only the first N requests',
  probability: '0 to 1',
  preflight: 'also on CORS preflights',
  id: 'a name for the plan',
  seed: 'repeats random choices',
  bytes: 'body bytes before the connection dies',
  text: 'bytes sent instead of HTTP',
  chunkBytes: 'bytes per piece',
  intervalMs: 'ms between pieces',
}

export async function showFaults(meta) {
  await listPlans()
  buildForm(meta)
}

async function listPlans() {
  const target = document.getElementById('fault-list')
  let data
  try {
    data = await api('faults')
  } catch (error) {
    target.replaceChildren(h('p', { class: 'problem' }, error.message))
    return
  }
  if (data.plans.length === 0) {
    target.replaceChildren(h('p', { class: 'empty' }, `None. Prefer: fault=… is ${data.preferHeader ? 'on' : 'off'}.`))
    return
  }
  target.replaceChildren(
    h(
      'table',
      { id: 'plans' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['id', 'from', 'what', 'attempts', 'applied', 'left', ''].map((name) => h('th', { scope: 'col' }, name)),
        ),
      ),
      h(
        'tbody',
        {},
        data.plans.map((plan) =>
          h(
            'tr',
            { 'data-plan': plan.id },
            h('td', { class: 'mono' }, plan.id),
            h('td', {}, plan.source),
            h('td', {}, plan.explain),
            h('td', { class: 'num' }, String(plan.attempts)),
            h('td', { class: 'num' }, String(plan.applied)),
            h('td', { class: 'num' }, plan.remaining === null ? '∞' : String(plan.remaining)),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  'aria-label': `Remove fault plan ${plan.id}`,
                  onclick: () => api(`faults/${encodeURIComponent(plan.id)}`, { method: 'DELETE' }).then(listPlans, listPlans),
                },
                'Remove',
              ),
            ),
          ),
        ),
      ),
    ),
  )
}

function buildForm(meta) {
  const form = document.getElementById('fault-form')
  if (form.dataset.built) return
  form.dataset.built = 'yes'
  form.classList.add('plan')
  const branches = new Map(meta.faultPlanSchema.oneOf.map((branch) => [branch.properties.kind.const, branch]))
  const kind = h(
    'select',
    { id: 'plan-kind', name: 'kind' },
    meta.faultKinds.map((k) => h('option', { value: k, selected: k === 'status' }, k)),
  )
  const operation = h(
    'select',
    { id: 'plan-operation', name: 'operation' },
    h('option', { value: '' }, 'every operation'),
    meta.operations.map((op) => h('option', { value: op.id }, `${op.id} (${op.label})`)),
  )
  const fields = h('div', { class: 'kind-fields' })
  const result = h('div', { id: 'fault-result', role: 'status', 'aria-live': 'polite' })
  const showFields = () => fields.replaceChildren(...fieldsFor(branches.get(kind.value)))
  kind.addEventListener('change', showFields)
  form.replaceChildren(
    h('label', { for: 'plan-kind' }, 'kind'),
    kind,
    h('label', { for: 'plan-operation' }, 'operation'),
    operation,
    fields,
    h('button', { type: 'submit', class: 'submit' }, 'Add fault plan'),
    result,
  )
  showFields()
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    for (const marked of form.querySelectorAll('[aria-invalid="true"]')) marked.removeAttribute('aria-invalid')
    for (const said of form.querySelectorAll('.field-error')) said.remove()
    const plan = readPlan(form, branches.get(kind.value))
    try {
      const added = await api('faults', { method: 'POST', body: plan })
      result.replaceChildren(h('p', {}, `Added ${added.plans.map((p) => `${p.id}: ${p.explain}`).join('; ')}.`))
      await listPlans()
    } catch (error) {
      result.replaceChildren(h('p', { class: 'problem' }, error.message))
      markField(form, error.problem?.pointer, error.message)
    }
  })
}

function fieldsFor(branch) {
  const names = Object.keys(branch.properties).filter((name) => !SELECTORS.has(name))
  names.sort((a, b) => COMMON_LAST.indexOf(a) - COMMON_LAST.indexOf(b))
  return names.flatMap((name) => {
    const schema = branch.properties[name]
    const required = branch.required.includes(name)
    const id = `plan-${name}`
    const described = `${id}-hint`
    const common = { id, name, 'aria-describedby': described, required, 'data-shape': shapeOf(schema) }
    let input
    if (schema.type === 'boolean') input = h('input', { ...common, type: 'checkbox' })
    else if (schema.type === 'integer' || schema.type === 'number')
      input = h('input', { ...common, type: 'number', step: schema.type === 'integer' ? 1 : 'any', min: schema.minimum, max: schema.maximum })
    else if (name === 'body' || name === 'headers') input = h('textarea', { ...common, rows: 2 })
    else input = h('input', { ...common, type: 'text' })
    return [h('label', { for: id }, name, required ? ' *' : ''), h('div', {}, input, h('small', { id: described, class: 'hint' }, ` ${HINTS[name] ?? ''}`))]
  })
}

function shapeOf(schema) {
  if (schema.type === 'boolean') return 'boolean'
  if (schema.type === 'integer' || schema.type === 'number') return 'number'
  if (schema.type === 'string') return 'string'
  return 'json'
}

/** The form as a plan: empty fields left out, numbers as numbers, JSON where the schema takes any value. */
function readPlan(form, branch) {
  const plan = { kind: branch.properties.kind.const }
  const operation = form.elements.operation.value
  if (operation) plan.operation = operation
  for (const element of form.querySelectorAll('[data-shape]')) {
    const shape = element.dataset.shape
    if (shape === 'boolean') {
      if (element.checked) plan[element.name] = true
      continue
    }
    const text = element.value.trim()
    if (text === '') continue
    if (shape === 'number') plan[element.name] = Number(text)
    else if (shape === 'string') plan[element.name] = text
    else plan[element.name] = /^-?\d+$/.test(text) ? Number(text) : parseJson(text)
  }
  return plan
}

function parseJson(text) {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/** `/retryAfter` (or `/ms/min`): the field the API's pointer names gets the message. */
function markField(form, pointer, message) {
  const name = typeof pointer === 'string' ? pointer.split('/')[1] : undefined
  const field = name && form.elements[name]
  if (!field) return
  field.setAttribute('aria-invalid', 'true')
  field.closest('div')?.after(h('p', { class: 'field-error' }, message))
  field.focus()
}
