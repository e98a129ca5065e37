/** A Preact hook that loads something now and again every `intervalMs` (0: once), with a `reload` for after a change. */
import { useCallback, useEffect, useState } from 'preact/hooks';

export interface Polled<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

export function usePoll<T>(load: () => Promise<T>, intervalMs: number, deps: readonly unknown[] = []): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    let live = true;
    const run = (): void => {
      load().then(
        (value) => {
          if (!live) return;
          setData(value);
          setError(undefined);
        },
        (err: Error) => live && setError(err),
      );
    };
    run();
    const timer = intervalMs > 0 ? setInterval(run, intervalMs) : undefined;
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [tick, ...deps]);
  return { data, error, reload };
}
