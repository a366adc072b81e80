// Resolves `electron` to the stub, for ES modules (through a loader hook) and for CommonJS (through require).
import { register } from 'node:module'
import Module from 'node:module'
import { fileURLToPath } from 'node:url'

const stubPath = fileURLToPath(new URL('./electron.cjs', import.meta.url))

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      export async function resolve(specifier, context, next) {
        if (specifier === 'electron') return { url: ${JSON.stringify(new URL('./electron.cjs', import.meta.url).href)}, shortCircuit: true }
        return next(specifier, context)
      }
    `),
)

const originalResolve = Module._resolveFilename
Module._resolveFilename = function resolveElectron(request, ...rest) {
  return request === 'electron' ? stubPath : originalResolve.call(this, request, ...rest)
}
