#!/bin/sh
# irsearchd's socket protocol, end to end: ping, search (fields, markers,
# paging, date sort), doc, stats; every error code (bad_request for every
# kind of malformed request, bad_query, too_large with the connection
# closed, not_found, timeout over a generated index); pipelined requests
# answered in order; a stalled half-sent line that delays nobody else and
# is closed after the idle timeout; a client hanging up with a request in
# the pool costs the event loop no CPU; answers larger than the socket
# holds reach a late reader whole and in order.
. "$(dirname "$0")/lib.sh"
daemon_require

plan 54

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

daemon_corpus
run as_daemon_user "$IRINDEX" --db "$db" "$srv/corpus"
status_is 0 "irindex indexes the corpus into the daemon's index"
ndocs=$(sed -n 's/^irindex: \([0-9][0-9]*\) added,.*/\1/p' "$tmp/out" "$tmp/err" | head -n 1)
like "$ndocs" '^[1-9][0-9]*$' "...and says how many documents it added ($ndocs)"

# -v logs every request and every closed connection; --idle-timeout 2 for the stalled client.
daemon_start "$sock" --db "$db" --idle-timeout 2 -v
is $? 0 "the daemon starts and answers"

# ask NAME REQUEST: sends REQUEST on a connection of its own; the answer line in $tmp/NAME.json.
ask() {
	printf '%s\n' "$2" | "$SOCKCLIENT" "$sock" --allow-errors >"$tmp/$1.out" 2>"$tmp/$1.err"
	head -n 1 "$tmp/$1.out" >"$tmp/$1.json"
}

# error_is NAME REQUEST CODE DESC: REQUEST is answered {"ok":false,"error":{"code":CODE,...}}.
error_is() {
	ask "$1" "$2"
	is "$(json_get "$tmp/$1.json" '$.ok'),$(json_get "$tmp/$1.json" '$.error.code')" "false,$3" "$4"
}

# ping
ask ping '{"op":"ping"}'
is "$(json_get "$tmp/ping.json" '$.ok'),$(json_get "$tmp/ping.json" '$.protocol')" "true,1" \
	"ping: ok, protocol 1"

# search
ask s '{"op":"search","q":"Astana Declaration"}'
ok "search: the answer is valid JSON" json_valid "$tmp/s.json"
is "$(json_get "$tmp/s.json" '$.ok'),$(json_type "$tmp/s.json" '$.total'),$(json_type "$tmp/s.json" '$.hits')" \
	"true,integer,array" "search: ok, an integer total, a hits array"
is "$(json_type "$tmp/s.json" '$.hits[0].id'),$(json_type "$tmp/s.json" '$.hits[0].path'),$(json_type "$tmp/s.json" '$.hits[0].title'),$(json_type "$tmp/s.json" '$.hits[0].score'),$(json_type "$tmp/s.json" '$.hits[0].snippet')" \
	"integer,text,text,real,text" "search: a hit has id, path, title, score, snippet"
like "$(json_get "$tmp/s.json" '$.hits[0].path')" '/sco-astana-summit-2024\.md$' \
	"search: 'Astana Declaration' finds sco-astana-summit-2024.md first"
like "$(json_get "$tmp/s.json" '$.hits[0].snippet')" '\[Astana\] \[Declaration\]' \
	"search: ...with [Astana] [Declaration] in its snippet"
astana_id=$(json_get "$tmp/s.json" '$.hits[0].id')
total=$(json_get "$tmp/s.json" '$.total')

ask mark '{"op":"search","q":"Astana Declaration","markers":["<b>","</b>"]}'
snippet=$(json_get "$tmp/mark.json" '$.hits[0].snippet')
if printf '%s' "$snippet" | grep -q '<b>Astana</b> <b>Declaration</b>' &&
	! printf '%s' "$snippet" | grep -q '\[Astana\]'; then
	_mark=honoured
else
	_mark="not honoured: $snippet"
fi
is "$_mark" honoured 'search: markers ["<b>","</b>"] replace [ and ]'

ask lim '{"op":"search","q":"Astana Declaration","limit":2}'
is "$(json_len "$tmp/lim.json" '$.hits'),$(json_get "$tmp/lim.json" '$.total')" "2,$total" \
	"search: limit 2 gives 2 hits and the same total"
ask off '{"op":"search","q":"Astana Declaration","limit":1,"offset":1}'
is "$(json_each "$tmp/off.json" '$.hits' id)" "$(json_each "$tmp/lim.json" '$.hits' id | sed -n 2p)" \
	"search: offset 1 limit 1 gives the second hit"
ask date '{"op":"search","q":"cooperation","sort":"date","limit":1000}'
dates=$(json_each "$tmp/date.json" '$.hits' date)
ok 'search: sort "date" gives the newest first' \
	sh -c '[ -n "$1" ] && printf "%s\n" "$1" | sort -c -r' sh "$dates"
ask fields '{"op":"search","q":"Astana Declaration","fields":["path"]}'
like "$(json_get "$tmp/fields.json" '$.hits')" '^\[\{"path":"[^"]+"\}(,\{"path":"[^"]+"\})*\]$' \
	'search: fields ["path"] gives hits with only a path'

# doc
ask doc "{\"op\":\"doc\",\"id\":$astana_id}"
is "$(json_get "$tmp/doc.json" '$.ok'),$(json_get "$tmp/doc.json" '$.doc.id'),$(json_get "$tmp/doc.json" '$.doc.path'),$(json_type "$tmp/doc.json" '$.doc.title'),$(json_type "$tmp/doc.json" '$.doc.text')" \
	"true,$astana_id,$srv/corpus/sco-astana-summit-2024.md,text," "doc: the document's metadata, without its text"
ask doctext "{\"op\":\"doc\",\"id\":$astana_id,\"text\":true}"
like "$(json_get "$tmp/doctext.json" '$.doc.text')" 'Astana Declaration' 'doc: with "text":true, the text too'
error_is docnone '{"op":"doc","id":999999}' not_found "doc: an unknown id -> not_found"

# stats
ask stats '{"op":"stats"}'
version=$("$IRSEARCHD" --version | sed 's/^irsearchd //')
is "$(json_get "$tmp/stats.json" '$.ok'),$(json_get "$tmp/stats.json" '$.documents'),$(json_get "$tmp/stats.json" '$.version'),$(json_get "$tmp/stats.json" '$.protocol')" \
	"true,$ndocs,$version,1" "stats: documents = the indexed documents, version, protocol 1"

# Malformed requests: bad_request, and the connection goes on.
printf 'this is not JSON\n{"op":"ping"}\n' | "$SOCKCLIENT" "$sock" --allow-errors >"$tmp/notjson.out" 2>&1
head -n 1 "$tmp/notjson.out" >"$tmp/notjson.json"
sed -n 2p "$tmp/notjson.out" >"$tmp/notjson2.json"
is "$(json_get "$tmp/notjson.json" '$.error.code')" bad_request "not JSON -> bad_request"
is "$(json_get "$tmp/notjson2.json" '$.ok')" true "...and the same connection then answers a ping"
error_is array '[{"op":"ping"}]' bad_request "a JSON array -> bad_request"
error_is qint '{"op":"search","q":5}' bad_request '"q":5 -> bad_request'
error_is limx '{"op":"search","q":"water","limit":"x"}' bad_request '"limit":"x" -> bad_request'
error_is lim0 '{"op":"search","q":"water","limit":0}' bad_request '"limit":0 -> bad_request'
error_is lim5k '{"op":"search","q":"water","limit":5000}' bad_request '"limit":5000 -> bad_request'
error_is markx '{"op":"search","q":"water","markers":"x"}' bad_request '"markers":"x" -> bad_request'
error_is textyes '{"op":"doc","id":1,"text":"yes"}' bad_request '"text":"yes" -> bad_request'
error_is badop '{"op":"frobnicate"}' bad_request "an unknown op -> bad_request"
error_is badfield '{"op":"search","q":"water","limt":5}' bad_request "an unknown field -> bad_request"

# bad_query
error_is unbal '{"op":"search","q":"\"unbalanced quote"}' bad_query "an unbalanced quote -> bad_query"
like "$(json_get "$tmp/unbal.json" '$.error.message')" column "...with a message naming the column"

# A 100 KB line: too_large, then the daemon closes the connection.
{
	printf '{"op":"search","q":"'
	head -c 102400 /dev/zero | tr '\0' a
	printf '"}\n'
} >"$tmp/big.req"
t0=$(now_ms)
"$SOCKCLIENT" "$sock" --raw --hold 5 <"$tmp/big.req" >"$tmp/big.out" 2>"$tmp/big.err"
t1=$(now_ms)
head -n 1 "$tmp/big.out" >"$tmp/big.json"
is "$(json_get "$tmp/big.json" '$.error.code')" too_large "a 100 KB request line -> too_large"
if [ $((t1 - t0)) -lt 4000 ] && [ "$(lines "$tmp/big.out")" = 1 ]; then
	_closed=closed
else
	_closed="open after $((t1 - t0)) ms, $(lines "$tmp/big.out") answer lines"
fi
is "$_closed" closed "...and the connection is closed (end of file long before --hold 5 ends)"

# Bytes that are not UTF-8, and NUL bytes.
printf '{"op":"search","q":"caf\351 \377\376"}\n' >"$tmp/latin1.req"
"$SOCKCLIENT" "$sock" --raw --hold 1 <"$tmp/latin1.req" >"$tmp/latin1.out" 2>&1
head -n 1 "$tmp/latin1.out" >"$tmp/latin1.json"
is "$(json_get "$tmp/latin1.json" '$.error.code')" bad_request "invalid UTF-8 in a request -> bad_request"
# NULs, in one session: raw in a string, escaped in the query, a line of them.
printf '{"op":"search","q":"wa\000ter"}\n{"op":"search","q":"wa\\u0000ter"}\n\000\000\000\n{"op":"ping"}\n' >"$tmp/nul.req"
"$SOCKCLIENT" "$sock" --raw --hold 1 <"$tmp/nul.req" >"$tmp/nul.out" 2>&1
i=1
while [ "$i" -le 4 ]; do
	sed -n "${i}p" "$tmp/nul.out" >"$tmp/nul$i.json"
	i=$((i + 1))
done
is "$(json_get "$tmp/nul1.json" '$.error.code')" bad_request "a NUL byte in a request -> bad_request"
is "$(json_get "$tmp/nul2.json" '$.error.code')" bad_request 'a \u0000 in the query -> bad_request'
is "$(json_get "$tmp/nul3.json" '$.error.code')" bad_request "a line of NUL bytes -> bad_request"
is "$(json_get "$tmp/nul4.json" '$.ok')" true "...and the same connection then answers a ping"

# Pipelining: 20 searches with different limits in one write, answered in order.
limits="5 12 1 20 8 3 17 10 2 15 6 19 4 11 14 7 18 9 13 16"
: >"$tmp/pipe.req"
for n in $limits; do
	printf '{"op":"search","q":"s*","limit":%d,"fields":["id"]}\n' "$n" >>"$tmp/pipe.req"
done
# All 20 lines go out before the first answer is read; each answer is then
# awaited as long as it takes (a sanitizer build on a busy machine is slow).
"$SOCKCLIENT" "$sock" --timeout 60000 <"$tmp/pipe.req" >"$tmp/pipe.out" 2>&1
got=
i=1
while [ "$i" -le 20 ]; do
	sed -n "${i}p" "$tmp/pipe.out" >"$tmp/pipe.json"
	got="$got $(json_len "$tmp/pipe.json" '$.hits')"
	i=$((i + 1))
done
is "$got" " $limits" "20 pipelined requests in one write are answered in order"

# A client that sends half a line and stalls delays nobody, and is closed when idle.
printf '{"op":"search","q":"wat' | "$SOCKCLIENT" "$sock" --raw --hold 8 >"$tmp/stall.out" 2>&1 &
stall_pid=$!
kill_on_exit "$stall_pid"
stall_t0=$(now_ms)
sleep 0.5
printf '{"op":"search","q":"water"}\n{"op":"stats"}\n{"op":"ping"}\n' >"$tmp/other.req"
t0=$(now_ms)
"$SOCKCLIENT" "$sock" --timeout 5000 <"$tmp/other.req" >"$tmp/other.out" 2>&1
other_rc=$?
t1=$(now_ms)
if [ "$other_rc" = 0 ] && [ $((t1 - t0)) -lt 2000 ]; then
	_prompt=prompt
else
	_prompt="exit $other_rc after $((t1 - t0)) ms: $(cat "$tmp/other.out")"
fi
is "$_prompt" prompt "while a client stalls mid-line, another's requests are answered at once"
daemon_wait_exit "$stall_pid" 12
stall_t1=$(now_ms)
if [ "$daemon_rc" = running ]; then
	kill -KILL "$stall_pid" 2>/dev/null
	_idle="the stalled client still ran after 12 s"
elif [ $((stall_t1 - stall_t0)) -ge 1500 ] && [ $((stall_t1 - stall_t0)) -lt 7000 ] &&
	[ ! -s "$tmp/stall.out" ]; then
	_idle=closed
else
	_idle="the stalled client ended after $((stall_t1 - stall_t0)) ms, not between 1.5 s and 7 s; output '$(cat "$tmp/stall.out")'"
fi
diag "the stalled client ended after $((stall_t1 - stall_t0)) ms"
is "$_idle" closed "...and the daemon closes it after --idle-timeout 2 (end of file after 2-4 s, well before --hold 8 ends)"
like "$(cat "$daemon_err")" 'connection closed: idle' "...logging that it closed an idle connection"

ok "the daemon still answers a ping" daemon_ping "$sock"
daemon_stop
is $? 0 "SIGTERM: the daemon exits 0, removes its socket, no sanitizer report"

# timeout: a broad prefix query over a few thousand generated files, a 1 ms budget.
big=$(daemon_dir big)
mkdir -p "$big/files"
awk -v dir="$big/files" 'BEGIN {
	n = split("alpha beta gamma delta epsilon summit treaty energy water border security " \
		"trade corridor pipeline council declaration strategy region cooperation market " \
		"steppe river transit customs grain cotton uranium railway tariff sanction envoy " \
		"forum charter accord dialogue mineral harbour canal desert glacier basin", w, " ")
	srand(42)
	for (f = 1; f <= 3000; f++) {
		file = sprintf("%s/doc%04d.txt", dir, f)
		text = ""
		for (i = 1; i <= 300; i++)
			text = text w[int(rand() * n) + 1] ((i % 15) ? " " : "\n")
		printf "%s", text > file
		close(file)
	}
}'
daemon_dir big >/dev/null
t0=$(now_ms)
run as_daemon_user "$IRINDEX" --db "$big/big.db" "$big/files"
status_is 0 "irindex indexes 3000 generated files"
diag "generating and indexing them took $(($(now_ms) - t0)) ms"
bigsock=$big/irsearchd.sock
daemon_start "$bigsock" --db "$big/big.db" --query-timeout 1
is $? 0 "a daemon with --query-timeout 1 starts"
sock=$bigsock
ask slow '{"op":"search","q":"a* OR b* OR c* OR d* OR e* OR s* OR t*","limit":1000}'
is "$(json_get "$tmp/slow.json" '$.ok'),$(json_get "$tmp/slow.json" '$.error.code')" "false,timeout" \
	"a query past its 1 ms budget -> timeout"
ok "...and the daemon then answers a ping" daemon_ping "$bigsock"
ask small '{"op":"search","q":"nosuchwordanywhere","limit":1}'
is "$(json_get "$tmp/small.json" '$.ok')" true "...and a small request"
daemon_stop
is $? 0 "SIGTERM: that daemon exits 0 too, socket removed, no sanitizer report"

# A client that hangs up while its request is in the pool: the event loop must
# not spin (epoll reports a hang-up until the socket is closed).  One worker,
# kept busy by thirty other clients' slow queries first (one ranks 3,000
# documents in tens of milliseconds; a client has one request in the pool at
# a time), so the hung-up client's
# request waits in the pool for a while; a ping queued behind it marks the end.
# The slow query says "cache":false: answered from the cache, it would not be slow.
slowreq='{"op":"search","q":"a* OR b* OR c* OR d* OR e* OR s* OR t*","limit":1000,"cache":false}'
daemon_start "$bigsock" --db "$big/big.db" --workers 1 --query-timeout 60000
is $? 0 "a daemon with one worker and a 60 s budget starts"
# loop_ticks PID: CPU clock ticks of PID's main thread, the event loop.
loop_ticks() {
	sed 's/^.*) //' "/proc/$1/task/$1/stat" | awk '{ print $12 + $13 }'
}
busy_pids=
for _c in $(seq 30); do
	printf '%s\n' "$slowreq" | "$SOCKCLIENT" "$bigsock" --raw --hold 30 >/dev/null 2>&1 &
	busy_pids="$busy_pids $!"
	kill_on_exit "$!"
done
sleep 0.2
printf '%s\n' "$slowreq" | timeout 0.5 "$SOCKCLIENT" "$bigsock" --raw --hold 5 >/dev/null 2>&1
c0=$(loop_ticks "$daemon_pid")
t0=$(now_ms)
printf '{"op":"ping"}\n' | "$SOCKCLIENT" "$bigsock" --timeout 60000 >"$tmp/behind.out" 2>&1
t1=$(now_ms)
c1=$(loop_ticks "$daemon_pid")
for _p in $busy_pids; do
	kill "$_p" 2>/dev/null
	daemon_wait_exit "$_p" 5
done
loop_ms=$(((c1 - c0) * 1000 / $(getconf CLK_TCK)))
diag "while the hung-up client's request waited $((t1 - t0)) ms, the event loop used $loop_ms ms of CPU"
# Its first line is a ping's answer, not the hung-up client's search answer:
# the ping's connection may be given the hung-up one's descriptor number, and
# an answer must find its connection by more than that number.
if ! head -n 1 "$tmp/behind.out" | grep -q '^{"ok":true,"version"'; then
	_spin="the ping queued behind was not answered: $(cat "$tmp/behind.out")"
elif [ $((t1 - t0)) -lt 200 ]; then
	_spin="the slow queries ended too soon ($((t1 - t0)) ms) to tell"
elif [ $((loop_ms * 4)) -gt $((t1 - t0)) ]; then
	_spin="the event loop spun: $loop_ms ms of CPU in $((t1 - t0)) ms"
else
	_spin=idle
fi
is "$_spin" idle "a client hanging up with a request in the pool does not make the event loop spin"

# Answers larger than the socket holds, pipelined between pings, to a client
# that reads only a second later: the worker writes what fits, the event loop
# the rest, and the ping after each waits for it.
bigreq='{"op":"search","q":"s*","limit":1000,"cache":false}'
# Made here: the background job's redirection may come after the first look.
: >"$tmp/late.out"
printf '%s\n{"op":"ping"}\n%s\n{"op":"ping"}\n' "$bigreq" "$bigreq" |
	"$SOCKCLIENT" "$bigsock" --raw --read-after 1 --hold 60 >"$tmp/late.out" 2>&1 &
late_pid=$!
kill_on_exit "$late_pid"
# The client holds the connection open: the four answers end the wait.
i=0
while [ "$(lines "$tmp/late.out")" -lt 4 ] && [ $i -lt 600 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill "$late_pid" 2>/dev/null
daemon_wait_exit "$late_pid" 5
got=
for i in 1 2 3 4; do
	sed -n "${i}p" "$tmp/late.out" >"$tmp/late.json"
	if [ "$(json_get "$tmp/late.json" '$.ok')" != true ]; then
		got="$got bad"
	elif [ "$(json_type "$tmp/late.json" '$.hits')" = array ]; then
		got="$got $(json_len "$tmp/late.json" '$.hits')"
	else
		got="$got ping"
	fi
done
diag "the two large answers: $(sed -n 1p "$tmp/late.out" | wc -c) and $(sed -n 3p "$tmp/late.out" | wc -c) bytes"
is "$got" " 1000 ping 1000 ping" "answers larger than the socket holds reach a late reader whole and in order"
daemon_stop
is $? 0 "...and that daemon exits 0 too"

done_testing
