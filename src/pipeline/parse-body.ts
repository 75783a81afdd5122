import { Problem } from '../problems/problem.js'
import { matchedOperation, matchedRules, type Stage } from './context.js'
import { parseJsonText } from './parse-json.js'
import { parseForm } from './parse-form.js'
import { parseMultipart } from './parse-multipart.js'

/** Step 6: the body, read in full (within its limit), parsed for its media type. */
export const parseBody: Stage = {
  name: 'parse',
  needsBody: true,
  // Not async: only multipart answers later, and a promise per JSON body costs the server a microtask hop.
  run(ctx, request, state) {
    const body = matchedRules(ctx).body
    // the operation takes no body, and the content-type step made sure none came
    if (body === undefined) return undefined
    // doorman proxy: a binary body streams on to the upstream, checked for its type and size only
    if (ctx.streamed) return undefined
    const bytes = ctx.body
    if (bytes === undefined || bytes.length === 0 || ctx.media === undefined) {
      if (!body.required) return undefined
      const accepted = body.media.map((m) => m.mediaType).join(', ')
      return new Problem('BODY_REQUIRED', {
        detail: `${matchedOperation(ctx).label} requires a request body (${accepted}), and this request has ${bytes?.length === 0 ? 'an empty one' : 'none'}.`,
        extra: { expected: body.media.map((m) => m.mediaType) },
      })
    }
    switch (ctx.media.kind) {
      case 'json': {
        const parsed = parseJsonText(bytes, state.config.limits.jsonDepth)
        if (parsed instanceof Problem) return parsed
        ctx.parsedBody = parsed.value
        ctx.bodyText = parsed.text
        return undefined
      }
      case 'form': {
        const parsed = parseForm(bytes.toString('utf8'), ctx.media.rule.form)
        if (parsed instanceof Problem) return parsed
        ctx.parsedBody = parsed
        return undefined
      }
      case 'multipart':
        // The content-type step matched the header, so it is there; without it busboy refuses the body as malformed.
        return parseMultipart(bytes, request.headers['content-type'] ?? '', ctx.media.rule, matchedRules(ctx).bodyLimitBytes).then((parsed) => {
          if (parsed instanceof Problem) return parsed
          ctx.parsedBody = parsed
          return undefined
        })
      case 'text': {
        try {
          ctx.parsedBody = new TextDecoder(ctx.media.charset ?? 'utf-8', { fatal: true }).decode(bytes)
        } catch {
          return new Problem('BODY_MALFORMED', {
            detail: `The body is not valid ${ctx.media.charset ?? 'UTF-8'} text; send it in the charset Content-Type names.`,
          })
        }
        return undefined
      }
      default:
        // Bytes are bytes; as a latin1 string, maxLength counts them one for one.
        ctx.parsedBody = bytes.toString('latin1')
        return undefined
    }
  },
}

/**
 * `a=1&a=2&b=x` → `{ a: ['1', '2'], b: 'x' }`; the schema's types are applied when it is validated.
 * The object keeps no prototype: the validator reads `data.toString` for a property named toString, and
 * on a plain object it would find Object.prototype's (a function, "present" when the client sent none).
 */
export function formObject(params: URLSearchParams): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>
  for (const [key, value] of params) {
    const existing = out[key]
    out[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
  }
  return out
}
