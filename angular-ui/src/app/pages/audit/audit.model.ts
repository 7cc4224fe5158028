export const SLIDER_STEPS = 200;

/** The instant a slider position stands for, between the first event and now (inclusive). */
export function sliderInstant(from: number, to: number, step: number): number {
  const s = Math.min(SLIDER_STEPS, Math.max(0, Math.round(step)));
  if (to <= from) return to;
  return Math.round(from + ((to - from) * s) / SLIDER_STEPS);
}
