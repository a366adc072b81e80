import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react'
import { formatUrlState, parseUrlState, type UrlState } from './url-state'

/** `push` adds a history entry (a new view or job); `replace` rewrites the current one (filters, sort). */
export type HistoryMode = 'push' | 'replace'

export interface Navigation {
  state: UrlState
  navigate(update: (state: UrlState) => UrlState, mode?: HistoryMode): void
}

const NavigationContext = createContext<Navigation | null>(null)

export interface NavigationProviderProps {
  children: ReactNode
}

/** Keeps the view, filters, sort and selected job in the page URL and follows the back and forward buttons. */
export function NavigationProvider({ children }: NavigationProviderProps) {
  const [state, setState] = useState(() => parseUrlState(window.location.search))
  const stateRef = useRef(state)

  useEffect(() => {
    const onPopState = () => {
      stateRef.current = parseUrlState(window.location.search)
      setState(stateRef.current)
    }
    window.addEventListener('popstate', onPopState)
    return () => window.removeEventListener('popstate', onPopState)
  }, [])

  const navigate = useCallback((update: (state: UrlState) => UrlState, mode: HistoryMode = 'replace') => {
    // The history write stays outside a state updater, which React may call twice.
    const next = update(stateRef.current)
    const token = new URLSearchParams(window.location.search).get('token')
    const url = `${window.location.pathname}${formatUrlState(next, token)}${window.location.hash}`
    if (mode === 'push') window.history.pushState(null, '', url)
    else window.history.replaceState(null, '', url)

    stateRef.current = next
    setState(next)
  }, [])

  const value = useMemo(() => ({ state, navigate }), [state, navigate])
  return <NavigationContext.Provider value={value}>{children}</NavigationContext.Provider>
}

/** Returns the URL state and the function that changes it. */
export function useNavigation(): Navigation {
  const navigation = useContext(NavigationContext)
  if (!navigation) throw new Error('useNavigation: no NavigationProvider above this component')
  return navigation
}
