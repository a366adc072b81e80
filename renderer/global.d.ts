import type { PuiApi } from '../shared/api'

declare global {
  interface Window {
    /** The desktop app's preload binds the renderer API here; serve mode leaves it undefined. */
    pui?: PuiApi
  }
}

export {}
