#!/bin/sh
# irsearchd under load: 256 concurrent clients, every answer identical and
# ok; the daemon's hits are those of irsearch --direct; its memory does not
# grow from one identical load to the next; SIGTERM in the middle of a load
# ends it cleanly within seconds.
. "$(dirname "$0")/lib.sh"
daemon_require

plan 15

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# rss_kb PID: the resident set size in kB.
rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

daemon_corpus
run as_daemon_user "$IRINDEX" --db "$db" "$srv/corpus"
status_is 0 "irindex indexes the corpus"

# Five different searches; N rounds of them from each of 256 clients.  Two
# bypass the answer cache, so that the load runs searches, not only lookups.
# The argument lists are those irsearch --direct is given for the same search.
cat >"$tmp/queries" <<'EOF'
{"op":"search","q":"Astana Declaration","limit":10}|-n 10|Astana Declaration
{"op":"search","q":"cooperation","limit":5,"offset":5,"cache":false}|-n 5 --offset 5|cooperation
{"op":"search","q":"water OR energy","limit":10,"cache":false}|-n 10|water OR energy
{"op":"search","q":"glacier*","limit":10}|-n 10|glacier*
{"op":"search","q":"\"security cooperation\" -china","limit":10}|-n 10|"security cooperation" -china
EOF
cut -d'|' -f1 "$tmp/queries" >"$tmp/load.req"
nreq=$(lines "$tmp/load.req")
clients=256
# 256 x 10 x 5 = 256 x 50 searches.  Measured: a load takes about 10 s, and
# 30-40 s under ASan (on 2 cores), so the sanitizer build runs it in full too.
rounds=10
expected=$((clients * rounds * nreq))

# ASan keeps freed memory in a quarantine (256 MB by default) that fills up over
# several loads and would hide or fake RSS growth: this daemon gets a small one.
saved_asan_options=$ASAN_OPTIONS
if grep -qa __asan_init "$IRSEARCHD"; then
	ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=16"
	diag "sanitizer build: the daemon runs with ASAN_OPTIONS=$ASAN_OPTIONS"
fi
daemon_start "$sock" --db "$db"
is $? 0 "the daemon starts and answers"
ASAN_OPTIONS=$saved_asan_options
pid=$daemon_pid

# The daemon's hits are those of irsearch --direct.
"$SOCKCLIENT" "$sock" <"$tmp/load.req" >"$tmp/single.out" 2>"$tmp/single.err"
is "$?" 0 "one client: the $nreq searches are answered ok"
same=0
i=1
while [ "$i" -le "$nreq" ]; do
	sed -n "${i}p" "$tmp/single.out" >"$tmp/d$i.json"
	args=$(sed -n "${i}p" "$tmp/queries" | cut -d'|' -f2)
	q=$(sed -n "${i}p" "$tmp/queries" | cut -d'|' -f3)
	# shellcheck disable=SC2086
	"$IRSEARCH" --direct --db "$db" --json $args "$q" >"$tmp/c$i.json" 2>"$tmp/c$i.err"
	d_ids=$(json_each "$tmp/d$i.json" '$.hits' id | tr '\n' ' ')
	c_ids=$(json_each "$tmp/c$i.json" '$.hits' id | tr '\n' ' ')
	d_total=$(json_get "$tmp/d$i.json" '$.total')
	c_total=$(json_get "$tmp/c$i.json" '$.total')
	if [ -n "$d_ids" ] && [ "$d_ids" = "$c_ids" ] && [ "$d_total" = "$c_total" ]; then
		same=$((same + 1))
	else
		diag "search $i ($q): daemon total $d_total ids $d_ids; --direct total $c_total ids $c_ids"
	fi
	i=$((i + 1))
done
is "$same" "$nreq" "each search gives the same total and hit ids as irsearch --direct --json"

# load NAME: the full load; sockclient's exit status in $load_rc, its time in $load_ms.
load() {
	_l_t0=$(now_ms)
	"$SOCKCLIENT" "$sock" --clients "$clients" --rounds "$rounds" --timeout 60000 \
		<"$tmp/load.req" >"$tmp/$1.out" 2>"$tmp/$1.err"
	load_rc=$?
	load_ms=$(($(now_ms) - _l_t0))
	diag "$1: $(cat "$tmp/$1.out") in $load_ms ms"
	[ "$load_rc" = 0 ] || diag_file "  sockclient's stderr" "$tmp/$1.err"
}

load load1
is "$load_rc" 0 "$clients clients x $rounds rounds x $nreq searches: every answer ok and identical"
like "$(cat "$tmp/load1.out")" ", $expected answers, 0 errors, 0 differing, 0 failed$" \
	"...all $expected of them"
rss1=$(rss_kb "$pid")
load load2
is "$load_rc" 0 "a second identical load: every answer ok and identical"
rss2=$(rss_kb "$pid")
diag "daemon RSS: $rss1 kB after the first load, $rss2 kB after the second"
if [ -n "$rss1" ] && [ -n "$rss2" ] && [ $((rss2 - rss1)) -le 10240 ]; then
	_rss=steady
else
	_rss="grew from ${rss1:-?} kB to ${rss2:-?} kB"
fi
is "$_rss" steady "...and the daemon's RSS grew by at most 10 MB over it"

ok "the daemon still answers a ping after the loads" daemon_ping "$sock"
ok "...and its log holds no sanitizer report" daemon_sanitizer_clean "$daemon_err"

# SIGTERM in the middle of a load.
"$SOCKCLIENT" "$sock" --clients "$clients" --rounds 100000 --timeout 20000 \
	<"$tmp/load.req" >"$tmp/load3.out" 2>"$tmp/load3.err" &
loader=$!
kill_on_exit "$loader"
sleep 1
ok "a third load is running" _irs_running "$loader"
t0=$(now_ms)
kill -TERM "$pid"
daemon_wait_exit "$pid" 15
stop_ms=$(($(now_ms) - t0))
diag "the daemon ended $stop_ms ms after SIGTERM"
if [ "$daemon_rc" = running ]; then
	kill -KILL "$pid"
fi
is "$daemon_rc" 0 "SIGTERM during the load: the daemon exits 0"
ok "...within 5 seconds" test "$stop_ms" -lt 5000
ok "...removing its socket" test ! -e "$sock"
ok "...with no sanitizer report" daemon_sanitizer_clean "$daemon_err"
daemon_wait_exit "$loader" 30
[ "$daemon_rc" = running ] && kill -KILL "$loader"
diag "the interrupted load: $(cat "$tmp/load3.out")"

done_testing
