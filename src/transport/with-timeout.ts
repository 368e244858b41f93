/**
 * Races `promise` against `timeoutMs`: rejects with `onTimeout()` if it has not settled by then
 * (the promise carries on; its eventual outcome is ignored). The timer never outlives it.
 */
export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), Math.max(0, timeoutMs));
    promise.finally(() => clearTimeout(timer)).then(resolve, reject);
  });
}
