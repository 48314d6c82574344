/**
 * Pareto dominance, non-dominated sorting, crowding distance and hypervolume. Every objective is
 * minimised. Points are plain number arrays (one entry per objective).
 */

/** `a` dominates `b`: no worse in every objective and better in at least one. */
export function dominates(a: readonly number[], b: readonly number[]): boolean {
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/** Indices of the non-dominated points, in input order (duplicates of a front point are all kept). */
export function nonDominated(points: readonly (readonly number[])[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < points.length; i++) {
    let dominated = false;
    for (let j = 0; j < points.length && !dominated; j++) dominated = j !== i && dominates(points[j]!, points[i]!);
    if (!dominated) out.push(i);
  }
  return out;
}

/**
 * The non-dominated set of a stream of points, kept incrementally: each `add` compares the new
 * point with the current front only (not with everything added), so a search's front costs
 * O(front) per evaluation instead of a rescan of the whole history. Holds exactly what
 * `nonDominated` would select from all points added, in the order they were added (points equal
 * to a front point are all kept).
 */
export class ParetoArchive<T> {
  private points: number[][] = [];
  private entries: T[] = [];

  /** Adds a point with its item; returns whether it is on the front now. */
  add(point: readonly number[], item: T): boolean {
    for (const q of this.points) if (dominates(q, point)) return false;
    let kept = 0;
    for (let i = 0; i < this.points.length; i++) {
      if (dominates(point, this.points[i]!)) continue;
      this.points[kept] = this.points[i]!;
      this.entries[kept] = this.entries[i]!;
      kept++;
    }
    this.points.length = kept;
    this.entries.length = kept;
    this.points.push([...point]);
    this.entries.push(item);
    return true;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The items on the front, in the order they were added. */
  items(): T[] {
    return [...this.entries];
  }
}

/**
 * Fast non-dominated sort (Deb et al., NSGA-II): fronts of indices, front 0 the non-dominated
 * points, front k those dominated only by points of fronts < k.
 */
export function nonDominatedSort(points: readonly (readonly number[])[]): number[][] {
  const n = points.length;
  const dominatedBy: number[][] = Array.from({ length: n }, () => []);
  const count = new Array<number>(n).fill(0);
  const fronts: number[][] = [[]];
  for (let p = 0; p < n; p++) {
    for (let q = 0; q < n; q++) {
      if (p === q) continue;
      if (dominates(points[p]!, points[q]!)) dominatedBy[p]!.push(q);
      else if (dominates(points[q]!, points[p]!)) count[p]!++;
    }
    if (count[p] === 0) fronts[0]!.push(p);
  }
  let k = 0;
  while (fronts[k]!.length > 0) {
    const next: number[] = [];
    for (const p of fronts[k]!) {
      for (const q of dominatedBy[p]!) {
        count[q]!--;
        if (count[q] === 0) next.push(q);
      }
    }
    next.sort((a, b) => a - b);
    k++;
    fronts.push(next);
  }
  fronts.pop();
  return fronts;
}

/** Rank (front number) of every point. */
export function paretoRanks(points: readonly (readonly number[])[]): number[] {
  const ranks = new Array<number>(points.length).fill(0);
  nonDominatedSort(points).forEach((front, r) => front.forEach((i) => (ranks[i] = r)));
  return ranks;
}

/**
 * Crowding distance of the points of one front (NSGA-II): per objective, sort the front, give the
 * two extremes infinity and every other point the normalised gap between its neighbours; sum.
 * Returns distances aligned with `front`.
 */
export function crowdingDistance(points: readonly (readonly number[])[], front: readonly number[]): number[] {
  const m = front.length;
  const distance = new Array<number>(m).fill(0);
  if (m === 0) return distance;
  const dims = points[front[0]!]!.length;
  for (let d = 0; d < dims; d++) {
    const order = front.map((_, i) => i).sort((a, b) => points[front[a]!]![d]! - points[front[b]!]![d]! || a - b);
    const lo = points[front[order[0]!]!]![d]!;
    const hi = points[front[order[m - 1]!]!]![d]!;
    distance[order[0]!] = Infinity;
    distance[order[m - 1]!] = Infinity;
    if (hi === lo) continue;
    for (let k = 1; k < m - 1; k++) {
      const prev = points[front[order[k - 1]!]!]![d]!;
      const next = points[front[order[k + 1]!]!]![d]!;
      distance[order[k]!]! += (next - prev) / (hi - lo);
    }
  }
  return distance;
}

/**
 * Hypervolume dominated by `points` and bounded by the reference point `ref` (minimisation): the
 * measure of { x : some p ≤ x ≤ ref }. Points not strictly better than `ref` in every objective
 * contribute nothing. 2-D uses a sweep; more dimensions slice recursively (exact, fine for the
 * fronts of a search: tens of points, up to 4–5 objectives).
 */
export function hypervolume(points: readonly (readonly number[])[], ref: readonly number[]): number {
  const inside = points.filter((p) => p.length === ref.length && p.every((v, i) => v < ref[i]!));
  if (inside.length === 0) return 0;
  return hvRecursive(
    inside.map((p) => [...p]),
    [...ref],
  );
}

/** 2-D hypervolume by a sweep over the first objective. */
export function hypervolume2d(points: readonly (readonly number[])[], ref: readonly [number, number] | readonly number[]): number {
  const pts = points.filter((p) => p[0]! < ref[0]! && p[1]! < ref[1]!).map((p) => [p[0]!, p[1]!] as const);
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let volume = 0;
  let bestY = ref[1]!;
  for (let i = 0; i < pts.length; i++) {
    const [x, y] = pts[i]!;
    if (y >= bestY) continue;
    // The strip between this point's y and the lowest y so far, from x to the reference.
    volume += (ref[0]! - x) * (bestY - y);
    bestY = y;
  }
  return volume;
}

function hvRecursive(points: number[][], ref: number[]): number {
  const dims = ref.length;
  if (dims === 1) return ref[0]! - Math.min(...points.map((p) => p[0]!));
  if (dims === 2) return hypervolume2d(points, ref);
  // Slice along the last objective: between consecutive distinct values, the cross-section is the
  // (d-1)-D hypervolume of the points at or below the slice.
  const last = dims - 1;
  const sorted = [...points].sort((a, b) => a[last]! - b[last]!);
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const lo = sorted[i]![last]!;
    const hi = i + 1 < sorted.length ? sorted[i + 1]![last]! : ref[last]!;
    if (hi <= lo) continue;
    const slice = sorted.slice(0, i + 1).map((p) => p.slice(0, last));
    volume += (hi - lo) * hvRecursive(slice, ref.slice(0, last));
  }
  return volume;
}
