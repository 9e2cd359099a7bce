/**
 * The exclusion list of a topic request: the items already found, newest first, as many as fit in
 * `share` of the variant's context budget (about 4 characters per token). Pure.
 *
 * @example
 * exclusionList(['Louvre', 'Eiffel Tower'], 8000, 0.25); // ['Eiffel Tower', 'Louvre']
 */
export function exclusionList(items: readonly string[], contextTokens: number, share: number): string[] {
  let budget = Math.floor(contextTokens * share * 4);
  const out: string[] = [];
  for (let i = items.length - 1; i >= 0; i--) {
    const cost = items[i]!.length + 1;
    if (cost > budget) break;
    budget -= cost;
    out.push(items[i]!);
  }
  return out;
}

/**
 * The exclusion list as the prompt's `{{exclude}}` text: empty when nothing was found yet.
 *
 * @example
 * exclusionText(['Louvre']); // 'Do not repeat any of these (already found):\nLouvre'
 */
export function exclusionText(list: readonly string[]): string {
  return list.length === 0 ? '' : `Do not repeat any of these (already found):\n${list.join('\n')}`;
}
