import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Menu, nativeImage, Tray, type MenuItemConstructorOptions } from 'electron'
import type { CoreLogger } from '../core/logger'
import { buildTrayMenu, trayIconFile, trayTooltip, type TrayAction, type TrayState } from './tray-menu'

/** The tray icon: its image, tooltip and menu follow the state given to `update`. */
export interface DesktopTray {
  update(state: TrayState): void
  destroy(): void
}

/**
 * Creates the tray icon from the images in `resourcesDir`. A missing image is logged and replaced by an empty one,
 * so the app still starts, though some desktops then show no visible icon.
 */
export function createTray(resourcesDir: string, onAction: (action: TrayAction) => void, logger: CoreLogger): DesktopTray {
  const image = (fileName: string) => {
    const path = join(resourcesDir, fileName)
    if (!existsSync(path)) logger.warn(`desktop: tray image ${path} is missing; the tray icon may be invisible`)
    return nativeImage.createFromPath(path)
  }

  let current: TrayState = { backupFailures: 0, unacknowledgedFailures: 0, paused: false }
  const tray = new Tray(image(trayIconFile(current)))

  function update(state: TrayState): void {
    current = state
    tray.setImage(image(trayIconFile(state)))
    tray.setToolTip(trayTooltip(state))
    const template: MenuItemConstructorOptions[] = buildTrayMenu(state).map((entry) =>
      entry.kind === 'separator'
        ? { type: 'separator' }
        : { label: entry.label, enabled: entry.enabled, click: () => onAction(entry.action) },
    )
    tray.setContextMenu(Menu.buildFromTemplate(template))
  }

  // A click shows the window on Windows and most Linux desktops; macOS opens the menu instead.
  tray.on('click', () => onAction('show-window'))
  update(current)
  return { update, destroy: () => tray.destroy() }
}
