import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import type { CoreLogger } from '../core/logger'

/** Name of the desktop app's own state file in the data folder. */
export const DESKTOP_STATE_FILE_NAME = 'desktop-state.json'

/** Size of the window at the first start, in pixels. */
export const DEFAULT_WINDOW_SIZE = { width: 1280, height: 800 } as const

/** Smallest window size restored, in pixels; a smaller saved size is grown to it. */
export const MIN_WINDOW_SIZE = { width: 640, height: 400 } as const

/** Width and height of the window's top strip that must lie on a display, so the title bar can be grabbed, in pixels. */
const GRAB_AREA = { width: 120, height: 32 } as const

const BoundsSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
})
export type Bounds = z.infer<typeof BoundsSchema>

const DesktopStateSchema = z.object({
  bounds: BoundsSchema.nullable().catch(null),
  maximized: z.boolean().catch(false),
  closeToTrayHintShown: z.boolean().catch(false),
})

/** State the desktop app keeps between starts, apart from the settings. */
export type DesktopState = z.infer<typeof DesktopStateSchema>

export const INITIAL_DESKTOP_STATE: DesktopState = { bounds: null, maximized: false, closeToTrayHintShown: false }

/**
 * Returns the saved window bounds when the window's top strip would still be on one of the displays' work areas,
 * with its size shrunk to fit that work area. Returns null (open at the default size, centred) when there are no
 * saved bounds, or when they lie on a display that is gone or has changed, so the window never opens off screen.
 */
export function restoreBounds(saved: Bounds | null, workAreas: readonly Bounds[]): Bounds | null {
  if (saved === null) return null

  const grab: Bounds = { x: saved.x, y: saved.y, width: Math.min(saved.width, GRAB_AREA.width), height: GRAB_AREA.height }
  const display = workAreas.find((area) => containsRectangle(area, grab))
  if (display === undefined) return null

  return {
    x: saved.x,
    y: saved.y,
    width: clamp(saved.width, MIN_WINDOW_SIZE.width, display.width),
    height: clamp(saved.height, MIN_WINDOW_SIZE.height, display.height),
  }
}

function containsRectangle(outer: Bounds, inner: Bounds): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.width <= outer.x + outer.width &&
    inner.y + inner.height <= outer.y + outer.height
  )
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(Math.min(value, max), Math.min(min, max))
}

/**
 * Reads `<dataDir>/desktop-state.json`. A missing file gives the initial state. An unreadable or invalid file is
 * logged and gives the initial state too, because losing the window position is harmless.
 */
export async function readDesktopState(dataDir: string, logger: CoreLogger): Promise<DesktopState> {
  const path = join(dataDir, DESKTOP_STATE_FILE_NAME)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'ENOENT') logger.warn(`desktop: cannot read ${path} (${code}); using the default window position`)
    return { ...INITIAL_DESKTOP_STATE }
  }

  try {
    const parsed = DesktopStateSchema.safeParse(JSON.parse(text))
    if (parsed.success) return parsed.data
    logger.warn(`desktop: ${path} has an unexpected shape; using the default window position`)
  } catch (error) {
    logger.warn(`desktop: ${path} is not valid JSON (${(error as Error).message}); using the default window position`)
  }
  return { ...INITIAL_DESKTOP_STATE }
}

/** Writes `<dataDir>/desktop-state.json` through a temporary file and a rename, so a crash leaves the old or the new file. */
export async function writeDesktopState(dataDir: string, state: DesktopState): Promise<void> {
  const path = join(dataDir, DESKTOP_STATE_FILE_NAME)
  const temporary = `${path}.tmp-${process.pid}`
  try {
    await writeFile(temporary, JSON.stringify(state, null, 2) + '\n')
    await rename(temporary, path)
  } catch (error) {
    await rm(temporary, { force: true })
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error'
    throw new Error(`desktop: cannot write ${path} (${code}): check the data folder's permissions and free space`, { cause: error })
  }
}
