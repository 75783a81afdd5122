import type { ResolvedConfig } from '../config.js'
import type { LoadedSpec } from '../spec/load-spec.js'
import type { Operation, RouteTable } from '../spec/route-table.js'
import { BearerVerifier } from './bearer.js'
import { DigestVerifier } from './digest.js'
import { compileSecurity, type Alternative } from './security.js'
import { TokenMinter } from './tokens.js'
import type { JwtHost } from './jwt-host.js'
import type { Note } from '../spec/notes.js'

/** Everything the auth step needs, built once at start-up (where every mistake is a SetupError). */
export interface AuthRuntime {
  /** The security alternatives per operation; absent when it needs no credentials. */
  requirements: Map<Operation, Alternative[]>
  bearer: BearerVerifier
  basicUsers: Record<string, string>
  digest: DigestVerifier
  /** `realm` of every challenge. */
  realm: string
  tokens: TokenMinter
  /** Said once at start-up (e.g. that bearer signatures are not checked). */
  notes: Note[]
}

export function compileAuth(spec: LoadedSpec, table: RouteTable, config: ResolvedConfig, host: JwtHost): AuthRuntime {
  const auth = config.auth
  const plan = compileSecurity(spec, table, auth)
  const realm = auth.realm ?? spec.document.info?.title ?? 'doorman'
  return {
    requirements: plan.byOperation,
    bearer: new BearerVerifier(auth, host),
    basicUsers: auth.basic,
    digest: new DigestVerifier(auth.digest, realm),
    realm,
    tokens: new TokenMinter(auth, host),
    notes: [...auth.warnings.map((message) => ({ kind: 'auth', where: auth.configFile ?? '', message })), ...plan.notes],
  }
}
