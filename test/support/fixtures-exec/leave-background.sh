# Exits at once but leaves a background job holding stdout; prints that job's pid.
sleep 60 &
echo "$!"
