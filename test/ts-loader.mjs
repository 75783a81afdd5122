// What tap loads the test files with (package.json: tap.node-arg): TypeScript turned into JavaScript by esbuild, one
// file at a time, as tsx did, but nothing more. tsx's hooks also look at every module that is not TypeScript (tap
// and its plugins, fastify, ajv: a few thousand per test file) and hook require() as well; that cost ~0.5 s of CPU
// in each of the hundred test processes. The files are the project's .ts files outside node_modules; imports name
// them with .js (NodeNext), as tsc wants.
import { register } from 'node:module'

register('./ts-hooks.mjs', import.meta.url)
