/** The rank-vote ensemble of proxies over a set of networks (pure; no tfjs). */
import { NasInputError } from '../errors.js';

/**
 * Per network, the sum over `proxies` of its rank among the networks by that proxy (1 = lowest
 * score; ties share their average rank). Every proxy is read as higher-is-better, as in
 * Abdelfattah et al. 2021 (params and macs included), so the highest vote is the ensemble's pick.
 */
export function rankVote(scores: ReadonlyArray<Readonly<Record<string, number>>>, proxies: readonly string[]): number[] {
  if (proxies.length === 0) throw new NasInputError('proxies', 'the vote needs at least one proxy');
  const votes = new Array<number>(scores.length).fill(0);
  for (const proxy of proxies) {
    scores.forEach((s, i) => {
      if (!Number.isFinite(s[proxy])) throw new NasInputError(`scores[${i}].${proxy}`, `expected a finite score, got ${s[proxy]}`);
    });
    const order = scores.map((_, i) => i).sort((a, b) => scores[a]![proxy]! - scores[b]![proxy]!);
    for (let start = 0; start < order.length;) {
      let end = start;
      while (end + 1 < order.length && scores[order[end + 1]!]![proxy] === scores[order[start]!]![proxy]) end++;
      const rank = (start + end) / 2 + 1;
      for (let k = start; k <= end; k++) votes[order[k]!]! += rank;
      start = end + 1;
    }
  }
  return votes;
}
