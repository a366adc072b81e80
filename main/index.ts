import { runDesktopApp } from './desktop/desktop-app'

runDesktopApp()
