#!/usr/bin/env node
// Runs the built command line; `npm ci` builds it through the `prepare` script.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const cli = fileURLToPath(new URL('../out/main/cli.js', import.meta.url))
if (!existsSync(cli)) {
  process.stderr.write(`pui-monitor: ${cli} is missing: run "npm run build" in the project folder first\n`)
  process.exit(2)
}
await import(cli)
