/** The escape character that starts a control sequence. */
const ESC = String.fromCharCode(27);

/**
 * What a terminal shows after receiving `output`: enough of VT100 for the progress bar (carriage
 * return, line feed, cursor to the start of a previous line, erase line / to the end of the screen)
 * to tell whether a line written once is still on screen or was overwritten.
 *
 * @example
 * screen('a\nb\x1b[1F\x1b[2Kc\n'); // ['a', 'c']
 */
export function screen(output: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  const put = (ch: string) => {
    const line = lines[row] ?? '';
    lines[row] = line.padEnd(col, ' ').slice(0, col) + ch + line.slice(col + 1);
    col++;
  };
  for (let i = 0; i < output.length; i++) {
    const ch = output[i]!;
    if (ch === '\x1b' && output[i + 1] === '[') {
      const m = new RegExp(`^${ESC}\\[(\\d*)([A-Za-z])`).exec(output.slice(i));
      if (!m) continue;
      const n = m[1] === '' ? 1 : Number(m[1]);
      const op = m[2];
      if (op === 'F' || op === 'A') {
        row = Math.max(0, row - n);
        if (op === 'F') col = 0;
      } else if (op === 'K') {
        const mode = m[1] === '' ? 0 : n;
        lines[row] = mode === 2 ? '' : (lines[row] ?? '').slice(0, col);
      } else if (op === 'J') {
        lines.length = row + 1;
        lines[row] = (lines[row] ?? '').slice(0, col);
      }
      i += m[0].length - 1;
    } else if (ch === '\r') {
      col = 0;
    } else if (ch === '\n') {
      row++;
      col = 0;
      if (lines.length <= row) lines.push('');
    } else {
      put(ch);
    }
  }
  return lines.map((l) => l.trimEnd());
}
