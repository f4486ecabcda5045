#!/bin/sh
# irsearchd holds 1,000 simultaneous connections, each answered correctly,
# and past --max-clients a new connection gets one error line and is closed
# while the others go on.
. "$(dirname "$0")/lib.sh"
daemon_require

plan 6

srv=$(daemon_dir srv)
printf 'Energy corridors across the Caspian.\n' >"$srv/report.txt"
db=$srv/index.db
sock=$srv/irsearchd.sock
run as_daemon_user "$IRINDEX" --db "$db" "$srv"
status_is 0 "irindex indexes a report"
daemon_start "$sock" --db "$db" --workers 2
# The client needs a descriptor per connection too.
ulimit -Sn "$(ulimit -Hn)"
printf '{"op":"search","q":"caspian","fields":["path"]}\n' >"$tmp/req"
run "$SOCKCLIENT" "$sock" --clients 1000 --rounds 2 --timeout 30000 <"$tmp/req"
status_is 0 "1,000 clients connected at once each get both answers, all identical and ok"
like "$out" "1000 clients, 2 rounds, 2000 answers, 0 errors" "...2,000 answers"
ok "SIGTERM stops it cleanly" daemon_stop

daemon_start "$sock" --db "$db" --max-clients 3
printf '' | "$SOCKCLIENT" "$sock" --raw --hold 3 >/dev/null 2>&1 &
kill_on_exit $!
printf '' | "$SOCKCLIENT" "$sock" --raw --hold 3 >/dev/null 2>&1 &
kill_on_exit $!
sleep 0.5
# The third connection is the daemon's own ping check's slot; the fourth is one too many.
printf '' | "$SOCKCLIENT" "$sock" --raw --hold 3 >/dev/null 2>&1 &
kill_on_exit $!
sleep 0.5
answer=$(printf '{"op":"ping"}\n' | "$SOCKCLIENT" "$sock" --raw --hold 1 2>/dev/null)
like "$answer" '"code":"unavailable","message":"too many clients' "past --max-clients a new connection gets one unavailable line"
ok "SIGTERM stops it cleanly" daemon_stop
done_testing
