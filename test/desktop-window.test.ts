import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { windowOptions } from '../main/window-options'
import { APP_USER_MODEL_ID } from '../main/desktop/app-identity'
import { buildContentSecurityPolicy, withContentSecurityPolicy } from '../main/desktop/content-security-policy'
import { decideNavigation, externalBrowserUrl, isPermissionAllowed } from '../main/desktop/web-guards'
import { CONTENT_SECURITY_POLICY } from '../main/serve/http-guards'

describe('windowOptions', () => {
  it('isolates and sandboxes the page', () => {
    const options = windowOptions('/app/out/preload/index.cjs', { bounds: null, devTools: false })

    expect(options.webPreferences).toEqual({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
    })
    expect(options.show).toBe(false)
  })

  it('allows DevTools only when asked', () => {
    expect(windowOptions('/p', { bounds: null, devTools: true }).webPreferences.devTools).toBe(true)
    expect(windowOptions('/p').webPreferences.devTools).toBe(false)
  })

  it('uses restored bounds or centres', () => {
    const restored = windowOptions('/p', { bounds: { x: 10, y: 20, width: 900, height: 700 }, devTools: false })
    const first = windowOptions('/p', { bounds: null, devTools: false })

    expect(restored).toMatchObject({ x: 10, y: 20, width: 900, height: 700 })
    expect(restored).not.toHaveProperty('center')
    expect(first).toMatchObject({ width: 1280, height: 800, center: true })
  })
})

describe('app identity', () => {
  it('matches the electron-builder appId', async () => {
    const config = await readFile('electron-builder.yml', 'utf8')

    const appId = /^appId:\s*(\S+)\s*$/m.exec(config)?.[1]

    expect(appId).toBe(APP_USER_MODEL_ID)
  })
})

describe('buildContentSecurityPolicy', () => {
  it('equals serve mode for built files', () => {
    expect(buildContentSecurityPolicy()).toBe(CONTENT_SECURITY_POLICY)
  })

  it('matches the meta element of the page', async () => {
    const html = await readFile('renderer/index.html', 'utf8')

    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1]

    expect(meta).toBe(buildContentSecurityPolicy({ delivery: 'meta' }))
    expect(meta).not.toContain('frame-ancestors')
    expect(meta).toContain("script-src 'self';")
  })

  it('adds only the dev server origin', () => {
    const policy = buildContentSecurityPolicy({ devServerOrigin: 'http://localhost:5173' })

    expect(policy).toContain("script-src 'self' http://localhost:5173;")
    expect(policy).toContain("connect-src 'self' http://localhost:5173 ws://localhost:5173;")
    expect(policy).not.toContain('unsafe-eval')
    expect(policy).toContain("object-src 'none'")
  })

  it('replaces a server policy header', () => {
    const headers = withContentSecurityPolicy({ 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] }, 'x')

    expect(headers).toEqual({ 'Content-Security-Policy': ['x'], 'Content-Type': ['text/html'] })
    expect(withContentSecurityPolicy(undefined, 'y')).toEqual({ 'Content-Security-Policy': ['y'] })
  })
})

describe('isPermissionAllowed', () => {
  it.each([
    ['notifications', true],
    ['media', false],
    ['geolocation', false],
    ['clipboard-read', false],
    ['openExternal', false],
    ['fullscreen', false],
    ['unknown', false],
    ['', false],
  ])('answers %s with %s', (permission, allowed) => {
    expect(isPermissionAllowed(permission)).toBe(allowed)
  })
})

describe('navigation guards', () => {
  it.each([
    ['https://example.com/docs', 'https://example.com/docs'],
    ['http://127.0.0.1:4780/', 'http://127.0.0.1:4780/'],
    ['file:///etc/passwd', null],
    ['javascript:alert(1)', null],
    ['ms-settings:privacy', null],
    ['smb://server/share', null],
    ['not a url', null],
    ['', null],
  ])('opens %s in the browser as %s', (url, expected) => {
    expect(externalBrowserUrl(url)).toBe(expected)
    expect(decideNavigation(url)).toEqual({ deny: true, openExternally: expected })
  })
})
