#!/bin/sh
# irsearchd's life: one daemon per socket (a second refuses, a stale socket
# file is replaced, a path that is not a socket is left alone), SIGTERM,
# the pid file, the socket's permissions (0600, --socket-mode, refusals,
# another account kept out), root without --user refused, root with --user
# dropped for good, an index that appears or changes while the daemon runs,
# SIGHUP.
. "$(dirname "$0")/lib.sh"
daemon_require

plan 54

daemon_corpus
run as_daemon_user "$IRINDEX" --db "$db" "$srv/corpus"
status_is 0 "irindex indexes the corpus"
ndocs=$(sed -n 's/^irindex: \([0-9][0-9]*\) added,.*/\1/p' "$tmp/out" "$tmp/err" | head -n 1)

# stats_documents SOCK: the daemon's count of documents.
stats_documents() {
	printf '{"op":"stats"}\n' | "$SOCKCLIENT" "$1" --allow-errors 2>/dev/null | head -n 1 >"$tmp/stats.json"
	json_get "$tmp/stats.json" '$.documents'
}

# ask_code SOCK REQUEST: "ok", or the error code of the answer.
ask_code() {
	printf '%s\n' "$2" | "$SOCKCLIENT" "$1" --allow-errors 2>/dev/null | head -n 1 >"$tmp/ask.json"
	if [ "$(json_get "$tmp/ask.json" '$.ok')" = true ]; then
		echo ok
	else
		json_get "$tmp/ask.json" '$.error.code'
	fi
}

# One daemon per socket.
daemon_start "$sock" --db "$db" --pidfile "$srv/irsearchd.pid"
is $? 0 "a daemon starts and answers"
first_pid=$daemon_pid
first_err=$daemon_err
is "$(stat -c %a "$sock")" 600 "its socket has mode 0600 by default"
is "$(cat "$srv/irsearchd.pid" 2>/dev/null)" "$first_pid" "--pidfile holds the daemon's pid"
# Root with --user: the daemon binds, hands its socket over, then is that account for good.
if is_root; then
	nb_uid=$(id -u nobody)
	nb_gid=$(id -g nobody)
	st=$(cat "/proc/$first_pid/status" 2>/dev/null)
	like "$st" "^Uid:[[:space:]]+$nb_uid[[:space:]]+$nb_uid[[:space:]]+$nb_uid[[:space:]]+$nb_uid\$" \
		"started as root with --user nobody, the daemon runs as nobody (real, effective, saved, file uid)"
	like "$st" "^Gid:[[:space:]]+$nb_gid[[:space:]]+$nb_gid[[:space:]]+$nb_gid[[:space:]]+$nb_gid\$" \
		"...in nobody's group"
	like "$st" "^CapEff:[[:space:]]+0+\$" "...with no capability left"
	is "$(stat -c %U "$sock")" nobody "...and nobody owns its socket"
else
	skip 4 "not running as root"
fi
# shellcheck disable=SC2086
run timeout 20 "$IRSEARCHD" --socket "$sock" $DAEMON_USER_ARGS --db "$db"
status_is 2 "a second daemon on the same socket exits 2"
like "$err" "another irsearchd answers" "...saying another irsearchd answers there"
ok "...and the first one still answers on its socket" daemon_ping "$sock"
daemon_stop "$first_pid" "$sock" "$first_err"
is $? 0 "SIGTERM: exit 0, the socket removed, no sanitizer report"
ok "...and the pid file removed" test ! -e "$srv/irsearchd.pid"

# A socket file nobody listens on (a daemon killed with SIGKILL) is replaced.
daemon_start "$sock" --db "$db"
is $? 0 "a daemon starts again"
kill -KILL "$daemon_pid"
daemon_wait_exit "$daemon_pid" 10
is "$daemon_rc" 137 "SIGKILL ends it"
ok "...leaving its socket file behind" test -S "$sock"
daemon_start "$sock" --db "$db"
is $? 0 "the next daemon replaces the stale socket and answers"
daemon_stop
is $? 0 "...and stops cleanly"

# A path that is not a socket is left alone.
echo "not a socket" >"$srv/plain"
# shellcheck disable=SC2086
run timeout 20 "$IRSEARCHD" --socket "$srv/plain" $DAEMON_USER_ARGS --db "$db"
status_is 2 "a socket path that is a regular file: exit 2"
like "$err" "not a socket" "...saying it is not a socket"
is "$(cat "$srv/plain")" "not a socket" "...and the file is untouched"

# --socket-mode.
daemon_start "$sock" --db "$db" --socket-mode 0660
is $? 0 "--socket-mode 0660: the daemon starts"
is "$(stat -c %a "$sock")" 660 "...and its socket has mode 0660"
if is_root; then
	# The socket's group is the daemon's (nogroup): a member of it gets in,
	# which shows the folders let others through and only the mode decides.
	printf '{"op":"ping"}\n' | setpriv --reuid=daemon --regid="$(id -g nobody)" --clear-groups \
		"$SOCKCLIENT" "$sock" >"$tmp/grp.out" 2>&1
	is "$?,$(head -n 1 "$tmp/grp.out")" '0,{"ok":true,"version":"'"$("$IRSEARCHD" --version | sed 's/^irsearchd //')"'","protocol":1}' \
		"...so another account in the socket's group can connect"
else
	skip 1 "needs root to act as another account"
fi
daemon_stop
is $? 0 "...and it stops cleanly"
# shellcheck disable=SC2086
run timeout 20 "$IRSEARCHD" --socket "$sock" $DAEMON_USER_ARGS --db "$db" --socket-mode 0666
status_is 2 "--socket-mode 0666 (writable by others) is refused: exit 2"
ok "...creating no socket" test ! -e "$sock"
# The same from socket_mode in [searchd] of the config file.
printf '[searchd]\nsocket_mode = 0660\n' >"$srv/mode.conf"
daemon_start "$sock" --config "$srv/mode.conf" --db "$db"
is $? 0 "socket_mode = 0660 in the config: the daemon starts"
is "$(stat -c %a "$sock")" 660 "...and its socket has mode 0660"
daemon_stop
is $? 0 "...and it stops cleanly"
printf '[searchd]\nsocket_mode = 0666\n' >"$srv/bad-mode.conf"
# shellcheck disable=SC2086
run timeout 20 "$IRSEARCHD" --socket "$sock" $DAEMON_USER_ARGS --config "$srv/bad-mode.conf" --db "$db"
status_is 2 "socket_mode = 0666 in the config is refused: exit 2"
ok "...creating no socket" test ! -e "$sock"

# Another account cannot connect to a 0600 socket.
daemon_start "$sock" --db "$db"
is $? 0 "a daemon with the default mode starts"
if is_root; then
	printf '{"op":"ping"}\n' | setpriv --reuid=daemon --regid=daemon --clear-groups \
		"$SOCKCLIENT" "$sock" >"$tmp/other.out" 2>&1
	other_rc=$?
	is "$other_rc" 1 "another account (daemon) cannot use the 0600 socket: sockclient fails"
	like "$(cat "$tmp/other.out")" "connect: Permission denied" "...connect says Permission denied"
else
	skip 2 "needs root to act as another account"
fi

# SIGHUP reopens and goes on serving.
hup_pid=$daemon_pid
kill -HUP "$daemon_pid"
sleep 0.5
ok "after SIGHUP the daemon still answers a ping" daemon_ping "$sock"
is "$(ask_code "$sock" '{"op":"search","q":"Astana Declaration"}')" ok "...and a search"
ok "...the same process" _irs_running "$hup_pid"
like "$(cat "$daemon_err")" "SIGHUP" "...which logged the SIGHUP"
daemon_stop
is $? 0 "...and stops cleanly"

# Root without --user.
if is_root; then
	run timeout 20 "$IRSEARCHD" --socket "$srv/root.sock" --db "$db"
	status_is 2 "as root without --user: exit 2"
	like "$err" "refusing to run as root" "...refusing to run as root"
	ok "...creating no socket" test ! -e "$srv/root.sock"
else
	skip 3 "not running as root"
fi

# No index yet: unavailable, until irindex builds one; no restart needed.
later=$srv/later.db
daemon_start "$sock" --db "$later"
is $? 0 "a daemon over an index that does not exist yet starts and answers a ping"
later_pid=$daemon_pid
is "$(ask_code "$sock" '{"op":"search","q":"Astana Declaration"}')" unavailable \
	"...and answers a search with unavailable"
ok "...without creating the index file" test ! -e "$later"
run as_daemon_user "$IRINDEX" --db "$later" "$srv/corpus"
status_is 0 "irindex then builds the index"
is "$(ask_code "$sock" '{"op":"search","q":"Astana Declaration"}')" ok \
	"...and the same daemon now answers the search"
is "$(stats_documents "$sock")" "$ndocs" "...and counts the $ndocs documents"
ok "...still the same process" _irs_running "$later_pid"

# Queries while irindex updates the index: 10 runs adding 20 files each.
mkdir -p "$srv/more"
daemon_dir srv >/dev/null
(
	r=1
	while [ "$r" -le 10 ]; do
		i=1
		while [ "$i" -le 20 ]; do
			printf 'Quokka survey %d-%d\n\nThe quokka census of round %d counted cooperation in the steppe.\n' \
				"$r" "$i" "$r" >"$srv/more/quokka-$r-$i.txt"
			i=$((i + 1))
		done
		! is_root || chown -R nobody "$srv/more"
		as_daemon_user "$IRINDEX" --db "$later" "$srv/corpus" "$srv/more" >/dev/null 2>&1
		echo "$?" >>"$tmp/updates.rc"
		r=$((r + 1))
	done
) &
updater=$!
kill_on_exit "$updater"
: >"$tmp/during.req"
for _i in 1 2 3 4 5; do
	printf '%s\n' '{"op":"search","q":"quokka","limit":1000}' '{"op":"stats"}' \
		'{"op":"search","q":"cooperation","limit":50}' '{"op":"doc","id":1}' >>"$tmp/during.req"
done
answers=0
bad=0
n=0
while [ "$n" -lt 600 ]; do
	"$SOCKCLIENT" "$sock" --allow-errors <"$tmp/during.req" >"$tmp/during.out" 2>&1
	answers=$((answers + $(grep -c '^{"ok":true' "$tmp/during.out")))
	_bad=$((20 - $(grep -c '^{"ok":true' "$tmp/during.out")))
	if [ "$_bad" -gt 0 ]; then
		[ "$bad" -eq 0 ] && diag_file "a failed round" "$tmp/during.out"
		bad=$((bad + _bad))
	fi
	n=$((n + 1))
	_irs_running "$updater" || break
done
daemon_wait_exit "$updater" 60
diag "$n rounds of 20 requests while irindex ran 10 times"
is "$(tr '\n' ' ' <"$tmp/updates.rc")" "0 0 0 0 0 0 0 0 0 0 " "irindex updates the index 10 times while the daemon serves"
is "$answers,$bad" "$((n * 20)),0" "...and every request meanwhile is answered ok ($((n * 20)))"
is "$(stats_documents "$sock")" "$((ndocs + 200))" "...and the daemon then counts the 200 new documents"
daemon_stop
is $? 0 "...and stops cleanly"

done_testing
