import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidArgumentError } from 'commander'
import { EXIT } from '../cli/exit-codes'
import { rememberFolders, settingsFromFlags, type PipelineFlags } from '../cli/options'
import { createLogger } from '../core/logger'
import { Monitor } from '../core/monitor'
import { resolveSettings } from '../core/settings'
import { ApiService } from './api-service'
import { isLoopbackAddress } from './http-guards'
import { ServeStartError, startServeServer, type ServeServer } from './http-server'

/** Port `serve` listens on when `--port` is not given. */
export const DEFAULT_SERVE_PORT = 4780
export const DEFAULT_SERVE_HOST = '127.0.0.1'

export interface ServeFlags extends PipelineFlags {
  port: number
  host: string
  allowRemote?: boolean
}

/** Parses `--port`: a whole number from 0 (any free port) to 65535. */
export function portNumber(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value) || port > 65_535) throw new InvalidArgumentError(`--port expects a port from 0 to 65535, got "${value}"`)
  return port
}

/**
 * Folder of the built renderer. The command line is bundled to `out/main/cli.js`, so the renderer is in
 * `out/renderer` beside it.
 */
export function defaultRendererDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'renderer')
}

/**
 * Runs the monitor and serves the renderer and its API over HTTP until SIGINT or SIGTERM. The first line on standard
 * output is the URL with the token, and the messages for people go to standard error.
 */
export async function serveCommand(flags: ServeFlags, rendererDir = defaultRendererDir()): Promise<number> {
  // The first signal starts the stop. Later ones, such as a Ctrl+C that both the terminal and a wrapper script
  // deliver, are reported and ignored until the stop ends, so they never cut it short and leave the lock behind.
  let stopping = false
  const stopRequested = new Promise<string>((resolveStop) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        process.stderr.write(`${signal}: already stopping; waiting for running jobs to finish\n`)
        return
      }
      stopping = true
      resolveStop(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })

  const remote = !isLoopbackAddress(flags.host)
  if (remote && !flags.allowRemote) {
    process.stderr.write(
      `serve: --host ${flags.host} is not a loopback address, so other machines could reach the API: add --allow-remote to accept that, or leave out --host\n`,
    )
    return EXIT.usage
  }
  const indexHtml = join(rendererDir, 'index.html')
  if (!existsSync(indexHtml)) {
    process.stderr.write(`serve: the renderer is not built (${indexHtml} is missing): run "npm run build" first\n`)
    return EXIT.usage
  }
  if (remote) {
    process.stderr.write(
      `warning: serving on ${flags.host} with --allow-remote: any machine that reaches it gets the page, any Host header is accepted, and the token is the only guard of the API\n`,
    )
  }

  const settings = await rememberFolders(await resolveSettings(settingsFromFlags(flags)), flags)
  const logger = createLogger(settings.dataDir, { console: false, prefix: 'serve' })
  const monitor = await Monitor.open(settings, { logger })
  if (monitor.storeRecovery) process.stderr.write(`warning: ${monitor.storeRecovery.message}\n`)
  // The API subscribes to the monitor before it starts, so it receives a missing-folder event from the first scan.
  const api = new ApiService(monitor, { logger })

  let server: ServeServer
  try {
    await monitor.start()
    server = await startServeServer({ api, host: flags.host, port: flags.port, rendererDir, allowRemote: remote, logger })
  } catch (error) {
    api.close()
    await monitor.stop()
    if (!(error instanceof ServeStartError)) throw error
    process.stderr.write(`${error.message}\n`)
    return EXIT.usage
  }

  process.stdout.write(`${server.url}\n`)
  process.stderr.write(`PUI Monitor is serving on ${server.url}\nopen that URL in a browser; press Ctrl+C to stop\n`)

  const signal = await stopRequested
  process.stderr.write(`${signal}: stopping the server, letting running jobs finish\n`)
  logger.info(`serve: ${signal} received; stopping`)
  await server.close()
  api.close()
  await monitor.stop()
  return EXIT.ok
}
