import type { LoadedSpec } from '../spec/load-spec.js'
import { encodePointerToken } from '../spec/refs.js'
import type { RouteTable } from '../spec/route-table.js'
import { FRAMING_HEADERS, INFORMATIONAL_STAND_IN } from './respond.js'

/**
 * Start-up notes about documented answers doorman does not send as written:
 * framing headers it leaves out, and operations whose only documented
 * success is informational (1xx), which get a stand-in final status.
 */
export function noteResponses(spec: LoadedSpec, table: RouteTable): void {
  const noted = new Set<string>()
  for (const op of table.operations) {
    for (const response of Object.values(op.responses)) {
      for (const name of Object.keys(response.headers ?? {})) {
        const pointer = `${response.pointer}/headers/${encodePointerToken(name)}`
        if (!FRAMING_HEADERS.has(name.toLowerCase()) || noted.has(pointer)) continue
        noted.add(pointer)
        spec.notes.add(
          'response',
          pointer,
          `the documented response header '${name}' is left out of answers: how an answer is framed is doorman's business (it sends Content-Length and never compresses), and a copied ${name} would contradict it.`,
        )
      }
    }
    const documented = Object.keys(op.responses)
    const informational = documented.filter((k) => /^1([0-9]{2}|XX)$/.test(k))
    if (informational.length > 0 && !documented.some((k) => /^[23]/.test(k) || k === 'default')) {
      spec.notes.add(
        'response',
        `${op.pointer}/responses`,
        `${op.label} documents only informational success (${informational.join(', ')}), which is never a final answer (the client would wait for one forever), so a valid request gets ${INFORMATIONAL_STAND_IN} No Content instead (doorman cannot switch protocols); document the final answer (e.g. '200') for doorman to send it.`,
      )
    }
  }
}
