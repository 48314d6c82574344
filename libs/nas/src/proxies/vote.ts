/** The rank-vote ensemble of proxies over a set of networks (pure; no tfjs). */
import { NasInputError } from '../errors.js';
import { averageRanks } from '../rank-correlation.js';

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
    averageRanks(scores.map((s) => s[proxy]!)).forEach((rank, i) => (votes[i]! += rank));
  }
  return votes;
}
