/**
 * Application User Model ID of the desktop app. Windows groups the taskbar entry and the notifications under it, so
 * it must equal `appId` in electron-builder.yml, or notifications of the installed app show no app name.
 */
export const APP_USER_MODEL_ID = 'com.pui.monitor'

/** Name shown in the tray tooltip, the notifications and the window title. */
export const PRODUCT_NAME = 'PUI Monitor'
