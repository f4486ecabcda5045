#!/bin/sh
# Out of file descriptors (RLIMIT_NOFILE), irsearchd neither spins nor stops:
# it pauses accepting while its clients hold every descriptor, keeps
# answering them, and accepts again once they leave.
. "$(dirname "$0")/lib.sh"
daemon_require

plan 6

srv=$(daemon_dir srv)
printf 'Energy corridors across the Caspian.\n' >"$srv/report.txt"
db=$srv/index.db
sock=$srv/irsearchd.sock
run as_daemon_user "$IRINDEX" --db "$db" "$srv"
status_is 0 "irindex indexes a report"

# 24 descriptors, soft and hard (the daemon raises its soft limit to the
# hard one): the standard three, the socket, epoll, signalfd, the pipe,
# the worker's database files, and room for a handful of clients only.
cat >"$tmp/irsearchd-24" <<SH
#!/bin/sh
ulimit -n 24
exec "$IRSEARCHD" "\$@"
SH
chmod 755 "$tmp/irsearchd-24"
IRSEARCHD=$tmp/irsearchd-24 daemon_start "$sock" --db "$db" --workers 1
holders=""
i=0
while [ "$i" -lt 30 ]; do
	printf '{"op":"pi' | "$SOCKCLIENT" "$sock" --raw --hold 4 >/dev/null 2>&1 &
	holders="$holders $!"
	kill_on_exit $!
	i=$((i + 1))
done
sleep 1
cpu_before=$(awk '{ print $14 + $15 }' "/proc/$daemon_pid/stat")
sleep 1
cpu_after=$(awk '{ print $14 + $15 }' "/proc/$daemon_pid/stat")
ticks=$((cpu_after - cpu_before))
ok "with every descriptor taken the daemon does not spin ($ticks ticks of CPU in 1 s)" [ "$ticks" -lt 5 ]
like "$(cat "$daemon_err")" "pausing new connections" "...and says it paused accepting"
for p in $holders; do
	kill "$p" 2>/dev/null
done
wait $holders 2>/dev/null
answer=$(printf '{"op":"search","q":"caspian"}\n' | "$SOCKCLIENT" "$sock" --timeout 5000 2>&1)
like "$answer" '"total":1' "once clients leave, new connections are served"
ok "the daemon is still running" kill -0 "$daemon_pid"
ok "SIGTERM stops it cleanly" daemon_stop
done_testing
