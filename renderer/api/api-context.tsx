import { createContext, useContext, type ReactNode } from 'react'
import type { PuiApi } from '../../shared/api'

const ApiContext = createContext<PuiApi | null>(null)

export interface ApiProviderProps {
  api: PuiApi
  children: ReactNode
}

/** Gives the components below it the renderer API; tests pass a fake one. */
export function ApiProvider({ api, children }: ApiProviderProps) {
  return <ApiContext.Provider value={api}>{children}</ApiContext.Provider>
}

/** Returns the renderer API of the nearest `ApiProvider`. */
export function useApi(): PuiApi {
  const api = useContext(ApiContext)
  if (!api) throw new Error('useApi: no ApiProvider above this component; wrap the tree in <ApiProvider api={...}>')
  return api
}
