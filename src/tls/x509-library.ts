// The X.509 library in one module, loaded with import() on first use (src/tls/x509.ts); the CLI bundle keeps
// it in a file of its own (scripts/bundle-cli.mjs), so that a start without TLS does not even parse it.
// @peculiar/x509 2.x resolves its parts through tsyringe, which needs a Reflect metadata polyfill loaded first.
import 'reflect-metadata'
export * from '@peculiar/x509'
