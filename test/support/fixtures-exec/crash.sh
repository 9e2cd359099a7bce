# Writes 30 numbered lines to stderr, something to stdout, and fails with exit code 3.
i=1
while [ "$i" -le 30 ]; do echo "error line $i" >&2; i=$((i + 1)); done
echo "partial output"
exit 3
