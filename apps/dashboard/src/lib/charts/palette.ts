/** One colour per variant and per operator class everywhere, so panels and legends agree. */
export const VARIANT_COLORS: Record<string, string> = {
  baseline: '#5470c6',
  fuse_full: '#ee6666',
  fuse_half: '#91cc75',
  fuse_full_50: '#fc8452',
  fuse_half_50: '#3ba272',
};
export const CLASS_COLORS = { pointwise: '#5470c6', depthwise: '#fac858', fuse1d: '#ee6666', other: '#9a60b4' } as const;
export const OPERATOR_COLORS: Record<string, string> = { dw: '#5470c6', fuse_full: '#ee6666', fuse_half: '#91cc75' };
export const METHOD_DASH: Record<string, 'solid' | 'dashed' | 'dotted'> = { scratch: 'solid', kd: 'dashed', nos: 'dotted' };
const EXTRA = ['#73c0de', '#9a60b4', '#ea7ccc', '#d48265', '#749f83'];
export const colorOf = (name: string, index = 0) => VARIANT_COLORS[name] ?? EXTRA[index % EXTRA.length]!;
