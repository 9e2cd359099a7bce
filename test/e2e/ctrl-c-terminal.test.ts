import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv, collect, tempDir } from '../support/cli.js';
import { screen } from '../support/terminal.js';

/**
 * Ctrl-C in a real terminal: `script` gives `metaorch run` a pseudo-terminal (so it draws its live
 * bar), and a ^C typed into that terminal reaches it as SIGINT through the line discipline, as it does
 * for a user. The acknowledgement must stay on screen until the command exits.
 */

let tmp: { dir: string; cleanup: () => void };
beforeAll(() => {
  tmp = tempDir('metaorch-tty-');
});
afterAll(() => tmp.cleanup());

const shellQuote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

describe('Ctrl-C in a terminal', () => {
  it('is acknowledged on a line the progress bar does not overwrite, and the run stops cleanly', async () => {
    const dir = tmp.dir;
    writeFileSync(
      join(dir, 'slow.yaml'),
      `tasks: [${Array.from({ length: 40 }, (_, i) => `{ q: ${i}, expected: "${i}" }`).join(', ')}]\nconcurrency: 3\nvariants: [{ id: slow, adapter: mock, latencyMs: 1500 }]\n`,
    );
    const command = [process.execPath, CLI, 'run', 'slow.yaml', '--db', 'tty.db', '--grace', '30'].map(shellQuote).join(' ');
    // -q: no banner; -f: flush every write; -e: exit with the command's status; -c: the command.
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir, env: { ...cliEnv(), TERM: 'xterm', COLUMNS: '160' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let seen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (seen += d));
    const done = collect(child, 120_000);
    const deadline = Date.now() + 60_000;
    while (!/in flight 3/.test(seen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(seen, 'the live bar is drawn').toMatch(/in flight 3/);
    child.stdin.write('\x03');
    const result = await done;
    const output = seen;
    const shown = screen(output);
    const ack = shown.findIndex((l) => /SIGINT: stopping: 3 in flight, Ctrl-C again to cancel \(they have 30s to finish\)/.test(l));
    expect(ack, shown.join('\n')).toBeGreaterThanOrEqual(0);
    // The final bar is drawn below the acknowledgement, not over it.
    expect(shown.slice(ack + 1).some((l) => /^\[[█░]+\] \d+\/40/.test(l)), shown.join('\n')).toBe(true);
    expect(shown.join('\n')).toMatch(/Resume with: metaorch resume \S+/);
    expect(result.code).toBe(130);
  });
});
