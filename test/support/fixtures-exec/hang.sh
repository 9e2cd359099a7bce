# Starts a grandchild that would outlive us, records its pid in $PIDFILE, then hangs.
# With "ignore-term" as $1 both ignore SIGTERM (the ignored disposition is inherited), so only
# the SIGKILL that follows the grace period stops them.
if [ "$1" = "ignore-term" ]; then trap '' TERM; fi
sleep 60 &
echo "$!" > "$PIDFILE.tmp" && mv "$PIDFILE.tmp" "$PIDFILE"
echo "started"
while :; do sleep 1; done
