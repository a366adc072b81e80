import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react'

/** A message at the top of the window that stays until dismissed. */
export interface Banner {
  /** Showing a banner with the id of one already shown replaces it, so a growing summary stays one banner. */
  id: string
  tone: 'error' | 'notice' | 'info'
  title: string
  body?: string
  action?: { label: string; onSelect: () => void }
}

export interface Banners {
  banners: Banner[]
  show(banner: Omit<Banner, 'id'> & { id?: string }): void
  dismiss(id: string): void
}

const BannerContext = createContext<Banners | null>(null)

export interface BannerProviderProps {
  children: ReactNode
}

let nextBannerNumber = 1

/** Holds the banners of the window: failed calls, failure notices and results of bulk actions. */
export function BannerProvider({ children }: BannerProviderProps) {
  const [banners, setBanners] = useState<Banner[]>([])

  const show = useCallback((banner: Omit<Banner, 'id'> & { id?: string }) => {
    const complete: Banner = { ...banner, id: banner.id ?? `banner-${nextBannerNumber++}` }
    setBanners((current) => [...current.filter((shown) => shown.id !== complete.id), complete])
  }, [])

  const dismiss = useCallback((id: string) => {
    setBanners((current) => current.filter((banner) => banner.id !== id))
  }, [])

  const value = useMemo(() => ({ banners, show, dismiss }), [banners, show, dismiss])
  return <BannerContext.Provider value={value}>{children}</BannerContext.Provider>
}

/** Returns the window's banners and the functions that show and dismiss them. */
export function useBanners(): Banners {
  const banners = useContext(BannerContext)
  if (!banners) throw new Error('useBanners: no BannerProvider above this component')
  return banners
}
