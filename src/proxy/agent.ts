import { readFileSync } from 'node:fs'
import { rootCertificates } from 'node:tls'
import { Agent, EnvHttpProxyAgent, type Dispatcher } from 'undici'
import { SetupError } from '../setup-error.js'
import type { ResolvedProxyOptions } from './options.js'

/**
 * The undici dispatcher every forwarded request goes through: keep-alive
 * connections to the upstream, its TLS trust (--upstream-ca, or none with
 * --upstream-insecure), the timeout, and the corporate proxy the standard
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY variables name (undici's
 * EnvHttpProxyAgent reads them; it is only made when one is set, since it
 * warns that it is experimental).
 */
export function upstreamDispatcher(options: ResolvedProxyOptions, env: NodeJS.ProcessEnv = process.env): Dispatcher {
  const tls = {
    rejectUnauthorized: !options.insecure,
    // An extra CA is trusted besides the system's, as NODE_EXTRA_CA_CERTS would be.
    ...(options.ca !== undefined && { ca: [...rootCertificates, readCa(options.ca)] }),
  }
  const agentOptions = {
    connect: tls,
    headersTimeout: options.timeoutMs,
    // The body may take long (a 1 GiB download): a stall, not the total, is what times out.
    bodyTimeout: options.timeoutMs,
    keepAliveTimeout: 4_000,
  }
  const proxied = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'].some((name) => env[name])
  // Through a proxy the upstream's TLS is `requestTls`; `connect` is the hop to the proxy itself.
  // (undici 6's types leave `requestTls` out of EnvHttpProxyAgent's options; its ProxyAgents read it.)
  return proxied ? new EnvHttpProxyAgent({ ...agentOptions, requestTls: tls } as EnvHttpProxyAgent.Options) : new Agent(agentOptions)
}

function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new SetupError(`--upstream-ca: cannot read the CA file (${(error as Error).message})`, { file })
  }
}
