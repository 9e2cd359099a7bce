import { LineCounter, parseDocument, isNode, type Document } from 'yaml';

/**
 * A parsed YAML (or JSON) file that can say where a path inside it was written, so errors point at
 * `exp.yaml:12:5 variants[1].adapter`.
 */
export interface SourceDocument {
  file: string;
  value: unknown;
  locate(path: readonly (string | number)[]): { line: number; column: number } | undefined;
  errors: { message: string; line?: number; column?: number }[];
}

/** @example const doc = parseSource('exp.yaml', text); doc.locate(['variants', 0, 'id']); */
export function parseSource(file: string, text: string): SourceDocument {
  const lineCounter = new LineCounter();
  const doc: Document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors = doc.errors.map((e) => {
    const pos = e.linePos?.[0];
    return { message: e.message.split('\n')[0] ?? e.message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
  });
  const locate = (path: readonly (string | number)[]) => {
    for (let depth = path.length; depth >= 0; depth--) {
      const node = doc.getIn(path.slice(0, depth), true);
      if (isNode(node) && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
  return { file, value: errors.length ? undefined : doc.toJS({ maxAliasCount: 1000 }), locate, errors };
}

/** `variants[2].adapter` from `['variants', 2, 'adapter']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}
