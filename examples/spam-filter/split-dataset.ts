/**
 * A seeded, reproducible train/test split: the same seed always puts the
 * same items on the same side.
 */

/** mulberry32: a small, fast 32-bit PRNG, good enough to shuffle a data set. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export function splitDataset<T>(items: readonly T[], trainFraction: number, seed: number): { train: T[]; test: T[] } {
  const all = shuffled(items, mulberry32(seed));
  const cut = Math.round(all.length * trainFraction);
  return { train: all.slice(0, cut), test: all.slice(cut) };
}
