/** Outcome of closing the window. */
export type CloseDecision = 'quit' | 'hide' | 'hide-with-hint'

export interface CloseState {
  /** The `closeToTray` setting. */
  closeToTray: boolean
  /** True once the user chose Quit (tray menu, app menu, or the OS logging out): the window closes for real. */
  quitting: boolean
  /** True when the tray icon exists; without one a hidden window could not be brought back. */
  trayAvailable: boolean
  /** True once a notification has shown that the app keeps running in the tray. */
  hintShown: boolean
}

/**
 * Decides the outcome of closing the window. While `closeToTray` is on and a tray icon exists, the window hides to
 * the tray, the first time with a hint that the app keeps running. Otherwise the window closes and the app quits.
 */
export function decideClose(state: CloseState): CloseDecision {
  if (state.quitting || !state.closeToTray || !state.trayAvailable) return 'quit'
  return state.hintShown ? 'hide' : 'hide-with-hint'
}

/** Text of the one-time hint shown when the window first hides to the tray. */
export const CLOSE_TO_TRAY_HINT = {
  title: 'PUI Monitor is still running',
  body: 'It keeps watching in the tray. Use Quit in the tray menu to stop it, or turn off "Close to tray" in Settings.',
} as const
