/**
 * Topic filters (MQTT-like, as Nekzus): levels separated by ".", "+" matches one level,
 * "#" matches the rest and must be last; "#" alone matches everything.
 */
export function topicFilterProblem(filter: string): string | undefined {
  if (filter === '' || filter.length > 256) return `invalid pattern "${filter}"`;
  const levels = filter.split('.');
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!;
    if (level === '') return `invalid pattern "${filter}": empty level`;
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1))
      return `invalid pattern "${filter}": "#" must be a whole level and the last one`;
    if (level.includes('+') && level !== '+')
      return `invalid pattern "${filter}": "+" must be a whole level`;
  }
  return undefined;
}

export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('.');
  const t = topic.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

export const MAX_SUBSCRIPTIONS = 100;
