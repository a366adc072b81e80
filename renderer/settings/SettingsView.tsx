import { useEffect, useState, type FormEvent } from 'react'
import type { FolderKind, MonitorStatus } from '../../shared/api'
import { NOTIFICATION_LEVELS, type NotificationLevel } from '../../shared/notification-policy'
import type { Settings } from '../../shared/schemas'
import { useApi } from '../api/api-context'
import { errorMessage } from '../common/errors'
import { DesktopNotificationsButton } from '../notifications/DesktopNotificationsButton'
import { LEVEL_LABELS } from '../notifications/notification-level'
import { buildPatch, NUMERIC_FIELDS, toDraft, type SettingsDraft } from './settings-fields'
import { WatchingControl } from './WatchingControl'

export interface SettingsViewProps {
  status: MonitorStatus | null
  onStatusChange(status: MonitorStatus): void
  notificationLevel: NotificationLevel
  onNotificationLevelChange(level: NotificationLevel): void
}

type SaveOutcome = { tone: 'error'; messages: string[] } | { tone: 'saved' } | null

/** Renders the monitor's folders and options, the watching switch and this browser's notification choices. */
export function SettingsView(props: SettingsViewProps) {
  const api = useApi()
  const [saved, setSaved] = useState<Settings | null>(null)
  const [draft, setDraft] = useState<SettingsDraft | null>(null)
  const [loadProblem, setLoadProblem] = useState<string | null>(null)
  const [outcome, setOutcome] = useState<SaveOutcome>(null)
  const [saving, setSaving] = useState(false)
  const desktop = props.status?.desktop === true

  useEffect(() => {
    let current = true
    api.getSettings().then(
      (settings) => {
        if (!current) return
        setSaved(settings)
        setDraft(toDraft(settings))
      },
      (error: unknown) => {
        if (current) setLoadProblem(`Loading the settings failed: ${errorMessage(error)}`)
      },
    )
    return () => {
      current = false
    }
  }, [api])

  async function save(event: FormEvent): Promise<void> {
    event.preventDefault()
    if (!saved || !draft) return

    const built = buildPatch(saved, draft)
    if ('problems' in built) {
      setOutcome({ tone: 'error', messages: built.problems })
      return
    }

    setSaving(true)
    try {
      const updated = await api.updateSettings(built.patch)
      setSaved(updated)
      setDraft(toDraft(updated))
      setOutcome({ tone: 'saved' })
    } catch (error) {
      setOutcome({ tone: 'error', messages: [errorMessage(error)] })
    } finally {
      setSaving(false)
    }
  }

  async function chooseFolder(kind: FolderKind): Promise<void> {
    try {
      const chosen = await api.chooseFolder(kind)
      if (chosen === null) return
      setDraft((current) => (current === null ? current : { ...current, [kind === 'index' ? 'indexDir' : 'archiveDir']: chosen }))
    } catch (error) {
      setOutcome({ tone: 'error', messages: [errorMessage(error)] })
    }
  }

  return (
    <section className="settings-view" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>

      <h3>Watching</h3>
      <WatchingControl status={props.status} onStatusChange={props.onStatusChange} />

      <h3>Notifications</h3>
      <div className="settings-view__row">
        <label className="filter-bar__field">
          Notify about
          <select
            value={props.notificationLevel}
            onChange={(event) => props.onNotificationLevelChange(event.target.value as NotificationLevel)}
          >
            {NOTIFICATION_LEVELS.map((level) => (
              <option key={level} value={level}>
                {LEVEL_LABELS[level]}
              </option>
            ))}
          </select>
        </label>
        {!desktop && <DesktopNotificationsButton />}
      </div>

      <h3>Folders and options</h3>
      {loadProblem && (
        <p className="inline-error" role="alert">
          {loadProblem}
        </p>
      )}
      {saved && draft && (
        <form className="settings-form" onSubmit={(event) => void save(event)}>
          <label>
            Index folder
            <input value={draft.indexDir} onChange={(event) => setDraft({ ...draft, indexDir: event.target.value })} />
          </label>
          {desktop && (
            <button type="button" onClick={() => void chooseFolder('index')}>
              Choose index folder…
            </button>
          )}
          <label>
            Archive folder
            <input value={draft.archiveDir} onChange={(event) => setDraft({ ...draft, archiveDir: event.target.value })} />
          </label>
          {desktop && (
            <button type="button" onClick={() => void chooseFolder('archive')}>
              Choose archive folder…
            </button>
          )}
          <label>
            Data folder (set when the monitor starts)
            <input value={saved.dataDir} readOnly />
          </label>
          <label className="settings-form__checkbox">
            <input
              type="checkbox"
              checked={draft.usePolling}
              onChange={(event) => setDraft({ ...draft, usePolling: event.target.checked })}
            />
            Poll the index folder instead of using file-system events (for network shares)
          </label>
          {desktop && (
            <>
              <label className="settings-form__checkbox">
                <input
                  type="checkbox"
                  checked={draft.closeToTray}
                  onChange={(event) => setDraft({ ...draft, closeToTray: event.target.checked })}
                />
                Close to tray: closing the window keeps the monitor running in the tray
              </label>
              <label className="settings-form__checkbox">
                <input
                  type="checkbox"
                  checked={draft.startAtLogin}
                  onChange={(event) => setDraft({ ...draft, startAtLogin: event.target.checked })}
                />
                Start PUI Monitor when I log in (Windows and macOS)
              </label>
            </>
          )}
          {NUMERIC_FIELDS.map((field) => (
            <label key={field.key}>
              {field.label} ({field.unit})
              <input
                inputMode="numeric"
                value={draft.numbers[field.key]}
                onChange={(event) =>
                  setDraft({ ...draft, numbers: { ...draft.numbers, [field.key]: event.target.value } })
                }
              />
            </label>
          ))}
          <div className="settings-form__actions">
            <button type="submit" className="button--primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save'}
            </button>
            {outcome?.tone === 'saved' && <span role="status">Settings saved.</span>}
            {outcome?.tone === 'error' && (
              <div className="inline-error" role="alert">
                {outcome.messages.map((message) => (
                  <p key={message}>{message}</p>
                ))}
              </div>
            )}
          </div>
        </form>
      )}
    </section>
  )
}
