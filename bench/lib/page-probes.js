// Measurements that run inside the page, injected by P5 before the app loads. Plain JavaScript, because the
// benchmarks are typechecked without the DOM library. Every time is milliseconds since navigation started.
;(() => {
  /** Resolves after the next frame has been painted: a task queued from a frame callback runs after that paint. */
  const afterNextPaint = () =>
    new Promise((resolve) => requestAnimationFrame(() => setTimeout(() => resolve(performance.now()), 0)))

  const probes = {
    firstRowPaintedAt: null,
    inputLatencies: [],

    /** Scrolls the grid by `pixelsPerFrame` each frame for `durationMs` and returns the time between frames. */
    async scrollFrames(durationMs, pixelsPerFrame) {
      const grid = document.querySelector('[role="grid"]')
      if (!grid) throw new Error('page probes: no element with role grid to scroll')
      const deltas = []
      let previous = await new Promise((resolve) => requestAnimationFrame(resolve))
      const end = previous + durationMs
      while (previous < end) {
        grid.scrollTop += pixelsPerFrame
        const now = await new Promise((resolve) => requestAnimationFrame(resolve))
        deltas.push(now - previous)
        previous = now
      }
      return { deltas, scrollTop: grid.scrollTop, scrollHeight: grid.scrollHeight }
    },

    /** Records, for each key pressed in `selector`, the time from the key event to the next painted frame. */
    watchInput(selector) {
      const input = document.querySelector(selector)
      if (!input) throw new Error(`page probes: no element matches ${selector}`)
      input.addEventListener('keydown', (event) => {
        const pressedAt = event.timeStamp
        void afterNextPaint().then((paintedAt) => probes.inputLatencies.push(paintedAt - pressedAt))
      })
    },
  }
  Object.defineProperty(window, '__benchProbes', { value: probes })

  const rowSelector = '[role="row"][id^="job-row-"]'
  const observer = new MutationObserver(() => {
    if (!document.querySelector(rowSelector)) return
    observer.disconnect()
    void afterNextPaint().then((paintedAt) => (probes.firstRowPaintedAt = paintedAt))
  })
  observer.observe(document, { childList: true, subtree: true })
})()
