# tests/e2e/lib.sh - shared helpers for the end-to-end scripts.
#
# Sourced by each tests/e2e/*.sh; prints TAP.  Gives:
#   IRS_SRC, IRS_BIN   the repo and the folder of the programs (tests/run sets
#                      both; alone, the script's repo and its build/)
#   IRINDEX, IRSEARCH  the programs; $tmp a private folder removed on exit
#   plan N | skip_all REASON | ok DESC CMD... | is GOT WANT DESC | like GOT ERE DESC |
#   unlike GOT ERE DESC | skip N REASON | diag TEXT... | diag_file TITLE FILE |
#   done_testing       (exits 1 when a test failed, 255 when the count is off)
#   run CMD...         runs CMD: stdout in $tmp/out and $out, stderr in $tmp/err
#                      and $err, exit status in $rc
#   status_is N DESC   checks $rc from the last run; shows its output when not
#   lines FILE         how many lines FILE has
#   json_get FILE PATH / json_type FILE PATH / json_len FILE PATH
#                      a value, its type (null true false integer real text
#                      array object), an array's length, for PATH like $.hits[0].path
#   json_each FILE PATH FIELD  FIELD of each element of the array at PATH, a line each
#   json_valid FILE    exits 0 when FILE is valid JSON
#   irs_sqlite3 ARGS   the sqlite3 shell, able to .load $IRS_BIN/irsearch
#                      (for a sanitizer build, with the sanitizer runtime preloaded)
#   ext_skip_reason    empty when irs_sqlite3 can load the extension, else why not
#
# Scripts use plain POSIX sh and no `set -e`: commands are expected to fail.

# tests/run hands every tests/e2e/*.sh to prove, this file too: run on its
# own it is no test.
case ${0##*/} in
lib.sh)
	echo "1..0 # SKIP lib.sh holds the helpers of the other scripts"
	exit 0
	;;
esac

IRS_SRC=${IRS_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
IRS_BIN=${IRS_BIN:-$IRS_SRC/build}
IRINDEX=$IRS_BIN/irindex
IRSEARCH=$IRS_BIN/irsearch
export IRS_SRC IRS_BIN

# Sanitizer builds: every report makes the program fail (as tests/run sets it).
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS UBSAN_OPTIONS

_tap_planned=0
_tap_n=0
_tap_failed=0

tmp=$(mktemp -d "${TMPDIR:-/tmp}/irs-e2e.XXXXXX") || {
	echo "Bail out! cannot make a temporary folder"
	exit 2
}
_irs_cleanup() {
	# chmod 000 files and foreign owners must not leave anything behind.
	chmod -R u+rwX "$tmp" 2>/dev/null
	rm -rf "$tmp"
}
trap _irs_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# No setting of the person running the tests may leak in.
HOME=$tmp/home
XDG_CONFIG_HOME=$tmp/config
XDG_DATA_HOME=$tmp/data
export HOME XDG_CONFIG_HOME XDG_DATA_HOME
unset IRSEARCH_DB IRSEARCH_SOCKET XDG_RUNTIME_DIR
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME"

for _p in "$IRINDEX" "$IRSEARCH"; do
	if [ ! -x "$_p" ]; then
		echo "Bail out! no program $_p (run make, or set IRS_BIN)"
		exit 2
	fi
done

plan() {
	_tap_planned=$1
	echo "1..$1"
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# Shows a file's first lines as diagnostics.
diag_file() {
	if [ -s "$2" ]; then
		diag "$1:"
		head -n 20 "$2" | sed 's/^/#   /'
	fi
}

_tap_result() {
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		_tap_failed=$((_tap_failed + 1))
		echo "not ok $_tap_n - $2"
	fi
}

# ok DESC CMD...: passes when CMD exits 0.
ok() {
	_ok_desc=$1
	shift
	"$@" >/dev/null 2>&1
	_tap_result $? "$_ok_desc"
}

# is GOT WANT DESC
is() {
	if [ "$1" = "$2" ]; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "  got: '$1'" "  expected: '$2'"
	fi
}

# like GOT ERE DESC: some line of GOT matches the extended regular expression.
like() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_tap_result 0 "$3"
	else
		_tap_result 1 "$3"
		diag "  got: '$1'" "  does not match: '$2'"
	fi
}

# unlike GOT ERE DESC: no line of GOT matches.
unlike() {
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then
		_tap_result 1 "$3"
		diag "  got: '$1'" "  matches: '$2'"
	else
		_tap_result 0 "$3"
	fi
}

# skip_all REASON: skips the whole script (instead of plan).
skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

skip() {
	_skip_i=0
	while [ "$_skip_i" -lt "$1" ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # SKIP $2"
		_skip_i=$((_skip_i + 1))
	done
}

done_testing() {
	if [ "$_tap_n" -ne "$_tap_planned" ]; then
		diag "planned $_tap_planned tests but ran $_tap_n"
		exit 255
	fi
	[ "$_tap_failed" -eq 0 ] || exit 1
	exit 0
}

# run CMD...: stdout to $tmp/out, stderr to $tmp/err, exit status in $rc.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# status_is N DESC: the last run exited with N (a sanitizer report would change it).
status_is() {
	if [ "$rc" = "$1" ]; then
		_tap_result 0 "$2"
	else
		_tap_result 1 "$2"
		diag "  exit status $rc, expected $1"
		diag_file "  stdout" "$tmp/out"
		diag_file "  stderr" "$tmp/err"
	fi
}

lines() {
	# A background job's output file may not exist yet: no lines, not an error.
	[ -e "$1" ] || { echo 0; return 0; }
	wc -l <"$1" | tr -d ' '
}

# The JSON helpers: the sqlite3 shell's JSON functions when it has them (a
# dependency of these tests anyway), else python3, else jq; IRS_JSON_TOOL
# picks one.
_json_tool() {
	_json_tool_name=${_json_tool_name:-${IRS_JSON_TOOL:-}}
	if [ -z "$_json_tool_name" ]; then
		if command -v sqlite3 >/dev/null 2>&1 &&
			[ "$(sqlite3 :memory: "select json_type('[1]')" 2>/dev/null)" = array ]; then
			_json_tool_name=sqlite3
		elif command -v python3 >/dev/null 2>&1; then
			_json_tool_name=python3
		elif command -v jq >/dev/null 2>&1; then
			_json_tool_name=jq
		else
			echo "Bail out! no sqlite3 with JSON functions, python3 or jq to read JSON"
			exit 2
		fi
	fi
	echo "$_json_tool_name"
}

_sql_quote() {
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/''/g")"
}

_json_py='
import json, re, sys
def get(doc, path):
    v = doc
    for key, idx in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]", path[1:]):
        try:
            v = v[key] if key else v[int(idx)]
        except (KeyError, IndexError, TypeError):
            return None, False
    return v, True
def kind(v):
    if v is None: return "null"
    if v is True: return "true"
    if v is False: return "false"
    if isinstance(v, int): return "integer"
    if isinstance(v, float): return "real"
    if isinstance(v, str): return "text"
    if isinstance(v, list): return "array"
    return "object"
def text(v):
    if kind(v) in ("true", "false"): return kind(v)
    if v is None: return ""
    if isinstance(v, (list, dict)): return json.dumps(v, ensure_ascii=False, separators=(",", ":"))
    return str(v)
mode, path, name = sys.argv[1], sys.argv[2], sys.argv[3]
with open(name, encoding="utf-8") as f:
    v, found = get(json.load(f), path)
if not found:
    sys.exit(0)
if mode == "each":
    for h in v if isinstance(v, list) else []:
        print(text(h.get(sys.argv[4]) if isinstance(h, dict) else None))
elif mode == "type":
    print(kind(v))
elif mode == "len":
    print(len(v) if isinstance(v, list) else "")
else:
    print(text(v))
'

_json_jq_type='if . == null then "null" elif . == true then "true" elif . == false then "false"
 elif type == "number" then (if . == floor then "integer" else "real" end)
 elif type == "string" then "text" else type end'

# json_get FILE PATH: the value; true/false as words, null or missing as nothing.
json_get() {
	case $(_json_tool) in
	sqlite3)
		sqlite3 :memory: "select case json_type(j, $(_sql_quote "$2"))
			when 'true' then 'true' when 'false' then 'false'
			else json_extract(j, $(_sql_quote "$2")) end
			from (select readfile($(_sql_quote "$1")) as j)"
		;;
	python3) PYTHONIOENCODING=utf-8 python3 -c "$_json_py" get "$2" "$1" ;;
	jq) jq -r "${2#\$} | if . == null then \"\" else (if type == \"object\" or type == \"array\" then tojson else tostring end) end" "$1" ;;
	esac
}

# json_type FILE PATH: null true false integer real text array object; nothing when missing.
json_type() {
	case $(_json_tool) in
	sqlite3) sqlite3 :memory: "select json_type(readfile($(_sql_quote "$1")), $(_sql_quote "$2"))" ;;
	python3) PYTHONIOENCODING=utf-8 python3 -c "$_json_py" type "$2" "$1" ;;
	jq) jq -r "${2#\$} | $_json_jq_type" "$1" ;;
	esac
}

# json_len FILE PATH: the length of the array at PATH.
json_len() {
	case $(_json_tool) in
	sqlite3) sqlite3 :memory: "select json_array_length(readfile($(_sql_quote "$1")), $(_sql_quote "$2"))" ;;
	python3) PYTHONIOENCODING=utf-8 python3 -c "$_json_py" len "$2" "$1" ;;
	jq) jq -r "${2#\$} | length" "$1" ;;
	esac
}

# json_valid FILE: exits 0 when FILE holds one valid JSON value.
json_valid() {
	case $(_json_tool) in
	sqlite3) [ "$(sqlite3 :memory: "select json_valid(readfile($(_sql_quote "$1")))")" = 1 ] ;;
	python3) python3 -c 'import json, sys; json.load(open(sys.argv[1], encoding="utf-8"))' "$1" 2>/dev/null ;;
	jq) jq -e . "$1" >/dev/null 2>&1 ;;
	esac
}

# json_each FILE PATH FIELD: FIELD of every element of the array at PATH, one a line.
json_each() {
	case $(_json_tool) in
	sqlite3)
		sqlite3 :memory: "select json_extract(value, $(_sql_quote "\$.$3"))
			from json_each(readfile($(_sql_quote "$1")), $(_sql_quote "$2")) order by key"
		;;
	python3) PYTHONIOENCODING=utf-8 python3 -c "$_json_py" each "$2" "$1" "$3" ;;
	jq) jq -r "${2#\$}[] | .$3 // \"\"" "$1" ;;
	esac
}

# The sanitizer runtime a sanitizer-built irsearch.so needs inside a plain
# sqlite3 shell; empty when the extension needs none.
_ext_preload() {
	if [ -z "${_ext_preload_done:-}" ]; then
		_ext_preload_done=1
		_ext_preload_lib=
		_ext_skip=
		if ! command -v sqlite3 >/dev/null 2>&1; then
			_ext_skip="no sqlite3 shell"
		elif grep -qa __asan_init "$IRS_BIN/irsearch.so" 2>/dev/null; then
			for _cc in "${CC:-clang}" clang gcc; do
				_lib=$("$_cc" -print-file-name="libclang_rt.asan-$(uname -m).so" 2>/dev/null)
				case $_lib in /*) [ -f "$_lib" ] && { _ext_preload_lib=$_lib; break; } ;; esac
				_lib=$("$_cc" -print-file-name=libasan.so 2>/dev/null)
				case $_lib in /*) [ -f "$_lib" ] && { _ext_preload_lib=$_lib; break; } ;; esac
			done
			[ -n "$_ext_preload_lib" ] ||
				_ext_skip="no ASan runtime found to load the sanitizer-built irsearch.so into sqlite3"
		fi
	fi
}

ext_skip_reason() {
	_ext_preload
	printf '%s' "$_ext_skip"
}

irs_sqlite3() {
	_ext_preload
	if [ -n "$_ext_preload_lib" ]; then
		LD_PRELOAD="$_ext_preload_lib${LD_PRELOAD:+ $LD_PRELOAD}" sqlite3 "$@"
	else
		sqlite3 "$@"
	fi
}

# The daemon, for the scripts that test it (daemon_*.sh, cli_uses_daemon.sh):
#   IRSEARCHD, SOCKCLIENT  the daemon and the tests' client (tests/tools/sockclient.c)
#   daemon_require         bails out when either is not built
#   is_root                exits 0 when the tests run as root (as CI does)
#   DAEMON_USER_ARGS       "--user nobody" when root (the daemon refuses root), else empty
#   daemon_dir NAME        makes $tmp/NAME, owned by the daemon's account, for an index
#                          and a socket (SQLite needs write access beside the index)
#   as_daemon_user CMD...  runs CMD as that account (e.g. irindex on the daemon's index)
#   daemon_start SOCK ARGS...  irsearchd --socket SOCK $DAEMON_USER_ARGS ARGS... in the
#                          background, stderr in $daemon_err, pid in $daemon_pid; waits
#                          up to 5 s for a ping; exits 0 when it answered
#   daemon_ping SOCK       exits 0 when a daemon answers a ping on SOCK
#   daemon_wait_exit PID SECONDS  waits (bounded) for a daemon_start'ed PID to end;
#                          $daemon_rc is its exit status, or "running" when it did not end
#   daemon_stop [PID SOCK ERR]  SIGTERM (default: the last daemon_start'ed); exits 0 when
#                          it exited 0 within 15 s, SOCK is gone and ERR holds no
#                          sanitizer report; else says why in diag lines
#   kill_on_exit PID       a background process to kill if the script ends early;
#                          every daemon_start'ed daemon is, too
IRSEARCHD=$IRS_BIN/irsearchd
SOCKCLIENT=$IRS_BIN/tests/sockclient
if [ "$(id -u)" = 0 ]; then
	DAEMON_USER_ARGS="--user nobody"
else
	DAEMON_USER_ARGS=
fi

daemon_require() {
	for _p in "$IRSEARCHD" "$SOCKCLIENT"; do
		if [ ! -x "$_p" ]; then
			echo "Bail out! no program $_p (run make tests, or set IRS_BIN)"
			exit 2
		fi
	done
}

is_root() {
	[ "$(id -u)" = 0 ]
}

daemon_dir() {
	mkdir -p "$tmp/$1"
	if is_root; then
		# nobody must reach into the private $tmp (but not list it).
		chmod 711 "$tmp"
		chown -R nobody "$tmp/$1"
	fi
	printf '%s\n' "$tmp/$1"
}

as_daemon_user() {
	if is_root; then
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
	else
		"$@"
	fi
}

_irs_bg_pids=
_irs_kill_bg() {
	for _p in $_irs_bg_pids; do
		kill -KILL "$_p" 2>/dev/null
	done
	_irs_cleanup
}

kill_on_exit() {
	if [ -z "$_irs_bg_pids" ]; then
		trap _irs_kill_bg EXIT
	fi
	_irs_bg_pids="$_irs_bg_pids $1"
}

# _irs_running PID: PID exists and is not a zombie.
_irs_running() {
	[ -r "/proc/$1/stat" ] && [ "$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" != Z ]
}

daemon_ping() {
	printf '{"op":"ping"}\n' | "$SOCKCLIENT" "$1" --timeout 2000 2>/dev/null | grep -q '^{"ok":true'
}

_irs_daemon_n=0
# daemon_corpus: a copy of corpus/ that the daemon's account owns, in
# $srv/corpus; sets srv, db (its index, $srv/corpus.db, not built yet) and
# sock ($srv/irsearchd.sock).
daemon_corpus() {
	srv=$(daemon_dir srv)
	cp -R "$IRS_SRC/corpus" "$srv/corpus"
	daemon_dir srv >/dev/null	# the copy, too, belongs to the daemon's account
	db=$srv/corpus.db
	sock=$srv/irsearchd.sock
}

daemon_start() {
	_ds_sock=$1
	shift
	_irs_daemon_n=$((_irs_daemon_n + 1))
	daemon_err=$tmp/daemon.$_irs_daemon_n.err
	daemon_sock=$_ds_sock
	# shellcheck disable=SC2086
	"$IRSEARCHD" --socket "$_ds_sock" $DAEMON_USER_ARGS "$@" 2>"$daemon_err" &
	daemon_pid=$!
	kill_on_exit "$daemon_pid"
	_ds_i=0
	while [ "$_ds_i" -lt 50 ]; do
		daemon_ping "$_ds_sock" && return 0
		_irs_running "$daemon_pid" || break
		sleep 0.1
		_ds_i=$((_ds_i + 1))
	done
	diag "irsearchd --socket $_ds_sock $* did not answer a ping"
	diag_file "  its stderr" "$daemon_err"
	return 1
}

daemon_wait_exit() {
	_dw_i=0
	while _irs_running "$1" && [ "$_dw_i" -lt $(($2 * 10)) ]; do
		sleep 0.1
		_dw_i=$((_dw_i + 1))
	done
	if _irs_running "$1"; then
		daemon_rc=running
	else
		wait "$1"
		daemon_rc=$?
	fi
}

# daemon_sanitizer_clean ERR: exits 0 when ERR holds no sanitizer report.
daemon_sanitizer_clean() {
	! grep -Eq 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error|SUMMARY: .*Sanitizer' "$1"
}

daemon_stop() {
	_dp_pid=${1:-$daemon_pid}
	_dp_sock=${2:-$daemon_sock}
	_dp_err=${3:-$daemon_err}
	kill -TERM "$_dp_pid" 2>/dev/null
	daemon_wait_exit "$_dp_pid" 15
	if [ "$daemon_rc" = running ]; then
		kill -KILL "$_dp_pid" 2>/dev/null
		diag "irsearchd (pid $_dp_pid) still ran 15 s after SIGTERM; killed"
		return 1
	fi
	_dp_fail=0
	if [ "$daemon_rc" != 0 ]; then
		diag "irsearchd (pid $_dp_pid) exited $daemon_rc after SIGTERM"
		_dp_fail=1
	fi
	if [ -e "$_dp_sock" ]; then
		diag "irsearchd (pid $_dp_pid) left its socket $_dp_sock behind"
		_dp_fail=1
	fi
	if ! daemon_sanitizer_clean "$_dp_err"; then
		diag "irsearchd (pid $_dp_pid) reported a sanitizer error"
		_dp_fail=1
	fi
	[ "$_dp_fail" = 0 ] || diag_file "  its stderr" "$_dp_err"
	return "$_dp_fail"
}
