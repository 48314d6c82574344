import { describe, expect, test } from 'vitest';
import {
  crowdingDistance,
  dominates,
  hypervolume,
  hypervolume2d,
  nonDominated,
  nonDominatedSort,
  ParetoArchive,
  paretoRanks,
} from './pareto.js';

describe('dominance', () => {
  test('dominates needs no worse everywhere and better somewhere', () => {
    expect(dominates([1, 2], [2, 2])).toBe(true);
    expect(dominates([1, 2], [1, 2])).toBe(false);
    expect(dominates([1, 3], [2, 2])).toBe(false);
    expect(dominates([2, 2], [1, 3])).toBe(false);
  });

  test('non-dominated filter on hand-made points', () => {
    const points = [
      [1, 5], // front
      [2, 3], // front
      [3, 3], // dominated by [2,3]
      [4, 1], // front
      [5, 5], // dominated
      [2, 3], // duplicate of a front point: kept
    ];
    expect(nonDominated(points)).toEqual([0, 1, 3, 5]);
  });

  test('the incremental archive keeps the non-dominated points in arrival order', () => {
    const archive = new ParetoArchive<string>();
    const added = [
      archive.add([3, 3], 'a'), // front: a
      archive.add([4, 4], 'b'), // dominated by a
      archive.add([1, 5], 'c'), // front: a c
      archive.add([2, 2], 'd'), // dominates a: front c d
      archive.add([2, 2], 'e'), // equal to d: kept, front c d e
      archive.add([5, 0.5], 'f'), // front c d e f
      archive.add([0, 0.5], 'g'), // dominates all but none dominate it: front g (f has the same y but a larger x)
    ];
    expect(added).toEqual([true, false, true, true, true, true, true]);
    expect(archive.items()).toEqual(['g']);
    expect(archive.size).toBe(1);
    archive.add([1, 0.5], 'h'); // dominated by g
    archive.add([-1, 3], 'i');
    expect(archive.items()).toEqual(['g', 'i']);
  });

  test('the archive equals a brute-force filter of everything added (random 3-D points with ties)', () => {
    let s = 12345;
    const next = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % 20;
    const points = Array.from({ length: 400 }, () => [next(), next(), next()]);
    const archive = new ParetoArchive<number>();
    points.forEach((p, i) => archive.add(p, i));
    const brute = points
      .map((p, i) => ({ p, i }))
      .filter(({ p }) => !points.some((q) => q.every((v, d) => v <= p[d]!) && q.some((v, d) => v < p[d]!)))
      .map(({ i }) => i);
    expect(brute.length).toBeGreaterThan(3);
    expect(archive.items()).toEqual(brute);
  });

  test('non-dominated sorting gives NSGA-II ranks', () => {
    const points = [
      [1, 4], // 0: rank 0
      [2, 2], // 1: rank 0
      [4, 1], // 2: rank 0
      [2, 4], // 3: dominated by 0 and 1 → rank 1
      [3, 3], // 4: dominated by 1 → rank 1
      [4, 4], // 5: dominated by 3 and 4 → rank 2
      [5, 5], // 6: rank 3
    ];
    expect(nonDominatedSort(points)).toEqual([[0, 1, 2], [3, 4], [5], [6]]);
    expect(paretoRanks(points)).toEqual([0, 0, 0, 1, 1, 2, 3]);
  });

  test('crowding distance: extremes infinite, interior the normalised neighbour gaps', () => {
    const points = [
      [0, 4],
      [1, 2],
      [2, 1],
      [4, 0],
    ];
    const d = crowdingDistance(points, [0, 1, 2, 3]);
    expect(d[0]).toBe(Infinity);
    expect(d[3]).toBe(Infinity);
    // point 1: (2 - 0)/4 + (4 - 1)/4 = 1.25; point 2: (4 - 1)/4 + (2 - 0)/4 = 1.25
    expect(d[1]).toBeCloseTo(1.25);
    expect(d[2]).toBeCloseTo(1.25);
  });
});

describe('hypervolume', () => {
  test('2-D staircase', () => {
    const front = [
      [1, 3],
      [2, 2],
      [3, 1],
    ];
    // boxes to (4,4): 3·1 + 2·1 + 1·1 strips = 6
    expect(hypervolume2d(front, [4, 4])).toBe(6);
    expect(hypervolume(front, [4, 4])).toBe(6);
    // dominated and outside points add nothing
    expect(hypervolume([...front, [3, 3], [5, 0]], [4, 4])).toBe(6);
    expect(hypervolume([], [4, 4])).toBe(0);
  });

  test('3-D by inclusion-exclusion of two boxes', () => {
    expect(hypervolume([[1, 1, 1]], [2, 3, 4])).toBe(6);
    // A = [0,2]×[0,2]×[1,2] (4), B = [1,2]×[1,2]×[0,2] (2), A∩B = [1,2]^3 (1) → 5
    expect(
      hypervolume(
        [
          [0, 0, 1],
          [1, 1, 0],
        ],
        [2, 2, 2],
      ),
    ).toBe(5);
  });

  test('4-D agrees with a grid count on integer points', () => {
    const pts = [
      [0, 2, 1, 3],
      [1, 0, 3, 2],
      [2, 1, 0, 1],
      [3, 3, 2, 0],
    ];
    const ref = [4, 4, 4, 4];
    let cells = 0;
    for (let a = 0; a < 4; a++)
      for (let b = 0; b < 4; b++)
        for (let c = 0; c < 4; c++)
          for (let d = 0; d < 4; d++) {
            if (pts.some((p) => p[0]! <= a && p[1]! <= b && p[2]! <= c && p[3]! <= d)) cells++;
          }
    expect(hypervolume(pts, ref)).toBe(cells);
  });
});
