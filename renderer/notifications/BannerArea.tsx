import { useBanners, type Banner } from './banner-context'

const TONE_ICONS: Record<Banner['tone'], string> = { error: '✕', notice: '⚠', info: 'ℹ' }

/** Renders the banners under the header. Errors and failure notices are alerts, so screen readers announce them. */
export function BannerArea() {
  const { banners, dismiss } = useBanners()
  if (banners.length === 0) return null

  return (
    <div className="banner-area">
      {banners.map((banner) => (
        <div
          key={banner.id}
          className={`banner banner--${banner.tone}`}
          role={banner.tone === 'info' ? 'status' : 'alert'}
        >
          <span className="banner__icon" aria-hidden="true">
            {TONE_ICONS[banner.tone]}
          </span>
          <div className="banner__text">
            <strong>{banner.title}</strong>
            {banner.body && <span className="banner__body">{banner.body}</span>}
          </div>
          {banner.action && (
            <button type="button" onClick={banner.action.onSelect}>
              {banner.action.label}
            </button>
          )}
          <button type="button" onClick={() => dismiss(banner.id)} aria-label={`Dismiss: ${banner.title}`}>
            Dismiss
          </button>
        </div>
      ))}
    </div>
  )
}
