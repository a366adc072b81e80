import type { PuiBridge } from '../shared/ipc-channels'

declare global {
  interface Window {
    /** The desktop app's preload binds the renderer API here; serve mode leaves it undefined. */
    pui?: PuiBridge
  }
}

export {}
