import { isAlias, isMap, isNode, isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';

/**
 * A parsed YAML (or JSON) file that can say where a path inside it was written, so errors point at
 * `exp.yaml:12:5 variants[1].adapter`.
 */
export interface SourceDocument {
  file: string;
  value: unknown;
  locate(path: readonly (string | number)[]): { line: number; column: number } | undefined;
  /** Where the key of the field at `path` was written (an unknown field is blamed on its name); else `locate`. */
  locateKey(path: readonly (string | number)[]): { line: number; column: number } | undefined;
  errors: { message: string; line?: number; column?: number }[];
}

/** @example const doc = parseSource('exp.yaml', text); doc.locate(['variants', 0, 'id']); */
export function parseSource(file: string, text: string): SourceDocument {
  const lineCounter = new LineCounter();
  let doc: Document;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    // The parser recurses: a document nested many thousands deep overflows the stack.
    if (e instanceof RangeError) return failed(file, [{ message: 'the document is nested too deeply to read' }]);
    throw e;
  }
  const errors: SourceDocument['errors'] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? (typeof e.pos?.[0] === 'number' ? toPos(lineCounter.linePos(e.pos[0])) : undefined);
    // The composer reports its own stack overflow on deep nesting as an error message.
    const message = /call stack/i.test(e.message) ? 'the document is nested too deeply to read' : (e.message.split('\n')[0] ?? e.message);
    return { message, ...(pos ? { line: pos.line, column: pos.col } : {}) };
  });
  let value: unknown;
  if (errors.length === 0) {
    try {
      // Aliases are expanded here: a billion-laughs document stops at 1,000 alias expansions.
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (e) {
      errors.push(aliasProblem(doc, lineCounter, e));
    }
  }
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
  const locateKey = (path: readonly (string | number)[]) => {
    const parent = path.length ? doc.getIn(path.slice(0, -1), true) : undefined;
    const name = path[path.length - 1];
    if (isMap(parent)) {
      const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(name));
      if (pair && isNode(pair.key) && pair.key.range) {
        const pos = lineCounter.linePos(pair.key.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return locate(path);
  };
  return { file, value: errors.length ? undefined : value, locate, locateKey, errors };
}

function toPos(p: { line: number; col: number }): { line: number; col: number } {
  return { line: p.line, col: p.col };
}

function failed(file: string, errors: SourceDocument['errors']): SourceDocument {
  return { file, value: undefined, locate: () => undefined, locateKey: () => undefined, errors };
}

/** Why expanding aliases failed, at the alias to blame: the first that names no anchor, else the first. */
function aliasProblem(doc: Document, lineCounter: LineCounter, error: unknown): SourceDocument['errors'][number] {
  let unresolved: { source: string; offset: number } | undefined;
  let first: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      const offset = node.range?.[0] ?? 0;
      first ??= offset;
      if (!unresolved && isAlias(node) && node.resolve(doc) === undefined) {
        unresolved = { source: node.source, offset };
        return visit.BREAK;
      }
      return undefined;
    },
  });
  const at = (offset: number | undefined) => {
    if (offset === undefined) return {};
    const pos = lineCounter.linePos(offset);
    return { line: pos.line, column: pos.col };
  };
  if (unresolved) return { message: `alias *${unresolved.source} names no anchor (an anchor &${unresolved.source} must come before it)`, ...at(unresolved.offset) };
  if (error instanceof RangeError) return { message: 'the document is nested too deeply to read', ...at(first) };
  return { message: 'aliases expand to too many nodes (more than 1,000 alias uses): is this an alias bomb?', ...at(first) };
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
