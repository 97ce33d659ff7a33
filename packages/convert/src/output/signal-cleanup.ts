/**
 * Synchronous cleanups that must run if the process is interrupted (SIGINT, SIGTERM) while
 * output is staged. One listener per signal serves every registration; after running the
 * cleanups it removes itself and re-raises the signal, so the process still dies of it.
 */
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
const SIGNAL_EXIT_CODES: Record<(typeof SIGNALS)[number], number> = { SIGINT: 130, SIGTERM: 143 };

const cleanups = new Set<() => void>();

function onSignal(signal: (typeof SIGNALS)[number]): void {
  for (const cleanup of [...cleanups]) {
    try {
      cleanup();
    } catch {
      // keep cleaning up the rest: the process is going down anyway
    }
  }
  cleanups.clear();
  removeListeners();
  process.exitCode = SIGNAL_EXIT_CODES[signal];
  process.kill(process.pid, signal);
}

function removeListeners(): void {
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

/** Runs `cleanup` if a signal arrives before the returned function is called. */
export function registerSignalCleanup(cleanup: () => void): () => void {
  if (cleanups.size === 0) for (const signal of SIGNALS) process.on(signal, onSignal);
  cleanups.add(cleanup);
  return () => {
    if (cleanups.delete(cleanup) && cleanups.size === 0) removeListeners();
  };
}
