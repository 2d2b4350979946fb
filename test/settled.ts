// Whether a promise has settled yet, as a function to poll with waitFor: a deadline on a promise
// that must end (a hang guard), while the promise itself is left for the test to await.
export function settledFlag(p: Promise<unknown>): () => boolean {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  return () => settled;
}
