# Writes warnings to stderr but succeeds: only stdout is the output.
echo "warning: deprecated flag" >&2
echo "the answer"
echo "warning: another one" >&2
exit 0
