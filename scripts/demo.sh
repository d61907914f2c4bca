#!/usr/bin/env bash
# demo.sh BUILD_DIR: a scripted tour of rtm, run by `make demo`.
#
# Starts rtmd on a free loopback port and drives a few `rtm` command-line
# clients (docs/CLI.md) through FIFOs: two users log in, exchange peer and
# channel messages, a second login with the same id kicks the first one out,
# and a login against a server that never answers times out after 6 s.
# Then a client behind rtm-faultproxy lives through a 2 s blip that changes
# nothing and an 8 s outage: RECONNECTING, the reconnection, and the
# messages sent meanwhile, replayed. Then rtmd is killed (kill -9) in the
# middle of the conversation and started again on its data directory: the
# clients resume, and nothing it had answered OK for is lost. Last, three
# nodes share one redis-server, and the node of a client that lists them all
# is killed: the client carries on through another, its session with it.
# Every step waits for the event it expects (with a timeout) and prints what
# the clients report. Exits 0 when every expected event came, 1 otherwise.
# Needs bash, coreutils, python3 and redis-server (scripts/deps.sh).
set -u -o pipefail

BUILD=${1:-}
if [ -z "$BUILD" ]; then
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
fi
RTMD=$BUILD/native/server/rtmd
RTM=$BUILD/native/cli/rtm
PROXY=$BUILD/native/tools/rtm-faultproxy
for f in "$RTMD" "$RTM" "$PROXY"; do
    if [ ! -x "$f" ]; then
        echo "demo: $f is missing: build first (make)" >&2
        exit 2
    fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/rtm-demo.XXXXXX")
declare -a PIDS=()
declare -A IN=() OUT=() PID=()

cleanup() {
    local fd pid
    for fd in "${IN[@]}" "${OUT[@]}"; do
        exec {fd}>&- 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { date +%s%3N; }

# ---- narration --------------------------------------------------------------

if [ -t 1 ]; then
    B=$'\e[1m' D=$'\e[2m' R=$'\e[0m'
else
    B='' D='' R=''
fi
step() { printf '\n%s== %s ==%s\n' "$B" "$*" "$R"; }
note() { printf '%s   %s%s\n' "$D" "$*" "$R"; }

fail() {
    printf '\ndemo: FAILED: %s\n' "$*" >&2
    local f
    for f in "$WORK"/*.err "$WORK"/rtmd.log "$WORK"/node*.log "$WORK"/redis.log; do
        [ -s "$f" ] || continue
        printf -- '--- %s\n' "${f##*/}" >&2
        tail -n 20 "$f" >&2
    done
    exit 1
}

# ---- reading the clients' JSON lines ----------------------------------------

# jget LINE KEY: the value of KEY in a line of rtm's output, quotes removed
# (good enough for the demo's own texts: no escaped quotes).
jget() {
    local re="\"$2\":(\"[^\"]*\"|\[[^]]*\]|[^,}]*)"
    if [[ $1 =~ $re ]]; then
        local v=${BASH_REMATCH[1]}
        v=${v#\"}; v=${v%\"}
        printf '%s' "$v"
    fi
}

# show NAME LINE: one event, for humans.
show() {
    local who=$1 l=$2 ev
    ev=$(jget "$l" event)
    case $ev in
    state)
        printf '   %-7s state %s(%s) reason %s(%s)\n' "$who:" \
            "$(jget "$l" state)" "$(jget "$l" state_code)" \
            "$(jget "$l" reason)" "$(jget "$l" reason_code)" ;;
    result)
        local what
        what=$(jget "$l" op)
        [ -n "$(jget "$l" peer)" ] && what="$what to $(jget "$l" peer)"
        [ -n "$(jget "$l" channel)" ] && what="$what $(jget "$l" channel)"
        printf '   %-7s %s -> %s(%s)\n' "$who:" "$what" \
            "$(jget "$l" name)" "$(jget "$l" code)" ;;
    peer_message)
        printf '   %-7s message from %s: "%s"%s\n' "$who:" "$(jget "$l" from)" \
            "$(jget "$l" text)" \
            "$([ "$(jget "$l" offline)" = true ] && echo ' (offline)')" ;;
    channel_message)
        printf '   %-7s [%s] %s says: "%s"\n' "$who:" "$(jget "$l" channel)" \
            "$(jget "$l" from)" "$(jget "$l" text)" ;;
    member_joined | member_left)
        printf '   %-7s [%s] %s %s\n' "$who:" "$(jget "$l" channel)" \
            "$(jget "$l" user)" "${ev#member_}" ;;
    replay)
        printf '   %-7s replay: %s peer and %s channel messages re-delivered, %s skipped, %s dropped\n' \
            "$who:" "$(jget "$l" peer_messages)" "$(jget "$l" channel_messages)" \
            "$(jget "$l" channel_skipped)" "$(jget "$l" peer_dropped)" ;;
    invitation_* | remote_invitation_*)
        local peer
        peer=$(jget "$l" peer)$(jget "$l" caller)
        printf '   %-7s %s %s -> %s%s%s\n' "$who:" "${ev//_/ }" "$peer" "$(jget "$l" state_name)" \
            "$([ -n "$(jget "$l" response)" ] && echo ", response \"$(jget "$l" response)\"")" \
            "$([ -n "$(jget "$l" content)" ] && echo ", content \"$(jget "$l" content)\" channel $(jget "$l" channel)")" ;;
    members)
        local u
        u=$(jget "$l" users)
        u=${u#[}; u=${u%]}; u=${u//\"/}; u=${u//,/, }
        printf '   %-7s [%s] members: %s\n' "$who:" "$(jget "$l" channel)" "$u" ;;
    *)
        printf '   %-7s %s\n' "$who:" "$l" ;;
    esac
}

LAST=''   # the line that matched the last expect

# expect NAME REGEX [SECONDS]: prints NAME's lines until one matches REGEX
# (a bash regex over the raw JSON line); fails after SECONDS (default 10).
expect() {
    local who=$1 re=$2 secs=${3:-10} line left deadline rc
    deadline=$(( $(now_ms) + secs * 1000 ))
    while :; do
        left=$(( deadline - $(now_ms) ))
        [ "$left" -gt 0 ] ||
            fail "$who: no line matching '$re' within ${secs} s"
        IFS= read -r -t "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))" \
            -u "${OUT[$who]}" line
        rc=$?
        if [ "$rc" -gt 128 ]; then
            continue   # timed out: the check above reports it
        elif [ "$rc" -ne 0 ]; then
            fail "$who: rtm exited while waiting for '$re'"
        fi
        show "$who" "$line"
        if [[ $line =~ $re ]]; then
            LAST=$line
            return 0
        fi
    done
}

# quiet NAME REGEX SECONDS: prints NAME's lines for SECONDS; fails if one
# matches REGEX.
quiet() {
    local who=$1 re=$2 secs=$3 line left deadline
    deadline=$(( $(now_ms) + secs * 1000 ))
    while left=$(( deadline - $(now_ms) )); [ "$left" -gt 0 ]; do
        IFS= read -r -t "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))" \
            -u "${OUT[$who]}" line || continue
        show "$who" "$line"
        [[ $line =~ $re ]] && fail "$who: unexpected $line"
    done
    return 0
}

# drain NAME: prints whatever NAME has printed and nobody waited for.
drain() {
    local line
    while IFS= read -r -t 0.2 -u "${OUT[$1]}" line; do
        show "$1" "$line"
    done
}

# ---- the clients --------------------------------------------------------------

# start NAME ARGS...: an rtm process whose stdin and stdout are FIFOs.
start() {
    local who=$1 fd
    shift
    mkfifo "$WORK/$who.in" "$WORK/$who.out"
    "$RTM" "$@" <"$WORK/$who.in" >"$WORK/$who.out" 2>"$WORK/$who.err" &
    PID[$who]=$!
    PIDS+=("$!")
    # Same order as rtm's redirections, so neither side waits for the other.
    exec {fd}>"$WORK/$who.in"
    IN[$who]=$fd
    exec {fd}<"$WORK/$who.out"
    OUT[$who]=$fd
    note "started: rtm $*"
}

# say NAME COMMAND: types a command into NAME's rtm.
say() {
    printf '   %s%-7s> %s%s\n' "$B" "$1" "$2" "$R"
    printf '%s\n' "$2" >&"${IN[$1]}"
}

# quit NAME: quit, then waits for the process (rtm bounds its own exit).
quit() {
    local line fd rc
    say "$1" quit
    fd=${IN[$1]}
    exec {fd}>&-
    # rtm bounds its own exit (docs/CLI.md); 30 s is a safety net.
    while IFS= read -r -t 30 -u "${OUT[$1]}" line; do
        show "$1" "$line"
    done
    wait "${PID[$1]}"
    rc=$?
    [ "$rc" -eq 0 ] || fail "$1: rtm exited with status $rc"
    fd=${OUT[$1]}
    exec {fd}<&-
    unset "IN[$1]" "OUT[$1]"
}

ok()  { [[ $LAST =~ \"code\":0[,}] ]] || fail "unexpected result: $LAST"; }

S_CONNECTING='"event":"state","state":"CONNECTING"'
S_CONNECTED='"event":"state","state":"CONNECTED"'
result() { printf '"event":"result","op":"%s"' "$1"; }

# ---- the scenario -----------------------------------------------------------

step "rtmd starts on a free loopback port"
# rtmd_start LISTEN: rtmd on LISTEN with its data in $WORK/data (the default,
# durable store); waits for its ready file.
rtmd_start() {
    rm -f "$WORK/rtmd.ready"
    "$RTMD" --listen "$1" --data-dir "$WORK/data" --ready-file "$WORK/rtmd.ready" \
        >>"$WORK/rtmd.log" 2>&1 &
    PIDS+=("$!")
    RTMD_PID=$!
    local deadline=$(( $(now_ms) + 10000 ))
    until [ -s "$WORK/rtmd.ready" ]; do
        kill -0 "$RTMD_PID" 2>/dev/null || fail "rtmd exited"
        [ "$(now_ms)" -lt "$deadline" ] || fail "rtmd not ready within 10 s"
        sleep 0.05
    done
}
rtmd_start 127.0.0.1:0
ready=$(head -c 200 "$WORK/rtmd.ready")
if [[ $ready =~ ([0-9.]+:[0-9]+) ]]; then
    SERVER=${BASH_REMATCH[1]}
elif [[ $ready =~ ([0-9]+) ]]; then
    SERVER=127.0.0.1:${BASH_REMATCH[1]}
else
    fail "cannot read the address in rtmd's ready file: $ready"
fi
note "rtmd listens on $SERVER"

step "alice and bob log in"
note "each client reports CONNECTING (reason LOGIN), then CONNECTED (LOGIN_SUCCESS),"
note "and the login command's result, LOGIN_ERR_OK"
start alice --server "$SERVER" --user alice
start bob --server "$SERVER" --user bob
say alice login
expect alice "$S_CONNECTING"
expect alice "$S_CONNECTED"
expect alice "$(result login)"; ok
say bob login
expect bob "$S_CONNECTING"
expect bob "$S_CONNECTED"
expect bob "$(result login)"; ok

step "alice and bob exchange peer messages"
say alice "send bob hello bob, how are you?"
expect alice "$(result send)"; ok
expect bob '"event":"peer_message","from":"alice"'
say bob "send alice fine, thanks"
expect bob "$(result send)"; ok
expect alice '"event":"peer_message","from":"bob"'

step "both join channel 'lobby' and talk there"
say alice "join lobby"
expect alice "$(result join)"; ok
say bob "join lobby"
expect bob "$(result join)"; ok
expect alice '"event":"member_joined","channel":"lobby","user":"bob"'
say alice "chsend lobby welcome to the lobby"
expect alice "$(result chsend)"; ok
expect bob '"event":"channel_message","channel":"lobby","from":"alice"'
say bob "chsend lobby glad to be here"
expect bob "$(result chsend)"; ok
expect alice '"event":"channel_message","channel":"lobby","from":"bob"'
say alice "members lobby"
expect alice "$(result members)"; ok
expect alice '"event":"members","channel":"lobby","users":\["alice","bob"\]'
say bob "leave lobby"
expect bob "$(result leave)"; ok
expect alice '"event":"member_left","channel":"lobby","user":"bob"'

step "alice rings bob with a call invitation; bob accepts"
note "bob's client acknowledges at once (alice: received by peer); bob accepts with a response,"
note "alice's client acknowledges the accept (bob: accepted) (SPEC C2, C5)"
say alice "call --channel room-42 bob video call?"
expect alice "$(result call)"; ok
expect bob '"event":"remote_invitation_received","caller":"alice"'
expect alice '"event":"invitation_received_by_peer","peer":"bob"'
say bob "accept alice on my way"
expect bob "$(result accept)"; ok
expect alice '"event":"invitation_accepted","peer":"bob"'
expect bob '"event":"remote_invitation_accepted","caller":"alice"'

step "alice sends bob a file; bob downloads it"
note "the upload is kept by rtmd (7 days); a file message names it; bob fetches the bytes (SPEC M1-M3)"
head -c 200000 /dev/urandom > "$WORK/photo.bin"
say alice "upload $WORK/photo.bin"
expect alice "$(result upload)"; ok
MEDIA_ID=$(jget "$LAST" media_id)
say alice "send-media bob $MEDIA_ID photo.bin"
expect alice "$(result send-media)"; ok
expect bob '"event":"media_message","from":"alice","type":"file"'
say bob "download $MEDIA_ID $WORK/photo-copy.bin"
expect bob "$(result download)"; ok
cmp -s "$WORK/photo.bin" "$WORK/photo-copy.bin" || fail "the downloaded file differs"
note "the 200 KB file arrived whole"

step "alice logs in again from a second client: the first one is kicked out"
note "the older client moves to ABORTED (REMOTE_LOGIN) and does not reconnect"
start alice2 --server "$SERVER" --user alice
say alice2 login
expect alice2 "$S_CONNECTED"
expect alice2 "$(result login)"; ok
expect alice '"state":"ABORTED","state_code":5,"reason":"REMOTE_LOGIN","reason_code":8'
note "the kicked client logs out: DISCONNECTED (LOGOUT)"
say alice logout
expect alice '"state":"DISCONNECTED","state_code":1,"reason":"LOGOUT","reason_code":6'
expect alice "$(result logout)"; ok

step "carol logs in to a server that accepts the connection but never answers"
note "after 6 s the login gives up: DISCONNECTED (LOGIN_TIMEOUT), LOGIN_ERR_TIMEOUT (9)"
python3 - "$WORK/silent.port" <<'PY' &
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
held = []
while True:
    held.append(s.accept()[0])   # accept, keep, never write
PY
PIDS+=("$!")
deadline=$(( $(now_ms) + 10000 ))
until [ -s "$WORK/silent.port" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "the silent listener did not start"
    sleep 0.05
done
SILENT=127.0.0.1:$(cat "$WORK/silent.port")
note "silent listener on $SILENT"
start carol --server "$SILENT" --user carol
say carol login
expect carol "$S_CONNECTING"
t0=$(jget "$LAST" t_ms)
expect carol '"state":"DISCONNECTED","state_code":1,"reason":"LOGIN_TIMEOUT","reason_code":4' 20
t1=$(jget "$LAST" t_ms)
expect carol "$(result login)"
[[ $LAST =~ \"code\":9, ]] || fail "expected LOGIN_ERR_TIMEOUT: $LAST"
note "the login gave up $(( t1 - t0 )) ms after CONNECTING"

# ---- interruptions, through rtm-faultproxy (docs/FAULTPROXY.md) --------------

# proxy COMMAND: one command on the proxy's control socket.
proxy() {
    local fd reply
    exec {fd}<>"/dev/tcp/${CONTROL%:*}/${CONTROL##*:}" ||
        fail "cannot reach the proxy's control socket"
    printf '%s\n' "$1" >&"$fd"
    IFS= read -r -t 5 -u "$fd" reply
    exec {fd}>&-
    [[ $reply == ok* ]] || fail "proxy: $1: $reply"
    note "proxy: $1"
}

step "dave connects through a fault proxy; he and bob meet in channel 'ops'"
"$PROXY" --listen 127.0.0.1:0 --upstream "$SERVER" \
    --ready-file "$WORK/proxy.ready" >"$WORK/proxy.log" 2>&1 &
PIDS+=("$!")
deadline=$(( $(now_ms) + 10000 ))
until [ -s "$WORK/proxy.ready" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "the proxy did not start"
    sleep 0.05
done
read -r VIA CONTROL <"$WORK/proxy.ready"
note "proxy listens on $VIA, control on $CONTROL"
start dave --server "$VIA" --user dave
say dave login
expect dave "$S_CONNECTED"
expect dave "$(result login)"; ok
say dave "join ops"
expect dave "$(result join)"; ok
say bob "join ops"
expect bob "$(result join)"; ok
expect dave '"event":"member_joined","channel":"ops","user":"bob"'

step "a 2 s blip: shorter than the 4 s the SDK hides, so nothing is reported"
note "the link goes silent (no FIN, no RST); what is sent meanwhile arrives late"
proxy silent
say bob "send dave are you there?"
expect bob "$(result send)"; ok
sleep 2
proxy pass
expect dave '"event":"peer_message","from":"bob"'
quiet dave '"event":"state"' 3
note "no state change: dave stayed CONNECTED"

step "an 8 s outage: RECONNECTING after 4-5 s, then back by itself"
note "bob's messages meanwhile are kept by the server and replayed (S9, S10)"
proxy silent
t0=$(now_ms)
expect dave '"state":"RECONNECTING","state_code":4,"reason":"INTERRUPTED","reason_code":5' 10
note "reported $(( $(now_ms) - t0 )) ms after the link went silent"
say bob "send dave did you miss this?"
expect bob "$(result send)"; ok
say bob "chsend ops and this, in the channel?"
expect bob "$(result chsend)"; ok
left=$(( 8000 - ($(now_ms) - t0) ))
[ "$left" -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
proxy pass
expect dave '"state":"CONNECTED","state_code":3,"reason":"LOGIN_SUCCESS","reason_code":2' 15
expect dave '"event":"peer_message","from":"bob","text":"did you miss this\?"'
expect dave '"event":"channel_message","channel":"ops","from":"bob"'
expect dave '"event":"replay"'
[[ $LAST =~ \"peer_messages\":1, && $LAST =~ \"channel_messages\":1, ]] ||
    fail "expected one peer and one channel message replayed: $LAST"
note "bob saw no member_left: dave was away less than the 30 s the server waits"

step "rtmd crashes (kill -9) in the middle of the conversation, and starts again"
note "its data directory keeps what it answered OK for: sessions, queued and offline"
note "messages, channels (SPEC B6). The clients resume their sessions: nobody leaves"
say bob "send-offline erin see you when you are back"
expect bob "$(result send-offline)"
[[ $LAST =~ \"code\":4[,}] ]] || fail "expected PEER_MESSAGE_ERR_CACHED_BY_SERVER: $LAST"
kill -KILL "$RTMD_PID"
wait "$RTMD_PID" 2>/dev/null
note "rtmd killed; bob sends while it is down (his client holds the message)"
say bob "send dave sent while the server was down"
rtmd_start "$SERVER"
note "rtmd is back on $SERVER: $(grep -c 'sessions restored' "$WORK/rtmd.log") restart, $(grep -o '[0-9]* sessions restored' "$WORK/rtmd.log" | tail -n 1)"
expect bob "$(result send)" 15; ok
expect dave '"event":"peer_message","from":"bob","text":"sent while the server was down"' 15
say bob "chsend ops still here after the crash"
expect bob "$(result chsend)"; ok
expect dave '"event":"channel_message","channel":"ops","from":"bob"'
quiet bob '"event":"member_left"' 1
note "no member_left: the sessions were restored and resumed"
start erin --server "$SERVER" --user erin
say erin login
expect erin "$(result login)"; ok
expect erin '"event":"peer_message","from":"bob","text":"see you when you are back","offline":true'
quit erin

step "three rtmd nodes on one Redis; the node of a client is killed (kill -9)"
note "a Redis with its append-only file fsynced at every write (docs/CLUSTER.md);"
note "frank lists the three nodes, gina is on the third. frank's node dies mid-chat:"
note "his client carries on through the next node, his session with it (SPEC B7)"
command -v redis-server >/dev/null || fail "redis-server is missing (scripts/deps.sh installs it)"
mkdir -p "$WORK/redis"
redis-server --port 0 --unixsocket "$WORK/redis/redis.sock" --unixsocketperm 700 \
    --dir "$WORK/redis" --appendonly yes --appendfsync always --maxmemory-policy noeviction \
    --save "" --daemonize no --pidfile "$WORK/redis/ready" >"$WORK/redis.log" 2>&1 &
PIDS+=("$!")
deadline=$(( $(now_ms) + 10000 ))
until [ -S "$WORK/redis/redis.sock" ]; do
    [ "$(now_ms)" -lt "$deadline" ] || fail "redis-server did not start"
    sleep 0.05
done
declare -a NODE_ADDR=() NODE_PID=()
# node_start N: rtmd node N on the Redis, on a free port.
node_start() {
    local n=$1 deadline
    rm -f "$WORK/node$n.ready"
    "$RTMD" --listen 127.0.0.1:0 --data-dir "$WORK/node$n" --node-id "node$n" \
        --store "redis+unix://$WORK/redis/redis.sock" --ready-file "$WORK/node$n.ready" \
        >>"$WORK/node$n.log" 2>&1 &
    PIDS+=("$!")
    NODE_PID[$n]=$!
    deadline=$(( $(now_ms) + 10000 ))
    until [ -s "$WORK/node$n.ready" ]; do
        kill -0 "${NODE_PID[$n]}" 2>/dev/null || fail "node$n exited"
        [ "$(now_ms)" -lt "$deadline" ] || fail "node$n not ready within 10 s"
        sleep 0.05
    done
    NODE_ADDR[$n]=$(grep -o '[0-9.]*:[0-9]*' "$WORK/node$n.ready" | head -n 1)
    note "node$n listens on ${NODE_ADDR[$n]}"
}
for n in 1 2 3; do node_start "$n"; done
NODES="${NODE_ADDR[1]},${NODE_ADDR[2]},${NODE_ADDR[3]}"
start frank --server "$NODES" --user frank
say frank login
expect frank "$S_CONNECTED"
expect frank "$(result login)"; ok
start gina --server "${NODE_ADDR[3]}" --user gina
say gina login
expect gina "$(result login)"; ok
say frank "join lobby"
expect frank "$(result join)"; ok
say gina "join lobby"
expect gina "$(result join)"; ok
expect frank '"event":"member_joined","channel":"lobby","user":"gina"'
note "frank is on node1, gina on node3: the member event crossed nodes"
say frank "send gina hello from node1"
expect frank "$(result send)"; ok
expect gina '"event":"peer_message","from":"frank","text":"hello from node1"'
kill -KILL "${NODE_PID[1]}"
wait "${NODE_PID[1]}" 2>/dev/null
t0=$(now_ms)
note "node1 killed"
say gina "send frank are you still there?"
expect gina "$(result send)"; ok
expect frank '"event":"peer_message","from":"gina","text":"are you still there\?"' 15
note "frank had it $(( $(now_ms) - t0 )) ms after the kill, through node2 ($(grep -c 'logged in' "$WORK/node2.log") login there, session resumed)"
say frank "chsend lobby still here"
expect frank "$(result chsend)"; ok
expect gina '"event":"channel_message","channel":"lobby","from":"frank"'
quiet gina '"event":"member_left"' 1
note "gina saw no member_left: frank's session moved with him"
quit frank
quit gina

step "everyone quits (a logged-in client logs out first)"
drain alice
quit alice
quit bob
quit alice2
quit carol
quit dave

step "done: every expected event came"
exit 0
