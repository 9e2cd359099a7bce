import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/support/cli.js';
import { describeJsonError, FileReadError, maxFileBytes, readRegularFile, writeFileAtomic } from './files.js';
import { tooDeep } from './nesting.js';

const tmp = tempDir('metaorch-files-');
afterAll(() => tmp.cleanup());

function problem(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(FileReadError);
    return (e as Error).message;
  }
  throw new Error('expected a FileReadError');
}

describe('readRegularFile', () => {
  it('reads a regular file, also through a symlink, and a /proc file whose size says 0', () => {
    writeFileSync(join(tmp.dir, 'a.txt'), 'héllo');
    symlinkSync(join(tmp.dir, 'a.txt'), join(tmp.dir, 'link.txt'));
    expect(readRegularFile(join(tmp.dir, 'a.txt'))).toBe('héllo');
    expect(readRegularFile(join(tmp.dir, 'link.txt'))).toBe('héllo');
    expect(readRegularFile('/proc/self/status')).toMatch(/^Name:/);
  });

  it('refuses directories, devices, FIFOs and missing files at once, without reading', () => {
    mkdirSync(join(tmp.dir, 'dir'));
    symlinkSync('/dev/zero', join(tmp.dir, 'zero'));
    execFileSync('mkfifo', [join(tmp.dir, 'fifo')]);
    expect(problem(() => readRegularFile(join(tmp.dir, 'dir')))).toBe('expected a regular file, found a directory');
    expect(problem(() => readRegularFile(join(tmp.dir, 'zero')))).toBe('expected a regular file, found a device');
    expect(problem(() => readRegularFile(join(tmp.dir, 'fifo')))).toBe('expected a regular file, found a FIFO (named pipe)');
    expect(problem(() => readRegularFile(join(tmp.dir, 'nope')))).toBe('file not found');
  });

  it('refuses a file over the limit and says how to raise it', () => {
    writeFileSync(join(tmp.dir, 'big'), Buffer.alloc(3 * 1024 * 1024, 'x'));
    expect(problem(() => readRegularFile(join(tmp.dir, 'big'), { METAORCH_MAX_FILE_MB: '2' }))).toBe(
      'is larger than the 2 MB limit for files an experiment reads (it is 3 MB); raise it with METAORCH_MAX_FILE_MB=5 (at most 512)',
    );
    expect(readRegularFile(join(tmp.dir, 'big'), { METAORCH_MAX_FILE_MB: '4' })).toHaveLength(3 * 1024 * 1024);
    expect(maxFileBytes({})).toBe(256 * 1024 * 1024);
    expect(maxFileBytes({ METAORCH_MAX_FILE_MB: '100000' })).toBe(512 * 1024 * 1024);
    expect(maxFileBytes({ METAORCH_MAX_FILE_MB: 'lots' })).toBe(256 * 1024 * 1024);
  });
});

describe('describeJsonError', () => {
  const why = (text: string) => {
    try {
      JSON.parse(text);
    } catch (e) {
      return describeJsonError(e, text);
    }
    return 'parsed';
  };
  it('locates the problem by line and column and never quotes the text', () => {
    expect(why('{\n  "a": 1,\n  b\n}')).toBe('invalid JSON: expected double-quoted property name at line 3, column 3');
    expect(why('sk-live-0123456789abcdef')).toBe('invalid JSON: unexpected character');
    expect(why('{"a": ')).toBe('invalid JSON: it ends too early');
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file whole and leaves no temporary file behind, also when it fails', () => {
    const file = join(tmp.dir, 'out', 'summary.json');
    mkdirSync(join(tmp.dir, 'out'));
    writeFileAtomic(file, 'old');
    writeFileAtomic(file, 'new');
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(join(tmp.dir, 'out'))).toEqual(['summary.json']);
    expect(() => writeFileAtomic(join(tmp.dir, 'missing', 'x.json'), 'x')).toThrow(/ENOENT/);
  });
});

describe('tooDeep', () => {
  it('finds the path to the first value nested past the limit, without recursing past it', () => {
    expect(tooDeep({ a: [[[1]]] }, 2)).toEqual(['a', 0]);
    expect(tooDeep({ a: [1, { b: 2 }] }, 5)).toBeNull();
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(tooDeep({ tasks: deep })).toHaveLength(100);
  });
});
