// Writes its standard input back to standard output, byte for byte.
process.stdin.pipe(process.stdout);
