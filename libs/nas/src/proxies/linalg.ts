/** The small float64 linear algebra the data-dependent proxies need (N×N matrices, N = batch size). */

/** log|det A| by LU decomposition with partial pivoting (−Infinity when A is singular). */
export function logAbsDet(matrix: readonly (readonly number[])[]): number {
  const n = matrix.length;
  const a = matrix.map((row) => Float64Array.from(row));
  let total = 0;
  for (let k = 0; k < n; k++) {
    let pivot = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i]![k]!) > Math.abs(a[pivot]![k]!)) pivot = i;
    if (a[pivot]![k] === 0) return -Infinity;
    [a[k], a[pivot]] = [a[pivot]!, a[k]!];
    const row = a[k]!;
    total += Math.log(Math.abs(row[k]!));
    for (let i = k + 1; i < n; i++) {
      const r = a[i]!;
      const factor = r[k]! / row[k]!;
      for (let j = k; j < n; j++) r[j]! -= factor * row[j]!;
    }
  }
  return total;
}

/** Eigenvalues of a symmetric matrix (cyclic Jacobi rotations, float64), ascending. */
export function symmetricEigenvalues(matrix: readonly (readonly number[])[], tolerance = 1e-12, maxSweeps = 100): number[] {
  const n = matrix.length;
  const a = matrix.map((row) => Float64Array.from(row));
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      scale += a[i]![i]! ** 2;
      for (let j = i + 1; j < n; j++) off += a[i]![j]! ** 2;
    }
    if (off <= tolerance * tolerance * Math.max(scale, 1e-300)) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p]![q]!;
        if (apq === 0) continue;
        const theta = (a[q]![q]! - a[p]![p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k]![p]!;
          const akq = a[k]![q]!;
          a[k]![p] = c * akp - s * akq;
          a[k]![q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p]![k]!;
          const aqk = a[q]![k]!;
          a[p]![k] = c * apk - s * aqk;
          a[q]![k] = s * apk + c * aqk;
        }
      }
    }
  }
  return a.map((row, i) => row[i]!).sort((x, y) => x - y);
}

/** Pearson correlation matrix of the rows (numpy's `corrcoef`); NaN where a row is constant. */
export function correlationMatrix(rows: readonly Float64Array[]): number[][] {
  const centred = rows.map((row) => {
    const mean = row.reduce((s, v) => s + v, 0) / row.length;
    return row.map((v) => v - mean);
  });
  const norms = centred.map((row) => Math.sqrt(row.reduce((s, v) => s + v * v, 0)));
  return centred.map((a, i) =>
    centred.map((b, j) => {
      let dot = 0;
      for (let k = 0; k < a.length; k++) dot += a[k]! * b[k]!;
      return dot / (norms[i]! * norms[j]!);
    }),
  );
}
