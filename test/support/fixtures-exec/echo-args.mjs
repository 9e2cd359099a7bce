// Writes its arguments as a JSON array, so a test can compare them exactly.
process.stdout.write(JSON.stringify(process.argv.slice(2)));
