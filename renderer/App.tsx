import { useState } from 'react'
import type { PuiApi } from '../shared/api'
import { ApiProvider } from './api/api-context'
import { forgetAccessToken } from './api/access-token'
import { getApi } from './api/get-api'
import { NavigationProvider } from './navigation/navigation-context'
import { BannerProvider } from './notifications/banner-context'
import { AccessTokenScreen } from './shell/AccessTokenScreen'
import { Workspace } from './shell/Workspace'

export interface AppProps {
  /** The API to use; by default the desktop preload's or serve mode's HTTP client. Tests pass a fake. */
  api?: PuiApi
}

/** Renders the app with the chosen API, or explains how to get an access token when serve mode has none. */
export function App({ api: givenApi }: AppProps) {
  const [rejected, setRejected] = useState(false)
  const [api] = useState(
    () =>
      givenApi ??
      getApi({
        onUnauthorized: () => {
          forgetAccessToken()
          setRejected(true)
        },
      }),
  )

  if (!api || rejected) return <AccessTokenScreen rejected={rejected} />
  return (
    <ApiProvider api={api}>
      <NavigationProvider>
        <BannerProvider>
          <Workspace />
        </BannerProvider>
      </NavigationProvider>
    </ApiProvider>
  )
}
