/** Placeholder screen until the job grid lands; the command line shows the pipeline meanwhile. */
export function App() {
  return (
    <main>
      <h1>PUI Monitor</h1>
      <p>The job grid is not built yet. Run <code>npx pui-monitor watch</code> to follow jobs in a terminal.</p>
    </main>
  )
}
