#!/bin/sh
# irsearch asks irsearchd when one answers on --socket: -v says so, the text
# and the JSON are those of reading the index directly, and so are the exit
# statuses (0 match, 1 none, 2 bad query); with no daemon it reads the
# default index itself and -v says that.
. "$(dirname "$0")/lib.sh"
daemon_require

plan 22

daemon_corpus
run as_daemon_user "$IRINDEX" --db "$db" "$srv/corpus"
status_is 0 "irindex indexes the corpus"

daemon_start "$sock" --db "$db"
is $? 0 "the daemon starts and answers"

# The default index (where irsearch falls back to) does not exist: an answer
# that needs an index can only come from the daemon.
ok "there is no default index" test ! -e "$XDG_DATA_HOME/irsearch/index.db"

q="Astana Declaration"
run "$IRSEARCH" --direct --db "$db" "$q"
status_is 0 "--direct --db '$q' exits 0"
cp "$tmp/out" "$tmp/direct.txt"
run "$IRSEARCH" --socket "$sock" -v "$q"
status_is 0 "--socket -v '$q' exits 0"
cp "$tmp/out" "$tmp/daemon.txt"
like "$err" "answered by the daemon on $sock" "...and says on stderr that the daemon answered"
ok "...printing exactly what --direct prints" cmp -s "$tmp/direct.txt" "$tmp/daemon.txt"
[ -s "$tmp/daemon.txt" ] || diag "(the daemon's text is empty)"
cmp -s "$tmp/direct.txt" "$tmp/daemon.txt" || diff "$tmp/direct.txt" "$tmp/daemon.txt" | head -n 20 | sed 's/^/# /'
like "$(cat "$tmp/daemon.txt")" 'sco-astana-summit-2024\.md' "...which names the Astana summit report"

run "$IRSEARCH" --socket "$sock" -n 3 --offset 1 --sort date cooperation
cp "$tmp/out" "$tmp/daemon2.txt"
run "$IRSEARCH" --direct --db "$db" -n 3 --offset 1 --sort date cooperation
ok "...and so with -n 3 --offset 1 --sort date" cmp -s "$tmp/daemon2.txt" "$tmp/out"

# --json
run "$IRSEARCH" --socket "$sock" -v --json "$q"
status_is 0 "--socket --json exits 0"
printf '%s\n' "$out" >"$tmp/daemon.json"
like "$err" "answered by the daemon" "...answered by the daemon"
printf '{"op":"search","q":"%s","limit":10,"offset":0,"sort":"rank","markers":["[","]"]}\n' "$q" |
	"$SOCKCLIENT" "$sock" | head -n 1 >"$tmp/sock.json"
is "$(sed 's/"took_ms":[^,}]*,\{0,1\}//; s/,"cached":true//' "$tmp/daemon.json")" "$(sed 's/,"cached":true//' "$tmp/sock.json")" \
	"...printing the daemon's object (as the socket answers it, took_ms aside)"
run "$IRSEARCH" --direct --db "$db" --json "$q"
printf '%s\n' "$out" >"$tmp/direct.json"
is "$(json_get "$tmp/daemon.json" '$.total') $(json_get "$tmp/daemon.json" '$.hits')" \
	"$(json_get "$tmp/direct.json" '$.total') $(json_get "$tmp/direct.json" '$.hits')" \
	"...with the total and hits of --direct --json"

# Exit statuses through the daemon are those of --direct.
for case in "1:nosuchwordanywhere:no match" "2:\"unbalanced:a bad query"; do
	want=${case%%:*}
	rest=${case#*:}
	word=${rest%%:*}
	what=${rest#*:}
	run "$IRSEARCH" --direct --db "$db" "$word"
	direct_rc=$rc
	run "$IRSEARCH" --socket "$sock" -v "$word"
	is "$direct_rc,$rc" "$want,$want" "$what: exit $want through the daemon as with --direct"
done
like "$err" "unbalanced quote" "...the daemon's message for the bad query"
unlike "$err" "reading the index directly" "...and no fallback to the index file"

# No daemon: irsearch reads the default index itself.
mkdir -p "$XDG_DATA_HOME/irsearch"
cp "$db" "$XDG_DATA_HOME/irsearch/index.db"
run "$IRSEARCH" --socket "$tmp/no-daemon.sock" -v "$q"
status_is 0 "no daemon on the socket: exit 0 still"
like "$err" "reading the index directly" "...saying it reads the index directly"
ok "...printing what --direct prints" cmp -s "$tmp/direct.txt" "$tmp/out"
run env IRSEARCH_DB="$db" "$IRSEARCH" --socket "$tmp/no-daemon.sock" -v nosuchwordanywhere
is "$rc" 1 "...and with IRSEARCH_DB naming the index, no match: exit 1"

daemon_stop
is $? 0 "SIGTERM: the daemon exits 0, removes its socket, no sanitizer report"

done_testing
