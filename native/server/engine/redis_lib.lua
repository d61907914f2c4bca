#!lua name=rtmd_@RTMD_LIB_VERSION@
--
-- redis_lib.lua: rtmd's engine operations as a library of Redis Functions
-- (engine_redis.c loads it each time a node's connection comes up;
-- docs/CLUSTER.md has the layout). embed.cmake puts the first 12 hex digits
-- of this file's SHA-1 for @RTMD_LIB_VERSION@: the library is
-- rtmd_VERSION, its functions rtmd_VERSION_NAME, so that nodes of different
-- versions sharing one Redis never call each other's code. Each function is one
-- operation of engine.h, whole, so that nodes sharing one Redis never see
-- half of one: Redis runs a function alone, and its AOF holds all of its
-- writes or none.
--
-- Keys (app ids may hold '/', user and channel ids never do, so the part
-- after the last '/' is the user or the channel):
--   rtm/sessions          set of "app/user" with a session
--   rtm/s/APP/USER        hash: the session's meta (id, instance_id, link_seq,
--                         login_wall_ms, token_expires_at, peer_seq), its
--                         send answers' highest send_seq (sent_max) and the
--                         deliveries its queue's bound dropped (dropped)
--   rtm/u/APP/USER        list: its deliveries not acknowledged, oldest first
--   rtm/sent/APP/USER     hash: send_seq % 256 -> "send_seq:code" (SPEC B1)
--   rtm/sc/APP/USER       set: the channels of the session
--   rtm/a/APP/USER        hash: its user attributes
--   rtm/sub/APP/USER      set: the users whose presence it follows
--   rtm/fol/APP/USER      set: the users that follow USER
--   rtm/o/APP/USER        list: messages kept for a user without a session
--   rtm/oq/APP/USER       hash: that queue's dropped and cached counts
--   rtm/offline           set of "app/user" with such a queue
--   rtm/c/APP/CHANNEL     hash: a channel's seqs (base, last)
--   rtm/cm/APP/CHANNEL    set: its members
--   rtm/h/APP/CHANNEL     list: its history, oldest first (SPEC S10)
--   rtm/ac/APP            set: the channels of the app with members
--   rtm/channels          set of "app/channel" known
--   rtm/ca/APP/CHANNEL    hash: its attributes (each {value, by, ts})
--   rtm/chattrs           set of "app/channel" with attributes
--   rtm/bans              hash: "app/user" -> until (wall ms; 0: until lifted)
--   rtm/m/ID, rtm/media   a stored media (app, size, at), and them all by at
--   rtm/usage             hash: the bytes kept, by kind (store.h's rtmd_usage,
--                         and media: the stored media's sizes)
--   rtm/usage/chattrs     hash: app -> the bytes of its channel attributes
--   rtm/expire/NODE       hash: set -> the SSCAN cursor where the node's
--                         expiry pass stopped, done:set once it is over
-- List entries are MessagePack arrays (cmsgpack).
--
-- Every function answers the same array, which engine_redis.c reads into
-- the op: {code, flags, session_id, dropped, count, users, counts, frames,
-- offline {kept, cached, had, dropped, expired}, replay {peer_messages,
-- peer_dropped, channel_messages, channel_skipped}, attrs, bans, sessions}.
-- A frame is {kind, seq, from, msg, replayed, channel}: kind 'p' a
-- PeerDeliver of msg, 'P' one of the operation's own message (msg empty),
-- 'c' and 'C' the same for a ChannelDeliver.
--
-- The codes are those of rtm_codes.h (the engine contract tests compare
-- them) and of store.h's rtmd_store_status.

local ST_OK, ST_EXISTS, ST_ABSENT, ST_LIMIT = 0, 1, 2, 3
local PEER_OK, PEER_FAILURE, PEER_UNREACHABLE, PEER_CACHED = 0, 1, 3, 4
local CH_OK, CH_FAILURE, CH_TOO_OFTEN = 0, 1, 3
local JOIN_OK, JOIN_FAILURE, JOIN_EXCEED_LIMIT, JOIN_ALREADY, JOIN_SAME_TOO_OFTEN = 0, 1, 5, 6, 8
local LEAVE_OK, LEAVE_NOT_IN_CHANNEL = 0, 3
-- engine.h's RTMD_ENG_* flags
local F_RESENT, F_OFFLINE_FULL, F_UNRECORDED = 1, 2, 8
local F_NOT_MEMBER, F_UNACKED_FULL, F_HISTORY_FULL = 16, 64, 128
local F_TAKEN, F_REPLACED, F_MORE = 1024, 2048, 4096
local SENT_RING = 256 -- store.h's RTMD_SENT_RING
-- Message.offline = true (field 6, varint 1), appended to an encoded
-- Message: protobuf's last value of a field wins.
local OFFLINE_SUFFIX = '\48\1'

-- The redis API is not all there while the library loads: looked up at each call.
local function call(...) return redis.call(...) end
-- Lua 5.1's unpack (the global, there at run time), before the name is
-- taken for MessagePack's.
local function unpack_fields(t) return unpack(t) end
local function pack(v) return cmsgpack.pack(v) end
local function unpack(s) return cmsgpack.unpack(s) end

local function num(v)
    return tonumber(v) or 0
end

-- The node that called the function running now (each call's first
-- argument, taken off by register's wrapper).
local NODE = ''

local function key(kind, a, id)
    return 'rtm/' .. kind .. '/' .. a .. '/' .. id
end

-- What the node's in-memory store would count for n bytes in one
-- allocation (cost.h's rtmd_cost), so that the bounds read the same.
local function cost(n)
    local c = math.floor((n + 8 + 15) / 16) * 16
    if c < 32 then return 32 end
    return c
end

-- An entry of a peer queue or of a history: its message, its sender and
-- their framing.
local function entry_cost(msg, from)
    return cost(#msg + #from + 24)
end

local function usage(kind)
    return num(call('HGET', 'rtm/usage', kind))
end

local function usage_add(kind, n)
    if n ~= 0 then call('HINCRBY', 'rtm/usage', kind, n) end
end

-- ---- routing between nodes ---------------------------------------------------
--   rtm/inbox/NODE        stream: what other nodes' operations left for NODE's
--                         sessions, each entry numbered (n) from rtm/inseq/NODE
--   rtm/cn/APP/CHANNEL    hash: node -> how many of the channel's members it holds
--   rtm/cnm/NODE/APP/CHANNEL  set: those members

-- An entry in node n's inbox (fields as field/value pairs), unless n is the
-- caller, which gets what concerns it in the answer. Kinds (k): p a peer
-- message, c a channel message, e an event, x a session moved, r one
-- replaced by another instance, b one kicked by the admin API, d a media
-- expired whose bytes n keeps.
local INBOX_MAX = 100000
-- A session whose node was declared dead, in its grace, has this for node.
local ORPHAN = '!'

local function route(n, fields)
    if not n or n == '' or n == NODE or n == ORPHAN then return end
    local seq = call('INCR', 'rtm/inseq/' .. n)
    call('XADD', 'rtm/inbox/' .. n, 'MAXLEN', '~', INBOX_MAX, '*', 'n', seq, unpack_fields(fields))
end

local function result()
    return {code = 0, flags = 0, session_id = '0', dropped = 0, count = 0, users = {},
            counts = {}, frames = {}, offline = {0, 0, 0, 0, 0}, replay = {0, 0, 0, 0},
            attrs = {}, bans = {}, sessions = {}}
end

local function flag(r, f)
    if bit.band(r.flags, f) == 0 then r.flags = r.flags + f end
end

local function reply(r)
    return {r.code, r.flags, r.session_id, r.dropped, r.count, r.users, r.counts, r.frames,
            r.offline, r.replay, r.attrs, r.bans, r.sessions}
end

-- The members of set k. Lists the engine hands out sorted are sorted by
-- engine_redis.c, bytewise: Lua compares strings by Redis's locale.
local function set_members(k)
    return call('SMEMBERS', k)
end

-- ---- peer queues -------------------------------------------------------

-- Queues a delivery of msg from `from` to the session of (a, u) (hash sh)
-- with its next seq; nil (UNACKED_FULL) when max_bytes is not 0 and the
-- deliveries not acknowledged would hold more. A full queue (max) drops its
-- oldest, counted in r.dropped and in the session's dropped.
local function deliver(r, a, u, from, msg, at, max, max_bytes)
    local c = entry_cost(msg, from)
    if max_bytes > 0 and usage('unacked') + c > max_bytes then
        flag(r, F_UNACKED_FULL)
        return nil
    end
    local sh, q = key('s', a, u), key('u', a, u)
    local seq = call('HINCRBY', sh, 'peer_seq', 1)
    if max == 0 then
        r.dropped = r.dropped + 1 -- given out, not kept
        return seq
    end
    if call('LLEN', q) >= max then
        local old = unpack(call('LPOP', q))
        usage_add('unacked', -old[4])
        call('HINCRBY', sh, 'dropped', 1)
        r.dropped = r.dropped + 1
    end
    call('RPUSH', q, pack({seq, from, msg, c, at}))
    usage_add('unacked', c)
    return seq
end

-- Drops the deliveries of (a, u) with seq <= upto.
local function ack(a, u, upto)
    local q = key('u', a, u)
    while true do
        local head = call('LINDEX', q, 0)
        if not head then return end
        local e = unpack(head)
        if e[1] > upto then return end
        call('LPOP', q)
        usage_add('unacked', -e[4])
    end
end

-- ---- exactly once (SPEC B1) ---------------------------------------------

-- A send_seq is any uint64, beyond what a Lua number holds exactly: it is
-- kept as its decimal digits (no leading zeros), as the node gives it with
-- its slot in the ring (send_seq % 256) and send_seq + 256 (saturated).
-- Whether decimal a < b.
local function dec_lt(a, b)
    if #a ~= #b then return #a < #b end
    for i = 1, #a do
        local x, y = a:byte(i), b:byte(i)
        if x ~= y then return x < y end
    end
    return false
end

-- The answer of send_seq q (sq = {seq, slot, plus}) if it was processed
-- already, else nil.
local function sent_lookup(a, u, sq)
    local max = call('HGET', key('s', a, u), 'sent_max') or '0'
    if sq[1] == '0' or dec_lt(max, sq[1]) then return nil end
    if not dec_lt(max, sq[3]) then return 0 end -- processed long ago (max >= seq + 256)
    local v = call('HGET', key('sent', a, u), sq[2])
    if not v then return nil end
    local s, code = string.match(v, '^(%d+):(%-?%d+)$')
    if s ~= sq[1] then return nil end
    return tonumber(code)
end

local function sent_record(r, a, u, sq, code)
    local sh = key('s', a, u)
    if call('EXISTS', sh) == 0 then
        flag(r, F_UNRECORDED)
        return
    end
    local max = call('HGET', sh, 'sent_max') or '0'
    if not dec_lt(max, sq[3]) and not dec_lt(max, sq[1]) then return end -- long ago
    call('HSET', key('sent', a, u), sq[2], sq[1] .. ':' .. code)
    if dec_lt(max, sq[1]) then call('HSET', sh, 'sent_max', sq[1]) end
end

-- body(r)'s code, or the first answer of a send_seq processed already.
local function once(r, a, u, sq, body)
    if sq[1] ~= '0' then
        local code = sent_lookup(a, u, sq)
        if code then
            flag(r, F_RESENT)
            return code
        end
    end
    local code = body(r)
    if sq[1] ~= '0' then sent_record(r, a, u, sq, code) end
    return code
end

-- ---- offline queues (SPEC A6, S9) ----------------------------------------

-- Keeps e = {from, at, msg, session_id, seq, cost} for (a, u). A cached one
-- (session_id '0') is kept with at most max other cached ones: the oldest
-- cached one goes for it (ST_LIMIT). One of an ended session is always kept.
local function offline_push(a, u, e, max)
    local cached = e[4] == '0'
    if cached and max == 0 then return ST_LIMIT end
    local q, qh = key('o', a, u), key('oq', a, u)
    local status = ST_OK
    if cached and num(call('HGET', qh, 'ncached')) >= max then
        local all = call('LRANGE', q, 0, -1)
        for i = 1, #all do
            local old = unpack(all[i])
            if old[4] == '0' then
                -- An equal entry before it would be cached too: LREM takes this one.
                call('LREM', q, 1, all[i])
                usage_add('offline', -old[6])
                call('HINCRBY', qh, 'ncached', -1)
                call('HINCRBY', qh, 'dropped', 1)
                break
            end
        end
        status = ST_LIMIT
    end
    call('RPUSH', q, pack(e))
    if cached then call('HINCRBY', qh, 'ncached', 1) end
    usage_add('offline', e[6])
    call('SADD', 'rtm/offline', a .. '/' .. u)
    return status
end

local function offline_dropped_add(a, u, n)
    if n == 0 then return end
    call('HINCRBY', key('oq', a, u), 'dropped', n)
    call('SADD', 'rtm/offline', a .. '/' .. u)
end

-- The entries kept for (a, u) accepted at or after horizon, oldest first,
-- forgotten with their queue; and the count of those dropped since the
-- queue began (overflows, expiries, and those older than horizon, which
-- are also counted in expired).
local function offline_take(a, u, horizon)
    local q, qh = key('o', a, u), key('oq', a, u)
    local all = call('LRANGE', q, 0, -1)
    local dropped = num(call('HGET', qh, 'dropped'))
    local out, expired = {}, 0
    for i = 1, #all do
        local e = unpack(all[i])
        usage_add('offline', -e[6])
        if e[2] >= horizon then
            out[#out + 1] = e
        else
            expired = expired + 1
        end
    end
    call('DEL', q, qh)
    call('SREM', 'rtm/offline', a .. '/' .. u)
    return out, dropped + expired, expired
end

-- ---- channels ------------------------------------------------------------

-- Drops the history of (a, ch) older than horizon.
local function history_expire(a, ch, horizon)
    local h = key('h', a, ch)
    while true do
        local head = call('LINDEX', h, 0)
        if not head then return end
        local e = unpack(head)
        if e[2] >= horizon then return end
        call('LPOP', h)
        usage_add('history', -e[5])
    end
end

-- Forgets (a, ch) when it has no members and no history.
local function channel_forget_if_empty(a, ch)
    if call('SCARD', key('cm', a, ch)) == 0 and call('LLEN', key('h', a, ch)) == 0 then
        call('DEL', key('c', a, ch))
        call('SREM', 'rtm/channels', a .. '/' .. ch)
    end
end

-- The node holding the session of (a, u) ('' for none known).
local function session_node(a, u)
    return call('HGET', key('s', a, u), 'node') or ''
end

-- An event frame for the users of app a but except: one inbox entry for
-- each other node holding some of them, which sends it to those (the
-- caller sends to its own).
local function route_event(a, except, frame, users)
    local per_node, order = {}, {}
    for _, u in ipairs(users) do
        local n = session_node(a, u)
        if n ~= '' and n ~= NODE and u ~= except then
            if not per_node[n] then
                per_node[n] = {'k', 'e', 'a', a, 'x', except, 'b', frame}
                order[#order + 1] = n
            end
            local f = per_node[n]
            f[#f + 1] = 'w'
            f[#f + 1] = u
        end
    end
    for _, n in ipairs(order) do route(n, per_node[n]) end
end

-- The members of (a, ch) that node n holds.
local function node_members_key(n, a, ch)
    return 'rtm/cnm/' .. n .. '/' .. a .. '/' .. ch
end

local function node_member_add(n, a, ch, u)
    if call('SADD', node_members_key(n, a, ch), u) == 1 then
        call('HINCRBY', key('cn', a, ch), n, 1)
    end
end

local function node_member_remove(n, a, ch, u)
    if call('SREM', node_members_key(n, a, ch), u) == 1 and
        call('HINCRBY', key('cn', a, ch), n, -1) <= 0 then
        call('HDEL', key('cn', a, ch), n)
    end
end

-- Takes u out of (a, ch): 0, or LEAVE_NOT_IN_CHANNEL.
local function channel_leave(a, u, ch)
    if call('SREM', key('sc', a, u), ch) == 0 then return LEAVE_NOT_IN_CHANNEL end
    node_member_remove(session_node(a, u), a, ch, u)
    call('SREM', key('cm', a, ch), u)
    if call('SCARD', key('cm', a, ch)) == 0 then call('SREM', 'rtm/ac/' .. a, ch) end
    channel_forget_if_empty(a, ch)
    return LEAVE_OK
end

-- r.count: the members of (a, ch); r.users: them, sorted, when they are at
-- most list_max.
local function members_after(r, a, ch, list_max)
    r.count = call('SCARD', key('cm', a, ch))
    if r.count <= list_max then r.users = set_members(key('cm', a, ch)) end
end

-- Re-delivers to `self` what (a, ch) kept after last_seq from horizon on,
-- at most max of them, none of its own, and counts what it missed (replay.c).
local function replay_channel(r, a, self, ch, last_seq, horizon, max)
    history_expire(a, ch, horizon)
    local all = call('LRANGE', key('h', a, ch), 0, -1)
    local cand, own = {}, 0
    for i = 1, #all do
        local e = unpack(all[i])
        if e[1] > last_seq then
            if e[3] == self then
                own = own + 1
            else
                cand[#cand + 1] = e
            end
        end
    end
    local first = 1
    if #cand > max then first = #cand - max + 1 end
    local sent = 0
    for i = first, #cand do
        local e = cand[i]
        r.frames[#r.frames + 1] = {'c', e[1], e[3], e[4], 1, ch}
        sent = sent + 1
    end
    local seqs = call('HMGET', key('c', a, ch), 'base', 'last')
    local base, last = num(seqs[1]), num(seqs[2])
    local from = last_seq
    if base > from then from = base end
    local missed = 0
    if last > from then missed = last - from end
    if missed > own then missed = missed - own else missed = 0 end
    r.replay[3] = r.replay[3] + sent
    if missed > sent then r.replay[4] = r.replay[4] + missed - sent end
end

-- ---- sessions -------------------------------------------------------------

local META = {'instance_id', 'id', 'link_seq', 'login_wall_ms', 'token_expires_at', 'peer_seq'}

-- Saves a session's meta (args from i on, in META's order); peer_seq is
-- never lowered.
local function meta_put(sh, args, i)
    local peer_seq = num(call('HGET', sh, 'peer_seq'))
    local given = num(args[i + 5])
    if given < peer_seq then given = peer_seq end
    call('HSET', sh, 'instance_id', args[i], 'id', args[i + 1], 'link_seq', args[i + 2],
         'login_wall_ms', args[i + 3], 'token_expires_at', args[i + 4], 'peer_seq', given)
end

-- The session of (a, u) is the caller's from now on: its channels'
-- per-node sets follow it.
local function session_claim(a, u)
    local was = session_node(a, u)
    if was == NODE then return end
    for _, ch in ipairs(call('SMEMBERS', key('sc', a, u))) do
        node_member_remove(was, a, ch, u)
        node_member_add(NODE, a, ch, u)
    end
    call('HSET', key('s', a, u), 'node', NODE)
    -- rtm/ns/NODE: the sessions each node holds (for its death); a session
    -- taken up leaves the grace its node's death gave it.
    if was ~= '' then call('SREM', 'rtm/ns/' .. was, a .. '/' .. u) end
    call('SADD', 'rtm/ns/' .. NODE, a .. '/' .. u)
    call('ZREM', 'rtm/grace', a .. '/' .. u)
end

-- Forgets the session of (a, u) with its queue, send answers, attributes,
-- subscriptions and, silently, its channels.
local function session_remove(a, u)
    local q = key('u', a, u)
    local all = call('LRANGE', q, 0, -1)
    for i = 1, #all do usage_add('unacked', -unpack(all[i])[4]) end
    for _, ch in ipairs(call('SMEMBERS', key('sc', a, u))) do channel_leave(a, u, ch) end
    for _, v in ipairs(call('SMEMBERS', key('sub', a, u))) do
        call('SREM', key('fol', a, v), u)
    end
    local attrs = call('HGET', key('s', a, u), 'attrs_cost')
    usage_add('attributes', -num(attrs))
    local n = session_node(a, u)
    if n ~= '' then call('SREM', 'rtm/ns/' .. n, a .. '/' .. u) end
    call('ZREM', 'rtm/grace', a .. '/' .. u)
    call('DEL', key('s', a, u), q, key('sent', a, u), key('sc', a, u), key('a', a, u),
         key('sub', a, u))
    call('SREM', 'rtm/sessions', a .. '/' .. u)
end

-- Ends the session of (a, u) (session id sid): out of its channels (r.users,
-- sorted; r.counts: their members after), what it had not acknowledged kept
-- for its user with sid and its seq there, the count of those lost in
-- r.offline[4], and forgotten.
local function end_session(r, a, u, sid)
    local sh = key('s', a, u)
    r.users = set_members(key('sc', a, u))
    for i, ch in ipairs(r.users) do
        channel_leave(a, u, ch)
        r.counts[i] = call('SCARD', key('cm', a, ch))
    end
    local all = call('LRANGE', key('u', a, u), 0, -1)
    for i = 1, #all do
        local e = unpack(all[i]) -- {seq, from, msg, cost, at}
        local o = {e[2], e[5], e[3], sid, e[1], entry_cost(e[3], e[2])}
        if offline_push(a, u, o, 0) == ST_OK then
            r.offline[1] = r.offline[1] + 1
        else
            r.dropped = r.dropped + 1
        end
    end
    r.offline[4] = num(call('HGET', sh, 'dropped')) + r.dropped
    offline_dropped_add(a, u, r.offline[4])
    session_remove(a, u)
end

-- LOGIN: a, u, create, the meta (6), session_id, peer_received,
-- offline_horizon, channel_horizon, max_unacked, replay_max, then channel
-- cursors as pairs (channel, last_seq).
local function login(keys, args)
    local r = result()
    local a, u, create = args[1], args[2], args[3] == '1'
    local sh = key('s', a, u)
    local exists = call('EXISTS', sh) == 1
    local was = exists and session_node(a, u) or ''
    if create and exists then
        -- A session the calling node does not hold: another node's (issue
        -- 16), or one an operation that failed left (a SESSION_END that
        -- timed out).
        local old_id = call('HGET', sh, 'id')
        if call('HGET', sh, 'instance_id') == args[4] then
            -- Its client came here: taken up with its id, as a resume here
            -- is (resumed when the client names it, else with all it holds),
            -- and let go there.
            create = false
            flag(r, F_TAKEN)
            args[5] = old_id
            if args[10] ~= old_id then
                args[11] = '0'
                for i = #args, 16, -1 do args[i] = nil end
            end
            route(was, {'k', 'x', 'a', a, 'u', u, 's', old_id})
        else
            -- Another instance (S16): the old session ends, its client
            -- kicked there (REMOTE_LOGIN), and this one is made.
            end_session(result(), a, u, old_id)
            exists = false
            flag(r, F_REPLACED)
            route(was, {'k', 'r', 'a', a, 'u', u, 's', old_id})
        end
    end
    if create and exists then
        r.code = ST_EXISTS
        return reply(r)
    end
    if not create and not exists then
        r.code = ST_ABSENT
        return reply(r)
    end
    meta_put(sh, args, 4)
    session_claim(a, u)
    if create then call('SADD', 'rtm/sessions', a .. '/' .. u) end
    local claimed, peer_received = args[10], num(args[11])
    local max_unacked, replay_max = num(args[14]), num(args[15])
    r.session_id = call('HGET', sh, 'id')
    if create then
        local kept, dropped, expired = offline_take(a, u, num(args[12]))
        r.offline[4], r.offline[5] = dropped, expired
        for _, e in ipairs(kept) do
            if e[4] ~= '0' and e[4] == claimed and e[5] <= peer_received then
                r.offline[3] = r.offline[3] + 1 -- had
            else
                local seq = deliver(r, a, u, e[1], e[3], e[2], max_unacked, 0)
                r.frames[#r.frames + 1] = {'p', seq, e[1], e[3], e[4] ~= '0' and 1 or 0, ''}
                if e[4] ~= '0' then
                    r.offline[1] = r.offline[1] + 1
                else
                    r.offline[2] = r.offline[2] + 1
                end
            end
        end
        return reply(r)
    end
    -- Taken up again (S9, B1): what the client says it has counts as
    -- acknowledged; the rest is re-delivered.
    ack(a, u, peer_received)
    local all = call('LRANGE', key('u', a, u), 0, -1)
    for i = 1, #all do
        local e = unpack(all[i])
        r.frames[#r.frames + 1] = {'p', e[1], e[2], e[3], 1, ''}
    end
    r.replay[1] = #all
    r.replay[2] = num(call('HGET', sh, 'dropped'))
    call('HSET', sh, 'dropped', 0)
    -- Channels (S10, B2): one cursor per channel the session is in.
    local done = {}
    for i = 16, #args - 1, 2 do
        local ch = args[i]
        if not done[ch] and call('SISMEMBER', key('sc', a, u), ch) == 1 then
            done[ch] = true
            replay_channel(r, a, u, ch, num(args[i + 1]), num(args[13]), replay_max)
        end
    end
    return reply(r)
end

-- SESSION_SAVE: a, u, the meta (6).
local function session_save(keys, args)
    local r = result()
    local sh = key('s', args[1], args[2])
    if call('EXISTS', sh) == 0 then
        r.code = ST_ABSENT
    else
        meta_put(sh, args, 3)
    end
    return reply(r)
end

-- SESSIONS: all ('1': every node's) or the caller's (and those of no
-- node's) sessions with their meta, as {app, user, meta (6), node}.
local function sessions(keys, args)
    local r = result()
    local all = args[1] == '1'
    for _, au in ipairs(call('SMEMBERS', 'rtm/sessions')) do
        local a, u = string.match(au, '^(.*)/([^/]*)$')
        local n = session_node(a, u)
        if all or n == '' or n == NODE then
            local m = call('HMGET', key('s', a, u), 'instance_id', 'id', 'link_seq',
                           'login_wall_ms', 'token_expires_at', 'peer_seq')
            local s = {a, u}
            for i = 1, 6 do s[#s + 1] = m[i] or '0' end
            s[#s + 1] = n
            r.sessions[#r.sessions + 1] = s
        end
    end
    return reply(r)
end

-- KICK: a, u. The session of (a, u), another node's, is kicked there
-- (BANNED_BY_SERVER): OK; ABSENT without one; EXISTS when it is the
-- caller's own (it kicks it).
local function kick(keys, args)
    local r = result()
    local a, u = args[1], args[2]
    local sh = key('s', a, u)
    local n = session_node(a, u)
    if call('EXISTS', sh) == 0 then
        r.code = ST_ABSENT
    elseif n == '' or n == NODE then
        r.code = ST_EXISTS
    elseif n == ORPHAN then
        -- In a dead node's grace: ended here, listed as BEAT lists those it
        -- ends, for the caller to tell its channels and followers.
        local sid, ended = call('HGET', sh, 'id'), result()
        end_session(ended, a, u, sid)
        r.sessions[1] = {a, u, sid, ended.users, ended.counts}
    else
        route(n, {'k', 'b', 'a', a, 'u', u, 's', call('HGET', sh, 'id')})
    end
    return reply(r)
end

-- SESSION_END: a, u, session_id. Out of its channels (users: them, sorted;
-- counts: their members after), what it had not acknowledged kept for its
-- user with the session's id and its seq there.
local function session_end(keys, args)
    local r = result()
    local a, u, sid = args[1], args[2], args[3]
    local n = session_node(a, u)
    -- Ended by the node that holds it: one that moved to another node
    -- meanwhile is that node's now.
    if call('EXISTS', key('s', a, u)) == 0 or (n ~= '' and n ~= NODE) then
        r.code = ST_ABSENT
        return reply(r)
    end
    end_session(r, a, u, sid)
    return reply(r)
end

-- PEER_SEND: a, from, to, send_seq, refused, max_unacked, offline_max,
-- offline_max_bytes, unacked_max_bytes, msg (an encoded Message, stamped),
-- at (its server_ts), send_seq's slot and send_seq + 256 (see dec_lt).
local function peer_send(keys, args)
    local r = result()
    local a, from, to = args[1], args[2], args[3]
    local refused = num(args[5])
    local max_unacked, offline_max = num(args[6]), num(args[7])
    local offline_max_bytes, unacked_max_bytes = num(args[8]), num(args[9])
    local msg, at = args[10], num(args[11])
    r.code = once(r, a, from, {args[4], args[12], args[13]}, function(r)
        if refused ~= 0 then return refused end
        local th = key('s', a, to)
        if call('EXISTS', th) == 1 then
            r.session_id = call('HGET', th, 'id')
            local seq = deliver(r, a, to, from, msg, at, max_unacked, unacked_max_bytes)
            if not seq then return PEER_FAILURE end
            r.frames[1] = {'P', seq, from, '', 0, ''}
            route(session_node(a, to), {'k', 'p', 'a', a, 'u', to, 's', r.session_id,
                                        'q', seq, 'f', from, 'm', msg})
            return PEER_OK
        end
        if offline_max == 0 then return PEER_UNREACHABLE end
        local kept = msg .. OFFLINE_SUFFIX
        local c = entry_cost(kept, from)
        if usage('offline') + c > offline_max_bytes then
            flag(r, F_OFFLINE_FULL)
            return PEER_FAILURE
        end
        if offline_push(a, to, {from, at, kept, '0', 0, c}, offline_max) == ST_LIMIT then
            r.dropped = r.dropped + 1
        end
        return PEER_CACHED
    end)
    return reply(r)
end

-- PEER_ACK: a, u, seq.
local function peer_ack(keys, args)
    ack(args[1], args[2], num(args[3]))
    return reply(result())
end

-- JOIN: a, u, channel, max_per_user, seq_base, same_too_often, replay,
-- last_seq, horizon, replay_max, list_max.
local function join(keys, args)
    local r = result()
    local a, u, ch = args[1], args[2], args[3]
    local sc = key('sc', a, u)
    if call('SISMEMBER', sc, ch) == 1 then
        r.code = JOIN_ALREADY
    elseif args[6] == '1' then
        r.code = JOIN_SAME_TOO_OFTEN
    elseif call('EXISTS', key('s', a, u)) == 0 then
        r.code = JOIN_FAILURE
    elseif call('SCARD', sc) >= num(args[4]) then
        r.code = JOIN_EXCEED_LIMIT
    else
        local c = key('c', a, ch)
        if call('EXISTS', c) == 0 then
            call('HSET', c, 'base', args[5], 'last', args[5])
            call('SADD', 'rtm/channels', a .. '/' .. ch)
        end
        call('SADD', key('cm', a, ch), u)
        call('SADD', sc, ch)
        call('SADD', 'rtm/ac/' .. a, ch)
        node_member_add(session_node(a, u), a, ch, u)
        members_after(r, a, ch, num(args[11]))
        if args[7] == '1' then
            replay_channel(r, a, u, ch, num(args[8]), num(args[9]), num(args[10]))
        end
    end
    return reply(r)
end

-- LEAVE: a, u, channel, list_max.
local function leave(keys, args)
    local r = result()
    local a, u, ch = args[1], args[2], args[3]
    r.code = channel_leave(a, u, ch)
    if r.code == LEAVE_OK then members_after(r, a, ch, num(args[4])) end
    return reply(r)
end

-- CHANNEL_SEND: a, from, channel, send_seq, refused, over_rate, now,
-- replay_max, horizon, history_max_bytes, msg (an encoded Message, stamped),
-- send_seq's slot and send_seq + 256 (see dec_lt).
local function channel_send(keys, args)
    local r = result()
    local a, from, ch = args[1], args[2], args[3]
    local refused = num(args[5])
    local now, max, horizon, max_bytes = num(args[7]), num(args[8]), num(args[9]), num(args[10])
    local msg = args[11]
    r.code = once(r, a, from, {args[4], args[12], args[13]}, function(r)
        if refused ~= 0 then return refused end
        if call('SISMEMBER', key('sc', a, from), ch) == 0 then
            flag(r, F_NOT_MEMBER)
            return CH_FAILURE
        end
        if args[6] == '1' then return CH_TOO_OFTEN end
        local seq = call('HINCRBY', key('c', a, ch), 'last', 1)
        r.users = set_members(key('cm', a, ch))
        -- Members in grace get it from the history when they resume (S10).
        history_expire(a, ch, horizon)
        if max > 0 then
            local h = key('h', a, ch)
            local adds, frees = entry_cost(msg, from), 0
            local n = call('LLEN', h)
            if n >= max then frees = unpack(call('LINDEX', h, 0))[5] end
            if adds > frees and usage('history') + adds - frees > max_bytes then
                flag(r, F_HISTORY_FULL)
            else
                while n >= max do
                    usage_add('history', -unpack(call('LPOP', h))[5])
                    n = n - 1
                end
                call('RPUSH', h, pack({seq, now, from, msg, adds}))
                usage_add('history', adds)
            end
        end
        r.frames[1] = {'C', seq, from, '', 0, ch}
        local per_node = call('HGETALL', key('cn', a, ch))
        for i = 1, #per_node, 2 do
            local n = per_node[i]
            if n ~= NODE then
                local f = {'k', 'c', 'a', a, 'c', ch, 'q', seq, 'f', from, 'm', msg}
                for _, m in ipairs(call('SMEMBERS', node_members_key(n, a, ch))) do
                    f[#f + 1] = 'u'
                    f[#f + 1] = m
                end
                route(n, f)
            end
        end
        return CH_OK
    end)
    return reply(r)
end

-- MEMBERS: a, u ('' for none), channel. ABSENT when u is given and is not
-- a member, or the channel is not known.
local function members(keys, args)
    local r = result()
    local a, u, ch = args[1], args[2], args[3]
    if (u ~= '' and call('SISMEMBER', key('sc', a, u), ch) == 0) or
        call('EXISTS', key('c', a, ch)) == 0 then
        r.code = ST_ABSENT
    else
        r.users = set_members(key('cm', a, ch))
    end
    return reply(r)
end

-- MEMBER_COUNTS: a, then channels.
local function member_counts(keys, args)
    local r = result()
    for i = 2, #args do
        r.users[#r.users + 1] = args[i]
        r.counts[#r.counts + 1] = call('SCARD', key('cm', args[1], args[i]))
    end
    return reply(r)
end

-- APP_CHANNELS: a.
local function app_channels(keys, args)
    local r = result()
    r.users = set_members('rtm/ac/' .. args[1])
    for i, ch in ipairs(r.users) do r.counts[i] = call('SCARD', key('cm', args[1], ch)) end
    return reply(r)
end

-- ---- attributes (SPEC A5) ----------------------------------------------

local ATTR_OK, ATTR_FAILURE, ATTR_SIZE_OVERFLOW, ATTR_USER_NOT_FOUND = 0, 2, 4, 6
local F_CHATTRS_FULL = 256
local OP_SET, OP_ADD_OR_UPDATE, OP_DELETE, OP_CLEAR = 0, 1, 2, 3 -- SetAttributes.Op

-- What a set of attributes costs the node's store (an approximation of
-- store_mem.c's rtmd_attrv_cost: each string a copy, each entry a slot).
local function attrs_cost(v)
    if next(v) == nil then return 0 end
    local c = 64
    for k, e in pairs(v) do
        c = c + 32 + cost(#k + 1) + cost(#e[1] + 1)
        if e[2] ~= '' then c = c + cost(#e[2] + 1) end
    end
    return c
end

-- The attributes {key -> {value, by, ts}} of hash h; channel ones are
-- packed with who set them and when.
local function attrs_read(h, stamped)
    local v, all = {}, call('HGETALL', h)
    for i = 1, #all, 2 do
        if stamped then
            v[all[i]] = unpack(all[i + 1])
        else
            v[all[i]] = {all[i + 1], '', 0}
        end
    end
    return v
end

local function attrs_write(h, v, stamped)
    call('DEL', h)
    for k, e in pairs(v) do
        if stamped then
            call('HSET', h, k, pack(e))
        else
            call('HSET', h, k, e[1])
        end
    end
end

-- r.attrs: those of v whose key is in keys (all when keys is empty).
local function attrs_out(r, v, keys)
    local want = nil
    if #keys > 0 then
        want = {}
        for _, k in ipairs(keys) do want[k] = true end
    end
    local ks = {}
    for k in pairs(v) do
        if not want or want[k] then ks[#ks + 1] = k end
    end
    for _, k in ipairs(ks) do r.attrs[#r.attrs + 1] = {k, v[k][1], v[k][2], v[k][3]} end
end

-- cur after a SetAttributes (op, then key/value pairs, or keys), its
-- entries stamped with by and ts; nil when it would hold more than
-- count_max entries or total_max bytes of keys and values (attrs.c checked
-- the request itself already).
local function attrs_apply(cur, op, args, i, by, ts, count_max, total_max)
    local next_ = {}
    if op == OP_ADD_OR_UPDATE or op == OP_DELETE then
        for k, e in pairs(cur) do next_[k] = e end
    end
    if op == OP_SET or op == OP_ADD_OR_UPDATE then
        for j = i, #args - 1, 2 do next_[args[j]] = {args[j + 1], by, ts} end
    elseif op == OP_DELETE then
        for j = i, #args do next_[args[j]] = nil end
    end
    local n, total = 0, 0
    for k, e in pairs(next_) do
        n = n + 1
        total = total + #k + #e[1]
    end
    if n > count_max or total > total_max then return nil end
    return next_
end

-- ATTRS_GET: a, u, then keys.
local function attrs_get(keys, args)
    local r = result()
    local a, u = args[1], args[2]
    if call('EXISTS', key('s', a, u)) == 0 then
        r.code = ATTR_USER_NOT_FOUND
        return reply(r)
    end
    local want = {}
    for i = 3, #args do want[#want + 1] = args[i] end
    attrs_out(r, attrs_read(key('a', a, u), false), want)
    return reply(r)
end

-- ATTRS_SET: a, u, refused (the request's own code, attrs.c), count_max,
-- total_max, op, then key/value pairs or keys.
local function attrs_set(keys, args)
    local r = result()
    local a, u = args[1], args[2]
    local sh = key('s', a, u)
    if call('EXISTS', sh) == 0 then
        r.code = ATTR_FAILURE -- the asker has no session
        return reply(r)
    end
    if num(args[3]) ~= 0 then
        r.code = num(args[3])
        return reply(r)
    end
    local h = key('a', a, u)
    local next_ = attrs_apply(attrs_read(h, false), num(args[6]), args, 7, '', 0,
                              num(args[4]), num(args[5]))
    if not next_ then
        r.code = ATTR_SIZE_OVERFLOW
        return reply(r)
    end
    attrs_write(h, next_, false)
    local c = attrs_cost(next_)
    usage_add('attributes', c - num(call('HGET', sh, 'attrs_cost')))
    call('HSET', sh, 'attrs_cost', c)
    return reply(r)
end

-- CHATTRS_GET: a, channel, then keys.
local function chattrs_get(keys, args)
    local r = result()
    local want = {}
    for i = 3, #args do want[#want + 1] = args[i] end
    attrs_out(r, attrs_read(key('ca', args[1], args[2]), true), want)
    return reply(r)
end

-- CHATTRS_SET: a, channel, refused, count_max, total_max, by, ts,
-- max_bytes (the app's bound), op, then key/value pairs or keys. The
-- channel's whole list after it in attrs, its members in users.
local function chattrs_set(keys, args)
    local r = result()
    local a, ch = args[1], args[2]
    if num(args[3]) ~= 0 then
        r.code = num(args[3])
        return reply(r)
    end
    local h = key('ca', a, ch)
    local cur = attrs_read(h, true)
    local next_ = attrs_apply(cur, num(args[9]), args, 10, args[6], num(args[7]),
                              num(args[4]), num(args[5]))
    if not next_ then
        r.code = ATTR_SIZE_OVERFLOW
        return reply(r)
    end
    local was, now = attrs_cost(cur), attrs_cost(next_)
    local app_usage = num(call('HGET', 'rtm/usage/chattrs', a))
    if now > was and app_usage - was + now > num(args[8]) then
        flag(r, F_CHATTRS_FULL)
        r.code = ATTR_SIZE_OVERFLOW
        return reply(r)
    end
    attrs_write(h, next_, true)
    if now ~= was then
        call('HINCRBY', 'rtm/usage/chattrs', a, now - was)
        usage_add('channel_attributes', now - was)
    end
    if next(next_) == nil then
        call('SREM', 'rtm/chattrs', a .. '/' .. ch)
    else
        call('SADD', 'rtm/chattrs', a .. '/' .. ch)
    end
    attrs_out(r, next_, {})
    r.users = set_members(key('cm', a, ch))
    return reply(r)
end

-- ---- presence subscriptions (SPEC A8) --------------------------------------

local SUB_OK, SUB_FAILURE, SUB_OVERFLOW = 0, 1, 6

-- SUBSCRIBE: a, u, unsubscribe, max, then users. users: those newly
-- followed, in the order asked; count: those followed after it.
local function subscribe(keys, args)
    local r = result()
    local a, u = args[1], args[2]
    local sub = key('sub', a, u)
    if args[3] == '1' then
        for i = 5, #args do
            if call('SREM', sub, args[i]) == 1 then call('SREM', key('fol', a, args[i]), u) end
        end
    else
        local fresh, seen = 0, {}
        for i = 5, #args do
            if not seen[args[i]] then
                seen[args[i]] = true
                if call('SISMEMBER', sub, args[i]) == 0 then fresh = fresh + 1 end
            end
        end
        if call('SCARD', sub) + fresh > num(args[4]) then
            r.code = SUB_OVERFLOW
        elseif #args >= 5 and call('EXISTS', key('s', a, u)) == 0 then
            r.code = SUB_FAILURE -- subscriptions belong to a session
        else
            for i = 5, #args do
                if call('SADD', sub, args[i]) == 1 then
                    call('SADD', key('fol', a, args[i]), u)
                    r.users[#r.users + 1] = args[i]
                end
            end
        end
    end
    r.count = call('SCARD', sub)
    return reply(r)
end

-- SUBSCRIBED: a, u. The users it follows; ABSENT without a session.
local function subscribed(keys, args)
    local r = result()
    if call('EXISTS', key('s', args[1], args[2])) == 0 then
        r.code = ST_ABSENT
    else
        r.users = set_members(key('sub', args[1], args[2]))
    end
    return reply(r)
end

-- FOLLOWERS: a, u, state. The users of its app that follow it; the state
-- its node announces (ONLINE 0, UNREACHABLE 1) is kept with the session,
-- for the presence queries of other nodes.
local function followers(keys, args)
    local r = result()
    local a, u, frame = args[1], args[2], args[4] or ''
    local sh = key('s', a, u)
    local n = session_node(a, u)
    if call('EXISTS', sh) == 1 and n ~= '' and n ~= NODE and n ~= ORPHAN then
        return reply(r) -- another node holds it now: what this one says is stale
    end
    if call('EXISTS', sh) == 1 and n == NODE and args[3] ~= '2' then
        call('HSET', sh, 'presence', args[3])
    end
    r.users = call('SMEMBERS', key('fol', a, u))
    if frame ~= '' then route_event(a, '', frame, r.users) end
    return reply(r)
end

-- PRESENCE: a, then users. counts: each one's PeerState (OFFLINE 2 without
-- a session, else the one its node announced), or 255 (RTMD_PRESENCE_HERE)
-- when its session is the caller's: the caller knows better.
local function presence(keys, args)
    local r = result()
    local a = args[1]
    for i = 2, #args do
        local sh = key('s', a, args[i])
        local n = session_node(a, args[i])
        if call('EXISTS', sh) == 0 then
            r.counts[#r.counts + 1] = 2
        elseif n == '' or n == NODE then
            r.counts[#r.counts + 1] = 255
        else
            r.counts[#r.counts + 1] = num(call('HGET', sh, 'presence'))
        end
    end
    return reply(r)
end

-- ---- media (SPEC M1, M2) ------------------------------------------------------

-- MEDIA_PUT: a, id, size, at, max_bytes. LIMIT: the media would hold more;
-- EXISTS: the id is taken.
local function media_put(keys, args)
    local r = result()
    local id, size = args[2], num(args[3])
    if usage('media') + size > num(args[5]) then
        r.code = ST_LIMIT
    elseif call('EXISTS', 'rtm/m/' .. id) == 1 then
        r.code = ST_EXISTS
    else
        -- node: whose directory has its bytes (unless the nodes share one).
        call('HSET', 'rtm/m/' .. id, 'app', args[1], 'size', size, 'at', args[4], 'node', NODE)
        call('ZADD', 'rtm/media', args[4], id)
        usage_add('media', size)
    end
    return reply(r)
end

-- MEDIA_GET: a ('' for any), id, horizon. OK with count its size, or ABSENT
-- (unknown, of another app, or stored before horizon).
local function media_get(keys, args)
    local r = result()
    local m = call('HMGET', 'rtm/m/' .. args[2], 'app', 'size', 'at')
    if not m[1] or (args[1] ~= '' and m[1] ~= args[1]) or num(m[3]) < num(args[3]) then
        r.code = ST_ABSENT
    else
        r.count = num(m[2])
    end
    return reply(r)
end

-- ---- expiry ------------------------------------------------------------------

-- One step of the caller's pass over the set k, from the cursor it left
-- in rtm/expire/NODE: about budget members, and whether its pass over k
-- goes on. A set whose pass is over is not scanned again until the pass
-- over them all is (expire clears the marks).
local function sweep_step(k, budget)
    local h = 'rtm/expire/' .. NODE
    if call('HGET', h, 'done:' .. k) then return {}, false end
    local scan = call('SSCAN', k, call('HGET', h, k) or '0', 'COUNT', budget)
    call('HSET', h, k, scan[1])
    if scan[1] == '0' then call('HSET', h, 'done:' .. k, 1) end
    return scan[2], scan[1] ~= '0'
end

-- EXPIRE: offline_horizon, channels_horizon, media_horizon, budget. One
-- step of a pass over the offline queues, the channels and the media: about
-- budget of each, so that no call holds Redis long; F_MORE until the pass
-- is over (SSCAN: a queue or channel there all along is seen, maybe twice,
-- which changes nothing). count: the offline messages forgotten; users: the
-- ids of the media forgotten.
local function expire(keys, args)
    local r = result()
    local off_h, ch_h, media_h = num(args[1]), num(args[2]), num(args[3])
    local budget = math.max(num(args[4]), 1)
    local queues, more_queues = sweep_step('rtm/offline', budget)
    local channels, more_channels = sweep_step('rtm/channels', budget)
    for _, au in ipairs(queues) do
        local a, u = string.match(au, '^(.*)/([^/]*)$')
        local q, qh = key('o', a, u), key('oq', a, u)
        while true do
            local head = call('LINDEX', q, 0)
            if not head then break end
            local e = unpack(head)
            if e[2] >= off_h then break end
            call('LPOP', q)
            usage_add('offline', -e[6])
            if e[4] == '0' then call('HINCRBY', qh, 'ncached', -1) end
            call('HINCRBY', qh, 'dropped', 1)
            r.count = r.count + 1
        end
        -- A queue that only counts drops stays: the user learns of them at
        -- its next login (SPEC S9).
        if call('LLEN', q) == 0 and num(call('HGET', qh, 'dropped')) == 0 then
            call('DEL', q, qh)
            call('SREM', 'rtm/offline', au)
        end
    end
    for _, ac in ipairs(channels) do
        local a, ch = string.match(ac, '^(.*)/([^/]*)$')
        history_expire(a, ch, ch_h)
        channel_forget_if_empty(a, ch)
    end
    local media = call('ZRANGEBYSCORE', 'rtm/media', '-inf', '(' .. media_h, 'LIMIT', 0, budget)
    if more_queues or more_channels or #media == budget then
        flag(r, F_MORE)
    else
        call('DEL', 'rtm/expire/' .. NODE) -- the pass is over: the next starts afresh
    end
    for _, id in ipairs(media) do
        local m = call('HMGET', 'rtm/m/' .. id, 'size', 'app', 'node')
        usage_add('media', -num(m[1]))
        -- The caller removes its file; the node that took the upload, if
        -- another (a directory of its own), is told to remove its own.
        route(m[3] or '', {'k', 'd', 'a', m[2] or '', 'i', id})
        call('DEL', 'rtm/m/' .. id)
        call('ZREM', 'rtm/media', id)
        r.users[#r.users + 1] = id
    end
    return reply(r)
end

-- ---- events to other nodes ---------------------------------------------------

-- SEND_TO: a, except ('' for none), frame (an encoded event), then users:
-- an inbox entry for each other node holding some of them, which sends them
-- the frame (the caller sends to its own).
local function send_to(keys, args)
    local users = {}
    for i = 4, #args do users[#users + 1] = args[i] end
    route_event(args[1], args[2], args[3], users)
    return reply(result())
end

-- ---- node liveness -------------------------------------------------------------
--   rtm/nodes    sorted set: each live node by its deadline (wall ms)
--   rtm/dead     set: nodes declared dead, fenced off until they join again
--   rtm/ns/NODE  set: "app/user" of the sessions NODE holds
--   rtm/grace    sorted set: "app/user" of sessions of dead nodes, by the end
--                of the grace their node's death gave them
--   rtm/since    hash: node -> when it last came back (judging waits a timeout)

-- BEAT: timeout_ms, grace_ms, rejoin. The caller is alive until a timeout
-- from now (Redis's clock). With rejoin ('1': it starts, or it was fenced and let
-- its links and sessions go) it is no longer dead; otherwise code 1 says it
-- was declared dead (fenced: it must let go of everything). Then, whoever
-- beats first does it (but a caller back for less than a timeout, from a
-- Redis outage or a start): nodes past their deadline are declared dead,
-- their
-- sessions given a grace from now (node ORPHAN; listed in users as
-- "app/user": their links are lost, so UNREACHABLE), and the sessions whose
-- grace ended are ended, listed in sessions as {app, user, id, channels,
-- counts} for the caller to tell their channels and followers.
-- Redis's clock (wall ms), not the calling node's.
local function redis_now()
    local t = call('TIME')
    return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function beat(keys, args)
    local r = result()
    -- Redis's clock, not the node's: a beat that waited in a socket while
    -- Redis was away is judged by when it runs.
    local now = redis_now()
    local deadline, grace = now + num(args[1]), num(args[2])
    if args[3] == '1' then
        call('SREM', 'rtm/dead', NODE)
    elseif call('SISMEMBER', 'rtm/dead', NODE) == 1 then
        r.code = 1
        return reply(r)
    end
    -- A caller past its own deadline (or new) was cut off too (Redis away,
    -- or itself paused): the others' silence may be the same outage, so it
    -- judges nobody until it has been back for a timeout, which gives them
    -- that long to come back and beat too (rtm/since: when it came back).
    local own = call('ZSCORE', 'rtm/nodes', NODE)
    if not own or num(own) < now then call('HSET', 'rtm/since', NODE, now) end
    local judge = now - num(call('HGET', 'rtm/since', NODE)) >= deadline - now
    call('ZADD', 'rtm/nodes', deadline, NODE)
    local past = judge and call('ZRANGEBYSCORE', 'rtm/nodes', '-inf', '(' .. now) or {}
    for _, n in ipairs(past) do
        call('ZREM', 'rtm/nodes', n)
        call('HDEL', 'rtm/since', n)
        call('SADD', 'rtm/dead', n)
        call('DEL', 'rtm/inbox/' .. n)
        for _, au in ipairs(call('SMEMBERS', 'rtm/ns/' .. n)) do
            local a, u = string.match(au, '^(.*)/([^/]*)$')
            if session_node(a, u) == n then
                for _, ch in ipairs(call('SMEMBERS', key('sc', a, u))) do
                    node_member_remove(n, a, ch, u)
                end
                call('HSET', key('s', a, u), 'node', ORPHAN, 'presence', 1)
                call('ZADD', 'rtm/grace', now + grace, au)
                r.users[#r.users + 1] = au -- UNREACHABLE from now (the caller tells)
            end
        end
        call('DEL', 'rtm/ns/' .. n, 'rtm/expire/' .. n)
    end
    for _, au in ipairs(call('ZRANGEBYSCORE', 'rtm/grace', '-inf', now)) do
        call('ZREM', 'rtm/grace', au)
        local a, u = string.match(au, '^(.*)/([^/]*)$')
        if session_node(a, u) == ORPHAN then
            local sid = call('HGET', key('s', a, u), 'id')
            local ended = result()
            end_session(ended, a, u, sid)
            r.sessions[#r.sessions + 1] = {a, u, sid, ended.users, ended.counts}
        end
    end
    -- What the system holds, by kind (store.h's order), for /metrics.
    for _, kind in ipairs({'offline', 'unacked', 'history', 'attributes',
                           'channel_attributes'}) do
        r.counts[#r.counts + 1] = usage(kind)
    end
    return reply(r)
end

-- NODES: the nodes, for the admin API: users = the live ones by deadline,
-- then the dead; counts = per node {sessions, dead (1) or not (0), ms left
-- before its deadline}; count = the sessions of dead nodes in their grace.
local function nodes(keys, args)
    local r = result()
    local now = redis_now()
    local live = call('ZRANGE', 'rtm/nodes', 0, -1, 'WITHSCORES')
    for i = 1, #live, 2 do
        local left = num(live[i + 1]) - now
        r.users[#r.users + 1] = live[i]
        r.counts[#r.counts + 1] = call('SCARD', 'rtm/ns/' .. live[i])
        r.counts[#r.counts + 1] = 0
        r.counts[#r.counts + 1] = left > 0 and left or 0
    end
    for _, n in ipairs(call('SMEMBERS', 'rtm/dead')) do
        r.users[#r.users + 1] = n
        r.counts[#r.counts + 1] = call('SCARD', 'rtm/ns/' .. n)
        r.counts[#r.counts + 1] = 1
        r.counts[#r.counts + 1] = 0
    end
    r.count = call('ZCARD', 'rtm/grace')
    return reply(r)
end

-- ---- bans (SPEC A1) ---------------------------------------------------------

-- Whether the ban of field f is in force at now; one past it is forgotten.
local function ban_active(f, now)
    local v = call('HGET', 'rtm/bans', f)
    if not v then return false end
    local until_ms = num(v)
    if until_ms ~= 0 and until_ms <= now then
        call('HDEL', 'rtm/bans', f)
        return false
    end
    return true
end

-- BAN_SET: a, u, until.
local function ban_set(keys, args)
    call('HSET', 'rtm/bans', args[1] .. '/' .. args[2], args[3])
    return reply(result())
end

-- BAN_LIFT: a, u, now. ABSENT when none was in force.
local function ban_lift(keys, args)
    local r = result()
    local f = args[1] .. '/' .. args[2]
    if ban_active(f, num(args[3])) then
        call('HDEL', 'rtm/bans', f)
    else
        r.code = ST_ABSENT
    end
    return reply(r)
end

-- BANNED: a, u, now. Code 1 when banned.
local function banned(keys, args)
    local r = result()
    if ban_active(args[1] .. '/' .. args[2], num(args[3])) then r.code = 1 end
    return reply(r)
end

-- BANS_LIST: now. The bans in force, as {app, user, until}.
local function bans_list(keys, args)
    local r = result()
    local now = num(args[1])
    local all = call('HGETALL', 'rtm/bans')
    for i = 1, #all, 2 do
        local until_ms = num(all[i + 1])
        if until_ms ~= 0 and until_ms <= now then
            call('HDEL', 'rtm/bans', all[i])
        else
            local a, u = string.match(all[i], '^(.*)/([^/]*)$')
            r.bans[#r.bans + 1] = {a, u, all[i + 1]}
        end
    end
    return reply(r)
end

-- LAYOUT: the layout's version a node knows. Marks an empty Redis with it;
-- an error when the data there is of another.
local function layout(keys, args)
    local v = call('GET', 'rtm/layout')
    if not v then
        call('SET', 'rtm/layout', args[1])
    elseif v ~= args[1] then
        return redis.error_reply('rtmd: this Redis holds the layout ' .. v ..
                                 ' of another rtmd version, not ' .. args[1])
    end
    return reply(result())
end

local function register(name, fn, flags)
    local function with_node(keys, args)
        NODE = table.remove(args, 1) or ''
        -- A node declared dead writes nothing until it joins again (BEAT).
        if name ~= 'beat' and name ~= 'layout' and name ~= 'nodes' and NODE ~= '' and
            call('SISMEMBER', 'rtm/dead', NODE) == 1 then
            return redis.error_reply('rtmd: node ' .. NODE .. ' was declared dead (fenced)')
        end
        return fn(keys, args)
    end
    redis.register_function{function_name = 'rtmd_@RTMD_LIB_VERSION@_' .. name,
                            callback = with_node, flags = flags or {'no-cluster'}}
end

register('layout', layout)
register('login', login)
register('session_save', session_save)
register('sessions', sessions)
register('session_end', session_end)
register('peer_send', peer_send)
register('peer_ack', peer_ack)
register('join', join)
register('leave', leave)
register('channel_send', channel_send)
register('members', members)
register('member_counts', member_counts)
register('app_channels', app_channels)
register('ban_set', ban_set)
register('ban_lift', ban_lift)
register('banned', banned)
register('bans_list', bans_list)
register('attrs_get', attrs_get)
register('attrs_set', attrs_set)
register('chattrs_get', chattrs_get)
register('chattrs_set', chattrs_set)
register('subscribe', subscribe)
register('subscribed', subscribed)
register('followers', followers)
register('media_put', media_put)
register('media_get', media_get)
register('expire', expire)
register('send_to', send_to)
register('kick', kick)
register('presence', presence)
register('beat', beat)
-- Reads only: answered also when Redis is at its maxmemory (noeviction).
register('nodes', nodes, {'no-cluster', 'no-writes'})
