#!/bin/sh
# irsearchd's answer cache: a repeated search is answered from the cache
# ("cached":true, the same hits), "cache":false bypasses it, an irindex run
# that changes the index makes the next answer fresh (new hits, not a kept
# one), --cache-mib 0 turns it off, and "cache" must be a boolean; an index
# rebuilt by irindex --full in place of a damaged one is answered from.
. "$(dirname "$0")/lib.sh"
daemon_require

plan 15

srv=$(daemon_dir srv)
mkdir -p "$srv/docs"
printf 'Water policy\n\nThe basin commission met on water sharing.\n' >"$srv/docs/a.md"
printf 'Energy policy\n\nThe grid operators met on water cooling.\n' >"$srv/docs/b.md"
daemon_dir srv >/dev/null
db=$srv/index.db
sock=$srv/irsearchd.sock
run as_daemon_user "$IRINDEX" --db "$db" "$srv/docs"
status_is 0 "irindex indexes two documents"

# ask NAME REQUEST: the raw answer line to REQUEST, on a connection of its own, in $tmp/NAME.json.
ask() {
	printf '%s\n' "$2" | "$SOCKCLIENT" "$sock" --raw --hold 1 >"$tmp/$1.out" 2>"$tmp/$1.err"
	head -n 1 "$tmp/$1.out" >"$tmp/$1.json"
}
hits() {
	json_get "$tmp/$1.json" '$.total'
	json_each "$tmp/$1.json" '$.hits' '$.path'
}

daemon_start "$sock" --db "$db"
is $? 0 "the daemon starts"
req='{"op":"search","q":"water","limit":5}'
ask first "$req"
is "$(json_get "$tmp/first.json" '$.cached')" "" "a first search is computed (no \"cached\")"
is "$(json_get "$tmp/first.json" '$.total')" 2 "...and finds both documents"
ask again '{"q":"water","limit":5,"op":"search"}'
is "$(json_get "$tmp/again.json" '$.cached')" true "the same search, keys in another order, comes from the cache"
is "$(hits again)" "$(hits first)" "...with the same total and hits"
ask bypass '{"op":"search","q":"water","limit":5,"cache":false}'
is "$(json_get "$tmp/bypass.json" '$.cached')" "" "\"cache\":false computes the answer afresh"
ask badtype '{"op":"search","q":"water","cache":"no"}'
like "$(cat "$tmp/badtype.json")" '"code":"bad_request".*cache' "\"cache\" must be a boolean"

# A change to the index: the kept answer must not be served again.
printf 'Transport policy\n\nFerries carry water and grain.\n' >"$srv/docs/c.md"
chmod a+r "$srv/docs/c.md"
run as_daemon_user "$IRINDEX" --db "$db" "$srv/docs"
status_is 0 "irindex adds a third document while the daemon runs"
ask after "$req"
is "$(json_get "$tmp/after.json" '$.cached')" "" "after the change the search is computed again"
is "$(json_get "$tmp/after.json" '$.total')" 3 "...and finds the new document"
ask after2 "$req"
is "$(json_get "$tmp/after2.json" '$.cached') $(json_get "$tmp/after2.json" '$.total')" "true 3" \
	"...which is then kept in turn"
daemon_stop

daemon_start "$sock" --db "$db" --cache-mib 0
ask off1 "$req"
ask off2 "$req"
is "$(json_get "$tmp/off2.json" '$.cached')$(json_get "$tmp/off2.json" '$.total')" 3 \
	"with --cache-mib 0 nothing is kept"

# The index damaged under the running daemon, then rebuilt by irindex --full,
# which sets the damaged file aside: the daemon answers from the new file.
run as_daemon_user "$IRINDEX" --db "$db" "$srv/docs"
as_daemon_user truncate -s 8192 "$db"
ask damaged "$req"
run as_daemon_user "$IRINDEX" --full --db "$db" "$srv/docs"
status_is 0 "irindex --full rebuilds an index damaged while the daemon runs"
ask rebuilt "$req"
is "$(json_get "$tmp/rebuilt.json" '$.ok') $(json_get "$tmp/rebuilt.json" '$.total')" "true 3" \
	"...and the daemon answers from the new file, not the one set aside"
daemon_stop
