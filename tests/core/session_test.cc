// Tests of the session state machine (native/core/session.c) with a virtual
// clock: no sockets, no sleeps. Each test names the SPEC rule it proves.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <vector>

extern "C" {
#include "ids.h"
#include "rtm/rtm.h"
#include "session.h"
#include "token.h"
}

namespace {

constexpr rtm__time kMs = 1000;
constexpr rtm__time kSec = 1000 * kMs;

struct Result {
    rtm__op_kind kind;
    int code;
    std::vector<std::string> users;
};

// Records what the session asks its driver to do, and plays the server.
class Harness {
  public:
    explicit Harness(const char *params_json = nullptr)
    {
        rtm__params_init(&params_);
        if (params_json != nullptr) {
            char err[128];
            EXPECT_EQ(0, rtm__params_apply_json(&params_, params_json, err,
                                                sizeof(err)))
                << err;
        }
        s_ = rtm__session_new(&kOps, this, "app", 42, &params_);
    }
    ~Harness()
    {
        rtm__session_free(s_);
        for (auto *f : frames_)
            rtm__frame_free(f);
    }

    // Runs every deadline up to t, in order, then sets the clock to t.
    void AdvanceTo(rtm__time t)
    {
        for (;;) {
            rtm__time e = rtm__session_expiry(s_);
            if (e > t)
                break;
            if (e > now_)
                now_ = e;
            rtm__session_handle_expiry(s_, now_);
        }
        now_ = t;
    }
    void Advance(rtm__time d) { AdvanceTo(now_ + d); }

    uint64_t Login(const char *user = "alice", const char *token = "tok")
    {
        uint64_t op = ++next_op_;
        rtm__session_login(s_, now_, op, token, user);
        return op;
    }
    uint64_t Logout()
    {
        uint64_t op = ++next_op_;
        rtm__session_logout(s_, now_, op);
        return op;
    }
    uint64_t SendPeer(const char *peer, const char *text)
    {
        uint64_t op = ++next_op_;
        rtm__outgoing m = {RTM_MESSAGE_TYPE_TEXT, text, nullptr, 0, nullptr};
        rtm__session_send_peer(s_, now_, op, peer, &m);
        return op;
    }
    uint64_t SendCall(const char *peer, const Rtm__Wire__CallSignal *sig)
    {
        uint64_t op = ++next_op_;
        rtm__session_send_call(s_, now_, op, peer, sig);
        return op;
    }
    uint64_t SendChannel(const char *ch, const char *text)
    {
        uint64_t op = ++next_op_;
        rtm__outgoing m = {RTM_MESSAGE_TYPE_TEXT, text, nullptr, 0, nullptr};
        rtm__session_send_channel(s_, now_, op, ch, &m);
        return op;
    }
    uint64_t Join(const char *ch)
    {
        uint64_t op = ++next_op_;
        rtm__session_join(s_, now_, op, ch);
        return op;
    }
    uint64_t Leave(const char *ch)
    {
        uint64_t op = ++next_op_;
        rtm__session_leave(s_, now_, op, ch);
        return op;
    }
    uint64_t Members(const char *ch)
    {
        uint64_t op = ++next_op_;
        rtm__session_get_members(s_, now_, op, ch);
        return op;
    }

    uint64_t SetAttributes(int set_op, std::vector<rtm_attribute> attrs,
                           std::vector<const char *> keys = {})
    {
        uint64_t op = ++next_op_;
        rtm__session_set_attributes(s_, now_, op, set_op, attrs.data(),
                                    attrs.size(), keys.data(), keys.size());
        return op;
    }
    uint64_t Renew(const char *token)
    {
        uint64_t op = ++next_op_;
        rtm__session_renew_token(s_, now_, op, token);
        return op;
    }
    uint64_t Subscribe(std::vector<const char *> users, bool unsubscribe = false)
    {
        uint64_t op = ++next_op_;
        rtm__session_subscribe(s_, now_, op, users.data(), users.size(), unsubscribe);
        return op;
    }
    uint64_t QueryPeers(std::vector<const char *> users)
    {
        uint64_t op = ++next_op_;
        rtm__session_query_peers(s_, now_, op, users.data(), users.size());
        return op;
    }
    uint64_t GetMemberCount(std::vector<const char *> channels)
    {
        uint64_t op = ++next_op_;
        rtm__session_get_member_count(s_, now_, op, channels.data(), channels.size());
        return op;
    }
    uint64_t GetSubscribed()
    {
        uint64_t op = ++next_op_;
        rtm__session_get_subscribed(s_, now_, op);
        return op;
    }
    // Answers the last request of a kind with PeerStates{code, peers}.
    void AnswerStates(Rtm__Wire__Frame__BodyCase request, int code,
                      std::vector<std::pair<const char *, int>> peers)
    {
        const rtm__frame *req = LastSent(request);
        ASSERT_NE(req, nullptr);
        std::vector<Rtm__Wire__PeerState> items(peers.size());
        std::vector<Rtm__Wire__PeerState *> ptrs;
        for (size_t i = 0; i < peers.size(); i++) {
            rtm__wire__peer_state__init(&items[i]);
            items[i].user = const_cast<char *>(peers[i].first);
            items[i].state = peers[i].second;
            ptrs.push_back(&items[i]);
        }
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__PeerStates ps = RTM__WIRE__PEER_STATES__INIT;
        ps.code = code;
        ps.peers = ptrs.data();
        ps.n_peers = ptrs.size();
        f.request_id = req->request_id;
        f.body_case = RTM__WIRE__FRAME__BODY_PEER_STATES;
        f.peer_states = &ps;
        Receive(&f);
    }
    uint64_t SetChannelAttributes(const char *channel, int set_op,
                                  std::vector<rtm_attribute> attrs,
                                  std::vector<const char *> keys, bool notify)
    {
        uint64_t op = ++next_op_;
        rtm__session_set_channel_attributes(s_, now_, op, channel, set_op, attrs.data(),
                                            attrs.size(), keys.data(), keys.size(), notify);
        return op;
    }
    uint64_t GetChannelAttributes(const char *channel)
    {
        uint64_t op = ++next_op_;
        rtm__session_get_channel_attributes(s_, now_, op, channel, nullptr, 0);
        return op;
    }
    uint64_t GetAttributes(const char *user)
    {
        uint64_t op = ++next_op_;
        rtm__session_get_attributes(s_, now_, op, user, nullptr, 0);
        return op;
    }
    void DeliverPeer(uint64_t seq, const char *text)
    {
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__PeerDeliver d = RTM__WIRE__PEER_DELIVER__INIT;
        Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = const_cast<char *>(text);
        d.from = const_cast<char *>("bob");
        d.message = &m;
        d.seq = seq;
        f.body_case = RTM__WIRE__FRAME__BODY_PEER_DELIVER;
        f.peer_deliver = &d;
        Receive(&f);
    }
    void DeliverChannel(const char *ch, uint64_t seq, const char *text)
    {
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__ChannelDeliver d = RTM__WIRE__CHANNEL_DELIVER__INIT;
        Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = const_cast<char *>(text);
        d.channel = const_cast<char *>(ch);
        d.from = const_cast<char *>("bob");
        d.message = &m;
        d.seq = seq;
        f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER;
        f.channel_deliver = &d;
        Receive(&f);
    }
    // The link drops and comes back at once; the server answers the login.
    void Bounce(bool resumed)
    {
        LinkDown();
        LinkUp();
        LoginResult(RTM_LOGIN_ERR_OK, resumed);
    }
    // The frames of a kind that were sent, in order.
    std::vector<const rtm__frame *> AllSent(Rtm__Wire__Frame__BodyCase body) const
    {
        std::vector<const rtm__frame *> v;
        for (auto *f : frames_)
            if (f->body_case == body)
                v.push_back(f);
        return v;
    }

    void LinkUp() { rtm__session_link_up(s_, now_); }
    void LinkDown() { rtm__session_link_down(s_, now_); }

    // The server's side: answers and pushes.
    void Receive(rtm__frame *f)
    {
        size_t n = rtm__wire__frame__get_packed_size(f);
        std::vector<uint8_t> buf(n + 1);
        rtm__wire__frame__pack(f, buf.data());
        rtm__session_receive(s_, now_, buf.data(), n);
    }
    uint64_t server_ts = 1700000000000ull; // the server's clock at LoginResult
    void LoginResult(int code, bool resumed = false, uint64_t session_id = 77)
    {
        const rtm__frame *login = LastSent(RTM__WIRE__FRAME__BODY_LOGIN);
        ASSERT_NE(login, nullptr);
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__LoginResult r = RTM__WIRE__LOGIN_RESULT__INIT;
        r.code = code;
        r.resumed = resumed;
        r.session_id = session_id;
        r.server_ts = server_ts;
        f.request_id = login->request_id;
        f.body_case = RTM__WIRE__FRAME__BODY_LOGIN_RESULT;
        f.login_result = &r;
        Receive(&f);
    }
    // The server closes the link with a Close{code}.
    void Close(Rtm__Wire__Close__Code code)
    {
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__Close c = RTM__WIRE__CLOSE__INIT;
        c.code = code;
        c.detail = (char *)"test";
        f.body_case = RTM__WIRE__FRAME__BODY_CLOSE;
        f.close = &c;
        Receive(&f);
    }
    void Answer(Rtm__Wire__Frame__BodyCase request, int code)
    {
        const rtm__frame *req = LastSent(request);
        ASSERT_NE(req, nullptr);
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__Result r = RTM__WIRE__RESULT__INIT;
        r.code = code;
        f.request_id = req->request_id;
        f.body_case = RTM__WIRE__FRAME__BODY_RESULT;
        f.result = &r;
        Receive(&f);
    }
    // Answers every request of a kind sent since the last Clear().
    void AnswerEach(Rtm__Wire__Frame__BodyCase request, int code)
    {
        for (const rtm__frame *req : AllSent(request)) {
            rtm__frame f = RTM__WIRE__FRAME__INIT;
            Rtm__Wire__Result r = RTM__WIRE__RESULT__INIT;
            r.code = code;
            f.request_id = req->request_id;
            f.body_case = RTM__WIRE__FRAME__BODY_RESULT;
            f.result = &r;
            Receive(&f);
        }
    }
    void Ping()
    {
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__Ping p = RTM__WIRE__PING__INIT;
        f.body_case = RTM__WIRE__FRAME__BODY_PING;
        f.ping = &p;
        Receive(&f);
    }
    void Kick(int reason)
    {
        rtm__frame f = RTM__WIRE__FRAME__INIT;
        Rtm__Wire__Kick k = RTM__WIRE__KICK__INIT;
        k.reason = reason;
        f.body_case = RTM__WIRE__FRAME__BODY_KICK;
        f.kick = &k;
        Receive(&f);
    }

    // Logs in and reaches CONNECTED; clears what was recorded.
    void Connect(const char *user = "alice")
    {
        Login(user);
        LinkUp();
        LoginResult(RTM_LOGIN_ERR_OK);
        ASSERT_EQ(RTM_CONNECTION_STATE_CONNECTED, State());
        Clear();
    }

    // Connected, then the link drops and is not restored: RECONNECTING.
    void Reconnecting()
    {
        Connect();
        LinkDown(); // an attempt starts at once
        LinkDown(); // and fails
        Advance(params_.interrupt_report_ms * kMs);
        ASSERT_EQ(RTM_CONNECTION_STATE_RECONNECTING, State());
        Clear();
    }

    // The last frame of a kind the session sent, or null.
    const rtm__frame *LastSent(Rtm__Wire__Frame__BodyCase body) const
    {
        for (auto it = frames_.rbegin(); it != frames_.rend(); ++it)
            if ((*it)->body_case == body)
                return *it;
        return nullptr;
    }
    int CountSent(Rtm__Wire__Frame__BodyCase body) const
    {
        int n = 0;
        for (auto *f : frames_)
            n += f->body_case == body;
        return n;
    }
    std::vector<Rtm__Wire__Frame__BodyCase> SentBodies() const
    {
        std::vector<Rtm__Wire__Frame__BodyCase> v;
        for (auto *f : frames_)
            v.push_back(f->body_case);
        return v;
    }

    void Clear()
    {
        states.clear();
        state_times.clear();
        results.clear();
        opens = closes = 0;
        for (auto *f : frames_)
            rtm__frame_free(f);
        frames_.clear();
    }

    int State() const { return rtm__session_state(s_); }
    rtm__time now() const { return now_; }
    rtm__session *session() { return s_; }
    const rtm__params &params() const { return params_; }

    std::vector<std::pair<int, int>> states;
    std::vector<rtm__time> state_times;
    std::map<uint64_t, Result> results;
    int opens = 0;
    int closes = 0;
    std::vector<std::string> peer_texts;
    std::vector<std::string> call_signals; // "from:kind:call_id@age_ms"
    std::vector<std::string> channel_texts;
    std::vector<std::string> member_events;
    std::vector<std::vector<uint32_t>> replays;
    int token_expired = 0;
    std::vector<uint32_t> will_expire;
    std::vector<std::string> peer_states; // "user=state" per PeerStateEvent entry
    std::vector<std::string> member_counts; // "channel=count" per MemberCountEvent
    std::vector<std::string> channel_attributes; // "channel:k=v,..." per event

  private:
    static Harness *H(void *ud) { return static_cast<Harness *>(ud); }
    static void OpenLink(void *ud) { H(ud)->opens++; }
    static void CloseLink(void *ud) { H(ud)->closes++; }
    static void Send(void *ud, const uint8_t *b, size_t len)
    {
        // Every send is whole frames; split and keep them.
        size_t off = 0;
        while (off < len) {
            rtm__frame *f = nullptr;
            size_t used = 0;
            ASSERT_EQ(RTM__FRAME_OK,
                      rtm__frame_decode(b + off, len - off,
                                        RTM__FRAME_MAX_DEFAULT, &f, &used));
            H(ud)->frames_.push_back(f);
            off += used;
        }
    }
    static void StateChanged(void *ud, int state, int reason)
    {
        H(ud)->states.emplace_back(state, reason);
        H(ud)->state_times.push_back(H(ud)->now_);
    }
    static void OpDone(void *ud, uint64_t op, rtm__op_kind kind, int code,
                       const rtm__frame *answer)
    {
        EXPECT_EQ(0u, H(ud)->results.count(op)) << "op completed twice";
        Result r{kind, code, {}};
        if (answer != nullptr &&
            answer->body_case == RTM__WIRE__FRAME__BODY_MEMBERS)
            for (size_t i = 0; i < answer->members->n_users; i++)
                r.users.emplace_back(answer->members->users[i]);
        if (answer != nullptr &&
            answer->body_case == RTM__WIRE__FRAME__BODY_MEMBER_COUNTS)
            for (size_t i = 0; i < answer->member_counts->n_counts; i++)
                r.users.push_back(std::string(answer->member_counts->counts[i]->channel) + "=" +
                                  std::to_string(answer->member_counts->counts[i]->count));
        if (answer != nullptr &&
            answer->body_case == RTM__WIRE__FRAME__BODY_PEER_STATES)
            for (size_t i = 0; i < answer->peer_states->n_peers; i++)
                r.users.push_back(std::string(answer->peer_states->peers[i]->user) + "=" +
                                  std::to_string(answer->peer_states->peers[i]->state));
        if (answer != nullptr &&
            answer->body_case == RTM__WIRE__FRAME__BODY_ATTRIBUTES)
            for (size_t i = 0; i < answer->attributes->n_attributes; i++)
                r.users.push_back(std::string(answer->attributes->attributes[i]->key) +
                                  "=" + answer->attributes->attributes[i]->value);
        if (answer != nullptr &&
            answer->body_case == RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES)
            for (size_t i = 0; i < answer->channel_attributes->n_attributes; i++) {
                const Rtm__Wire__Attribute *a = answer->channel_attributes->attributes[i];
                r.users.push_back(std::string(a->key) + "=" + a->value + "@" +
                                  a->last_update_user + "/" +
                                  std::to_string(a->last_update_ts));
            }
        H(ud)->results[op] = r;
    }
    static void CallSignal(void *ud, const char *from, const Rtm__Wire__CallSignal *sig,
                           uint64_t age_ms)
    {
        H(ud)->call_signals.push_back(std::string(from) + ":" + std::to_string(sig->kind) +
                                      ":" + std::to_string(sig->call_id) + "@" +
                                      std::to_string(age_ms));
    }
    static void PeerMessage(void *ud, const Rtm__Wire__PeerDeliver *m)
    {
        H(ud)->peer_texts.emplace_back(m->message->text);
    }
    static void ChannelMessage(void *ud, const Rtm__Wire__ChannelDeliver *m)
    {
        H(ud)->channel_texts.emplace_back(std::string(m->channel) + ":" +
                                          m->message->text);
    }
    static void ReplayDone(void *ud, const Rtm__Wire__ReplayDone *r)
    {
        H(ud)->replays.push_back({r->peer_messages, r->channel_messages,
                                  r->channel_skipped, r->peer_dropped});
    }
    static void MemberEvent(void *ud, const Rtm__Wire__MemberEvent *m)
    {
        H(ud)->member_events.push_back(std::string(m->joined ? "+" : "-") +
                                       m->user);
    }
    static void Log(void *, int, const char *) {}
    static uint32_t Random(void *ud) { return H(ud)->rng_ = H(ud)->rng_ * 1103515245u + 12345u; }

    static void TokenExpired(void *ud) { H(ud)->token_expired++; }
    static void TokenWillExpire(void *ud, uint32_t left)
    {
        H(ud)->will_expire.push_back(left);
    }
    static void MemberCount(void *ud, const Rtm__Wire__MemberCountEvent *e)
    {
        H(ud)->member_counts.push_back(std::string(e->channel) + "=" + std::to_string(e->count));
    }
    static void PeerStates(void *ud, const Rtm__Wire__PeerStateEvent *e)
    {
        for (size_t i = 0; i < e->n_peers; i++)
            H(ud)->peer_states.push_back(std::string(e->peers[i]->user) + "=" +
                                         std::to_string(e->peers[i]->state));
    }

    static void ChannelAttributes(void *ud, const Rtm__Wire__ChannelAttributesEvent *e)
    {
        std::string line = std::string(e->channel) + ":";
        for (size_t i = 0; i < e->n_attributes; i++)
            line += std::string(i ? "," : "") + e->attributes[i]->key + "=" +
                    e->attributes[i]->value;
        H(ud)->channel_attributes.push_back(line);
    }

    static constexpr rtm__session_ops kOps = {
        OpenLink, CloseLink, Send, StateChanged, OpDone, PeerMessage, CallSignal,
        ChannelMessage, MemberEvent, ReplayDone, TokenExpired, TokenWillExpire,
        PeerStates, MemberCount, ChannelAttributes, Log, Random};

    rtm__params params_;
    rtm__session *s_ = nullptr;
    rtm__time now_ = 0;
    uint64_t next_op_ = 0;
    uint32_t rng_ = 1;
    std::vector<rtm__frame *> frames_;
};

using States = std::vector<std::pair<int, int>>;

// For tests where the virtual server sends no heartbeats: a link is not
// declared dead by silence.
constexpr const char *kQuietServer = "{\"rtm.link_timeout_ms\": 600000}";
constexpr int DISCONNECTED = RTM_CONNECTION_STATE_DISCONNECTED;
constexpr int CONNECTING = RTM_CONNECTION_STATE_CONNECTING;
constexpr int CONNECTED = RTM_CONNECTION_STATE_CONNECTED;
constexpr int RECONNECTING = RTM_CONNECTION_STATE_RECONNECTING;
constexpr int ABORTED = RTM_CONNECTION_STATE_ABORTED;

// ---------------------------------------------------------------------------
// S2, S3: login

TEST(SessionLogin, S2_LoginMovesToConnectingAndOpensALink)
{
    Harness h;
    h.Login();
    EXPECT_EQ((States{{CONNECTING, RTM_CONNECTION_CHANGE_REASON_LOGIN}}), h.states);
    EXPECT_EQ(1, h.opens);
    EXPECT_TRUE(h.results.empty());
}

TEST(SessionLogin, S3_AcceptedLoginMovesToConnectedAndReportsSuccess)
{
    Harness h;
    uint64_t op = h.Login("alice", "t0ken");
    h.LinkUp();
    // Hello (with the protocol version) then Login (user, token, instance).
    ASSERT_EQ((std::vector<Rtm__Wire__Frame__BodyCase>{
                  RTM__WIRE__FRAME__BODY_HELLO, RTM__WIRE__FRAME__BODY_LOGIN}),
              h.SentBodies());
    EXPECT_EQ(1u, h.LastSent(RTM__WIRE__FRAME__BODY_HELLO)->hello->version);
    const rtm__frame *login = h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN);
    EXPECT_STREQ("alice", login->login->user_id);
    EXPECT_STREQ("t0ken", login->login->token);
    EXPECT_STREQ("app", login->login->app_id);
    EXPECT_NE(0u, login->request_id);
    h.LoginResult(RTM_LOGIN_ERR_OK);
    EXPECT_EQ((States{{CONNECTING, RTM_CONNECTION_CHANGE_REASON_LOGIN},
                      {CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS}}),
              h.states);
    ASSERT_EQ(1u, h.results.count(op));
    EXPECT_EQ(RTM_LOGIN_ERR_OK, h.results[op].code);
}

// S4: refusal

TEST(SessionLogin, S4_RefusedLoginMovesToDisconnectedWithTheLoginError)
{
    for (int code : {RTM_LOGIN_ERR_INVALID_TOKEN, RTM_LOGIN_ERR_INVALID_APP_ID,
                     RTM_LOGIN_ERR_REJECTED, RTM_LOGIN_ERR_TOKEN_EXPIRED}) {
        Harness h;
        uint64_t op = h.Login();
        h.LinkUp();
        h.LoginResult(code);
        EXPECT_EQ((States{{CONNECTING, RTM_CONNECTION_CHANGE_REASON_LOGIN},
                          {DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE}}),
                  h.states);
        EXPECT_EQ(code, h.results[op].code);
        EXPECT_EQ(1, h.closes);
        // S6: and no retry of its own.
        h.Advance(60 * kSec);
        EXPECT_EQ(1, h.opens);
    }
}

// S4: a Close that trying again cannot help ends the first login at once,
// with the LoginError it means; one that is just a lost link is retried.
TEST(SessionLogin, S4_ServerClosingTheFirstLoginRefusesItAtOnce)
{
    struct Case {
        Rtm__Wire__Close__Code close;
        int code; // 0: retried, as a lost link
    };
    for (Case c : {Case{RTM__WIRE__CLOSE__CODE__CLOSE_OVERLOADED, RTM_LOGIN_ERR_REJECTED},
                   Case{RTM__WIRE__CLOSE__CODE__CLOSE_VERSION, RTM_LOGIN_ERR_REJECTED},
                   Case{RTM__WIRE__CLOSE__CODE__CLOSE_PROTOCOL, RTM_LOGIN_ERR_REJECTED},
                   Case{RTM__WIRE__CLOSE__CODE__CLOSE_TOO_LARGE,
                        RTM_LOGIN_ERR_INVALID_ARGUMENT},
                   Case{RTM__WIRE__CLOSE__CODE__CLOSE_SHUTDOWN, 0},
                   Case{RTM__WIRE__CLOSE__CODE__CLOSE_LOGIN_DEADLINE, 0},
                   Case{RTM__WIRE__CLOSE__CODE__CLOSE_STORE_FAILED, 0}}) {
        SCOPED_TRACE(c.close);
        Harness h;
        uint64_t op = h.Login();
        h.Advance(100 * kMs);
        h.LinkUp();
        h.Close(c.close);
        if (c.code != 0) {
            EXPECT_EQ((States{{CONNECTING, RTM_CONNECTION_CHANGE_REASON_LOGIN},
                              {DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_FAILURE}}),
                      h.states);
            EXPECT_EQ(100 * kMs, h.state_times.back()); // not at the 6 s timeout
            EXPECT_EQ(c.code, h.results[op].code);
            h.Advance(60 * kSec);
            EXPECT_EQ(1, h.opens); // S6: no retry of its own
        } else {
            EXPECT_EQ(CONNECTING, h.State());
            EXPECT_EQ(0u, h.results.count(op));
            h.AdvanceTo(rtm__session_expiry(h.session()));
            EXPECT_EQ(2, h.opens);
        }
    }
}

// S5: login timeout

TEST(SessionLogin, S5_SilentServerTimesOutAtExactly6s)
{
    Harness h;
    uint64_t op = h.Login();
    h.LinkUp(); // TCP up, but the server never answers
    h.AdvanceTo(5999 * kMs);
    EXPECT_EQ(CONNECTING, h.State());
    EXPECT_EQ(0u, h.results.count(op));
    h.AdvanceTo(6000 * kMs);
    EXPECT_EQ((States{{CONNECTING, RTM_CONNECTION_CHANGE_REASON_LOGIN},
                      {DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_TIMEOUT}}),
              h.states);
    EXPECT_EQ(6000 * kMs, h.state_times.back());
    EXPECT_EQ(RTM_LOGIN_ERR_TIMEOUT, h.results[op].code);
}

TEST(SessionLogin, S5_RefusedConnectionsAreRetriedUntilThe6sTimeout)
{
    Harness h;
    uint64_t op = h.Login();
    // Every attempt is refused at once.
    while (h.State() == CONNECTING && h.now() < 10 * kSec) {
        if (h.opens > 0)
            h.LinkDown();
        h.AdvanceTo(rtm__session_expiry(h.session()));
    }
    EXPECT_GT(h.opens, 3);
    EXPECT_EQ(6000 * kMs, h.state_times.back());
    EXPECT_EQ(RTM_LOGIN_ERR_TIMEOUT, h.results[op].code);
    EXPECT_EQ(DISCONNECTED, h.State());
}

TEST(SessionLogin, S5_TimeoutIsAParameter)
{
    Harness h("{\"rtm.login_timeout_ms\": 1500}");
    uint64_t op = h.Login();
    h.AdvanceTo(1499 * kMs);
    EXPECT_EQ(CONNECTING, h.State());
    h.AdvanceTo(1500 * kMs);
    EXPECT_EQ(DISCONNECTED, h.State());
    EXPECT_EQ(RTM_LOGIN_ERR_TIMEOUT, h.results[op].code);
}

TEST(SessionLogin, S6_NoRetryFromDisconnected)
{
    Harness h;
    h.Login();
    h.AdvanceTo(6 * kSec);
    ASSERT_EQ(DISCONNECTED, h.State());
    int opens = h.opens;
    size_t states = h.states.size();
    h.Advance(10 * 60 * kSec);
    EXPECT_EQ(opens, h.opens);
    EXPECT_EQ(states, h.states.size());
    EXPECT_EQ(RTM__TIME_NEVER, rtm__session_expiry(h.session()));
}

// A2: login in the wrong state, or too often

TEST(SessionLogin, A2_LoginWhenNotDisconnectedFailsAndChangesNothing)
{
    // CONNECTING
    {
        Harness h;
        h.Login();
        h.Clear();
        uint64_t op = h.Login();
        EXPECT_EQ(RTM_LOGIN_ERR_ALREADY_LOGIN, h.results[op].code);
        EXPECT_TRUE(h.states.empty());
        EXPECT_EQ(0, h.opens);
    }
    // CONNECTED
    {
        Harness h;
        h.Connect();
        uint64_t op = h.Login();
        EXPECT_EQ(RTM_LOGIN_ERR_ALREADY_LOGIN, h.results[op].code);
        EXPECT_TRUE(h.states.empty());
    }
    // RECONNECTING
    {
        Harness h;
        h.Reconnecting();
        uint64_t op = h.Login();
        EXPECT_EQ(RTM_LOGIN_ERR_ALREADY_LOGIN, h.results[op].code);
        EXPECT_TRUE(h.states.empty());
    }
    // ABORTED
    {
        Harness h;
        h.Connect();
        h.Kick(RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
        h.Clear();
        uint64_t op = h.Login();
        EXPECT_EQ(RTM_LOGIN_ERR_ALREADY_LOGIN, h.results[op].code);
        EXPECT_TRUE(h.states.empty());
    }
}

TEST(SessionLogin, A2_MoreThanTwoLoginsPerSecondAreTooOften)
{
    Harness h;
    h.Login();
    h.Logout();
    h.Advance(100 * kMs);
    h.Login();
    h.Logout();
    h.AdvanceTo(999 * kMs);
    h.Clear();
    uint64_t op = h.Login();
    EXPECT_EQ(RTM_LOGIN_ERR_TOO_OFTEN, h.results[op].code);
    EXPECT_TRUE(h.states.empty());
    EXPECT_EQ(0, h.opens);
    // A second after the first, a login is allowed again.
    h.AdvanceTo(1000 * kMs);
    op = h.Login();
    EXPECT_EQ(0u, h.results.count(op));
    EXPECT_EQ(CONNECTING, h.State());
}

TEST(SessionLogin, A3_InvalidUserIdIsRefusedAndNothingIsSent)
{
    const std::string too_long(RTM__ID_MAX + 1, 'a');
    for (const char *id : {"", "null", "a/b", "tab\there", "é", too_long.c_str()}) {
        Harness h;
        uint64_t op = h.Login(id);
        EXPECT_EQ(RTM_LOGIN_ERR_INVALID_ARGUMENT, h.results[op].code) << id;
        EXPECT_TRUE(h.states.empty());
        EXPECT_EQ(0, h.opens);
    }
    Harness h;
    const std::string longest(RTM__ID_MAX, 'a');
    h.Login(longest.c_str());
    EXPECT_EQ(CONNECTING, h.State());
}

// Issue 14: a token longer than any server takes (RTM__TOKEN_MAX_LEN bytes)
// is refused at once with LOGIN_ERR_INVALID_TOKEN, nothing sent and no state
// change, where it used to be sent and time out after 6 s; the longest one
// is sent.
TEST(SessionLogin, OversizedTokenIsRefusedAtOnceAndNothingIsSent)
{
    const std::string too_long(RTM__TOKEN_MAX_LEN + 1, 'a');
    Harness h;
    uint64_t op = h.Login("alice", too_long.c_str());
    EXPECT_EQ(RTM_LOGIN_ERR_INVALID_TOKEN, h.results[op].code);
    EXPECT_TRUE(h.states.empty());
    EXPECT_EQ(0, h.opens);
    Harness ok;
    const std::string longest(RTM__TOKEN_MAX_LEN, 'a');
    ok.Login("alice", longest.c_str());
    EXPECT_EQ(CONNECTING, ok.State());
}

// ---------------------------------------------------------------------------
// S17: logout

TEST(SessionLogout, S17_LogoutFromEveryLoggedInStateMovesToDisconnected)
{
    auto check = [](Harness &h) {
        h.Clear();
        uint64_t op = h.Logout();
        EXPECT_EQ((States{{DISCONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGOUT}}),
                  h.states);
        EXPECT_EQ(RTM_LOGOUT_ERR_OK, h.results[op].code);
        // Nothing more happens: no retry, no timer.
        h.Advance(60 * kSec);
        EXPECT_EQ(0, h.opens);
        EXPECT_EQ(1u, h.states.size());
    };
    {
        Harness h; // CONNECTING: the pending login fails
        uint64_t login = h.Login();
        check(h);
        EXPECT_EQ(RTM_LOGIN_ERR_UNKNOWN, h.results[login].code);
    }
    {
        Harness h; // CONNECTED: a Logout frame tells the server
        h.Connect();
        h.Clear();
        h.Logout();
        EXPECT_EQ(1, h.CountSent(RTM__WIRE__FRAME__BODY_LOGOUT));
        EXPECT_EQ(1, h.closes);
    }
    {
        Harness h;
        h.Connect();
        check(h);
    }
    {
        Harness h; // S11: RECONNECTING
        h.Reconnecting();
        check(h);
    }
    {
        Harness h; // S16: ABORTED
        h.Connect();
        h.Kick(RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
        check(h);
    }
}

TEST(SessionLogout, S1_LogoutWhenDisconnectedReportsNoStateChange)
{
    Harness h;
    uint64_t op = h.Logout();
    EXPECT_TRUE(h.states.empty());
    EXPECT_EQ(RTM_LOGOUT_ERR_USER_NOT_LOGGED_IN, h.results[op].code);
}

TEST(SessionLogout, S17_LoginWorksAgainAfterLogout)
{
    Harness h;
    h.Connect();
    h.Logout();
    h.Advance(1 * kSec);
    h.Clear();
    uint64_t op = h.Login("bob");
    h.LinkUp();
    EXPECT_STREQ("bob", h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN)->login->user_id);
    h.LoginResult(RTM_LOGIN_ERR_OK);
    EXPECT_EQ(RTM_LOGIN_ERR_OK, h.results[op].code);
    EXPECT_EQ(CONNECTED, h.State());
}

// ---------------------------------------------------------------------------
// S16: kicked by a login elsewhere

TEST(SessionKick, S16_RemoteLoginAbortsAndDoesNotReconnect)
{
    Harness h;
    h.Connect();
    uint64_t pending = h.SendPeer("bob", "hi");
    h.Kick(RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
    EXPECT_EQ((States{{ABORTED, RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN}}), h.states);
    EXPECT_EQ(1, h.closes);
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_USER_NOT_LOGGED_IN, h.results[pending].code);
    h.Advance(10 * 60 * kSec);
    EXPECT_EQ(0, h.opens);
    EXPECT_EQ(1u, h.states.size());
    EXPECT_EQ(ABORTED, h.State());
}

TEST(SessionKick, A1_BannedByServerAborts)
{
    Harness h;
    h.Connect();
    h.Kick(RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
    EXPECT_EQ((States{{ABORTED, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER}}),
              h.states);
    h.Advance(60 * kSec);
    EXPECT_EQ(0, h.opens);
}

// ---------------------------------------------------------------------------
// S7, S8, S11: interruption and reconnection

TEST(SessionInterruption, S7_LinkRestoredWithin4sIsNotReported)
{
    Harness h(kQuietServer);
    h.Connect();
    h.Advance(10 * kSec);
    h.Ping();
    h.LinkDown();
    EXPECT_EQ(1, h.opens); // restored at once
    h.Advance(3900 * kMs); // a blip of 3.9 s
    EXPECT_TRUE(h.states.empty());
    h.LinkUp();
    EXPECT_TRUE(h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN) != nullptr);
    h.LoginResult(RTM_LOGIN_ERR_OK, true);
    h.Advance(60 * kSec);
    EXPECT_TRUE(h.states.empty());
    EXPECT_EQ(CONNECTED, h.State());
}

TEST(SessionInterruption, S7_ClosedLinkNotBackIn4sIsReportedAt4s)
{
    Harness h(kQuietServer);
    h.Connect();
    h.Advance(10 * kSec);
    const rtm__time lost = h.now();
    h.LinkDown();
    h.LinkDown(); // the immediate attempt is refused
    h.AdvanceTo(lost + 3999 * kMs);
    EXPECT_TRUE(h.states.empty());
    h.AdvanceTo(lost + 4000 * kMs);
    EXPECT_EQ((States{{RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED}}),
              h.states);
    EXPECT_EQ(lost + 4000 * kMs, h.state_times[0]);
}

TEST(SessionInterruption, S7_SilentLinkIsReportedBetween4And5sAfterTheLastData)
{
    Harness h;
    h.Connect();
    // The server's heartbeats arrive until t = 5 s, then nothing: no FIN,
    // no RST, the link just goes quiet.
    for (int i = 1; i <= 5; i++) {
        h.AdvanceTo(i * kSec);
        h.Ping();
    }
    const rtm__time last_data = h.now();
    // The client keeps sending heartbeats meanwhile.
    h.AdvanceTo(last_data + 2500 * kMs);
    EXPECT_GE(h.CountSent(RTM__WIRE__FRAME__BODY_PING), 2);
    EXPECT_EQ(0, h.closes);
    // Declared dead after the link timeout, and a new link is tried at once;
    // it hangs too (a SYN into the void).
    h.AdvanceTo(last_data + 3000 * kMs);
    EXPECT_EQ(1, h.closes);
    EXPECT_EQ(1, h.opens);
    h.AdvanceTo(last_data + 6000 * kMs);
    ASSERT_EQ((States{{RECONNECTING, RTM_CONNECTION_CHANGE_REASON_INTERRUPTED}}),
              h.states);
    EXPECT_GE(h.state_times[0], last_data + 4000 * kMs);
    EXPECT_LE(h.state_times[0], last_data + 5000 * kMs);
}

TEST(SessionInterruption, S8_ReconnectsForeverWithCappedJitteredBackoff)
{
    Harness h;
    h.Reconnecting();
    // Every attempt fails for an hour.
    std::vector<rtm__time> attempts;
    int prev_opens = 0;
    while (h.now() < 3600 * kSec) {
        h.AdvanceTo(rtm__session_expiry(h.session()));
        if (h.opens != prev_opens) {
            attempts.push_back(h.now());
            prev_opens = h.opens;
            h.LinkDown();
        }
    }
    EXPECT_EQ(RECONNECTING, h.State());
    EXPECT_TRUE(h.states.empty()); // still RECONNECTING, reported once before
    ASSERT_GT(attempts.size(), 400u); // an hour at <= 8 s apart
    rtm__time min_gap = UINT64_MAX, max_gap = 0;
    for (size_t i = 1; i < attempts.size(); i++) {
        rtm__time gap = attempts[i] - attempts[i - 1];
        min_gap = std::min(min_gap, gap);
        max_gap = std::max(max_gap, gap);
    }
    EXPECT_GE(min_gap, h.params().reconnect_min_ms * kMs);
    EXPECT_LE(max_gap, h.params().reconnect_max_ms * kMs);
    EXPECT_NE(min_gap, max_gap); // jittered, not a fixed period
}

TEST(SessionInterruption, S8_SuccessfulReconnectionReportsConnectedWithoutLoginResult)
{
    Harness h;
    h.Reconnecting();
    h.AdvanceTo(rtm__session_expiry(h.session()));
    ASSERT_EQ(1, h.opens);
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_OK, true);
    EXPECT_EQ((States{{CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS}}),
              h.states);
    EXPECT_TRUE(h.results.empty());
}

TEST(SessionInterruption, S8_RefusedReconnectionKeepsTrying)
{
    Harness h;
    h.Reconnecting();
    h.AdvanceTo(rtm__session_expiry(h.session()));
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_REJECTED);
    EXPECT_TRUE(h.states.empty());
    EXPECT_EQ(RECONNECTING, h.State());
    h.AdvanceTo(rtm__session_expiry(h.session()));
    EXPECT_EQ(2, h.opens);
}

TEST(SessionInterruption, S8_ServerAtItsLinkCapIsTriedAgainWhileReconnecting)
{
    Harness h;
    h.Reconnecting();
    h.AdvanceTo(rtm__session_expiry(h.session()));
    h.LinkUp();
    h.Close(RTM__WIRE__CLOSE__CODE__CLOSE_OVERLOADED);
    EXPECT_TRUE(h.states.empty());
    EXPECT_EQ(RECONNECTING, h.State());
    h.AdvanceTo(rtm__session_expiry(h.session()));
    EXPECT_EQ(2, h.opens);
}

TEST(SessionInterruption, S14_ChannelsAreRejoinedWhenTheSessionWasNotKept)
{
    Harness h;
    h.Connect();
    h.Join("c1");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    h.Join("c2");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    h.Clear();
    h.LinkDown();
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_OK, /*resumed=*/false);
    EXPECT_EQ(2, h.CountSent(RTM__WIRE__FRAME__BODY_JOIN));
    h.AnswerEach(RTM__WIRE__FRAME__BODY_JOIN, 0);
    EXPECT_TRUE(h.results.empty()); // the application asked for nothing
    // When the server kept the session, nothing is rejoined.
    h.Clear();
    h.LinkDown();
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_OK, /*resumed=*/true);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_JOIN));
}

TEST(SessionInterruption, OperationsMadeWhileRestoringAreSentOnceBack)
{
    Harness h;
    h.Connect();
    h.LinkDown();
    uint64_t op = h.SendPeer("bob", "while away");
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_SEND));
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_OK, true);
    EXPECT_EQ(1, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_SEND));
    h.Answer(RTM__WIRE__FRAME__BODY_PEER_SEND, 0);
    EXPECT_EQ(0, h.results[op].code);
}

// ---------------------------------------------------------------------------
// Heartbeats

TEST(SessionHeartbeat, IdleClientSendsHeartbeats)
{
    Harness h(kQuietServer);
    h.Connect();
    h.Advance(999 * kMs);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_PING));
    h.Advance(1 * kMs);
    EXPECT_EQ(1, h.CountSent(RTM__WIRE__FRAME__BODY_PING));
    h.Advance(10 * kSec);
    EXPECT_EQ(11, h.CountSent(RTM__WIRE__FRAME__BODY_PING));
}

// ---------------------------------------------------------------------------
// A7: operation timeouts, and results

TEST(SessionOps, A7_PeerMessageTimesOutAfter10s)
{
    Harness h;
    h.Connect();
    uint64_t op = h.SendPeer("bob", "hello");
    const rtm__frame *f = h.LastSent(RTM__WIRE__FRAME__BODY_PEER_SEND);
    ASSERT_NE(nullptr, f);
    EXPECT_STREQ("bob", f->peer_send->to);
    EXPECT_STREQ("hello", f->peer_send->message->text);
    const rtm__time sent = h.now();
    // The server keeps the link alive but never answers this request.
    for (int i = 1; i <= 9; i++) {
        h.AdvanceTo(sent + i * kSec);
        h.Ping();
    }
    h.AdvanceTo(sent + 9999 * kMs);
    EXPECT_EQ(0u, h.results.count(op));
    h.Ping();
    h.AdvanceTo(sent + 10000 * kMs);
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_TIMEOUT, h.results[op].code);
}

TEST(SessionOps, A7_JoinAndGetMembersTimeOutAfter5sChannelMessageAfter10s)
{
    Harness h(kQuietServer);
    h.Connect();
    h.Join("c1");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    const rtm__time t0 = h.now();
    uint64_t join = h.Join("c2");
    uint64_t members = h.Members("c1");
    uint64_t msg = h.SendChannel("c1", "hi");
    h.AdvanceTo(t0 + 4999 * kMs);
    EXPECT_TRUE(h.results.count(join) + h.results.count(members) == 0);
    h.AdvanceTo(t0 + 5000 * kMs);
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_TIMEOUT, h.results[join].code);
    EXPECT_EQ(RTM_GET_MEMBERS_ERR_TIMEOUT, h.results[members].code);
    EXPECT_EQ(0u, h.results.count(msg));
    h.AdvanceTo(t0 + 10000 * kMs);
    EXPECT_EQ(RTM_CHANNEL_MESSAGE_ERR_TIMEOUT, h.results[msg].code);
    // The join that timed out left no trace: it can be tried again.
    uint64_t again = h.Join("c2");
    EXPECT_EQ(0u, h.results.count(again));
}

TEST(SessionOps, OperationsNeedALoggedInUser)
{
    Harness h;
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_USER_NOT_LOGGED_IN, h.results[h.SendPeer("bob", "x")].code);
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_USER_NOT_LOGGED_IN, h.results[h.Join("c")].code);
    EXPECT_EQ(RTM_LEAVE_CHANNEL_ERR_USER_NOT_LOGGED_IN, h.results[h.Leave("c")].code);
    EXPECT_EQ(RTM_GET_MEMBERS_ERR_USER_NOT_LOGGED_IN, h.results[h.Members("c")].code);
    EXPECT_EQ(RTM_CHANNEL_MESSAGE_ERR_USER_NOT_LOGGED_IN,
              h.results[h.SendChannel("c", "x")].code);
    EXPECT_EQ(0, h.opens);
}

TEST(SessionOps, ServerCodesArePassedThrough)
{
    Harness h;
    h.Connect();
    uint64_t op = h.SendPeer("nobody", "hi");
    h.Answer(RTM__WIRE__FRAME__BODY_PEER_SEND, RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE);
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE, h.results[op].code);
}

TEST(SessionOps, A5_JoinLimitsAndChannelBookkeeping)
{
    Harness h(kQuietServer);
    h.Connect();
    for (int i = 0; i < 20; i++) {
        std::string ch = "c" + std::to_string(i);
        uint64_t op = h.Join(ch.c_str());
        h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
        ASSERT_EQ(0, h.results[op].code);
    }
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_EXCEED_LIMIT, h.results[h.Join("c20")].code);
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED, h.results[h.Join("c3")].code);
    EXPECT_EQ(RTM_LEAVE_CHANNEL_ERR_NOT_IN_CHANNEL, h.results[h.Leave("x")].code);
    EXPECT_EQ(RTM_GET_MEMBERS_ERR_NOT_IN_CHANNEL, h.results[h.Members("x")].code);
    EXPECT_EQ(RTM_CHANNEL_MESSAGE_ERR_FAILURE, h.results[h.SendChannel("x", "m")].code);
    uint64_t leave = h.Leave("c3");
    h.Answer(RTM__WIRE__FRAME__BODY_LEAVE, 0);
    EXPECT_EQ(0, h.results[leave].code);
    uint64_t join = h.Join("c20");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    EXPECT_EQ(0, h.results[join].code);
}

TEST(SessionOps, MembersListComesBackWithTheResult)
{
    Harness h;
    h.Connect();
    h.Join("c1");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    uint64_t op = h.Members("c1");
    const rtm__frame *req = h.LastSent(RTM__WIRE__FRAME__BODY_GET_MEMBERS);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Members m = RTM__WIRE__MEMBERS__INIT;
    char a[] = "alice", b[] = "bob";
    char *users[] = {a, b};
    m.users = users;
    m.n_users = 2;
    f.request_id = req->request_id;
    f.body_case = RTM__WIRE__FRAME__BODY_MEMBERS;
    f.members = &m;
    h.Receive(&f);
    EXPECT_EQ(0, h.results[op].code);
    EXPECT_EQ((std::vector<std::string>{"alice", "bob"}), h.results[op].users);
}

TEST(SessionOps, PeerMessagesAreDeliveredAndAcknowledged)
{
    Harness h;
    h.Connect();
    h.DeliverPeer(7, "hi");
    EXPECT_EQ((std::vector<std::string>{"hi"}), h.peer_texts);
    // Acknowledged 20 ms later, together with what came meanwhile.
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_ACK));
    h.Advance(10 * RTM__MS);
    h.DeliverPeer(8, "hi");
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_ACK));
    h.Advance(10 * RTM__MS);
    ASSERT_EQ(1, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_ACK));
    EXPECT_EQ(8u, h.LastSent(RTM__WIRE__FRAME__BODY_PEER_ACK)->peer_ack->seq);
}

// Call invitations (SPEC C1-C7) travel as peer messages: the signal goes
// out as a PeerSend kept for an absent peer, and one that comes in goes to
// the invitation machine, with its age by the server's clock, never to the
// application's messages; it is acknowledged and de-duplicated like them.
TEST(SessionOps, C3_CallSignalsTravelAsKeptPeerMessages)
{
    Harness h(kQuietServer);
    h.Connect();
    Rtm__Wire__CallSignal sig = RTM__WIRE__CALL_SIGNAL__INIT;
    sig.kind = RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE;
    sig.call_id = 99;
    sig.content = (char *)"ring";
    uint64_t op = h.SendCall("bob", &sig);
    const rtm__frame *f = h.LastSent(RTM__WIRE__FRAME__BODY_PEER_SEND);
    ASSERT_NE(nullptr, f);
    EXPECT_STREQ("bob", f->peer_send->to);
    EXPECT_TRUE(f->peer_send->enable_offline);
    ASSERT_NE(nullptr, f->peer_send->message->call);
    EXPECT_EQ(99u, f->peer_send->message->call->call_id);
    EXPECT_STREQ("ring", f->peer_send->message->call->content);
    EXPECT_NE(0u, f->peer_send->send_seq);
    h.Answer(RTM__WIRE__FRAME__BODY_PEER_SEND, RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
    EXPECT_EQ(RTM__OP_CALL_SIGNAL, h.results[op].kind);
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER, h.results[op].code);

    // In: 3 s after the login result, a signal the server took 2.5 s after it.
    h.Advance(3 * kSec);
    rtm__frame in = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__PeerDeliver d = RTM__WIRE__PEER_DELIVER__INIT;
    Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
    sig.kind = RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT;
    m.call = &sig;
    m.server_ts = h.server_ts + 2500;
    d.from = (char *)"bob";
    d.message = &m;
    d.seq = 1;
    in.body_case = RTM__WIRE__FRAME__BODY_PEER_DELIVER;
    in.peer_deliver = &d;
    h.Receive(&in);
    h.Receive(&in); // a replay's overlap: dropped
    EXPECT_EQ((std::vector<std::string>{"bob:3:99@500"}), h.call_signals);
    EXPECT_TRUE(h.peer_texts.empty());
    h.Advance(100 * kMs);
    ASSERT_NE(nullptr, h.LastSent(RTM__WIRE__FRAME__BODY_PEER_ACK));
    EXPECT_EQ(1u, h.LastSent(RTM__WIRE__FRAME__BODY_PEER_ACK)->peer_ack->seq);
    // One not logged in is refused at once, like a peer message.
    h.Logout();
    op = h.SendCall("bob", &sig);
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_USER_NOT_LOGGED_IN, h.results[op].code);
}

// A burst is acknowledged every 32 deliveries, without waiting; PeerAck is
// cumulative (docs/PROTOCOL.md).
TEST(SessionOps, PeerMessagesAreAcknowledgedInBatches)
{
    Harness h;
    h.Connect();
    for (uint64_t seq = 1; seq <= 70; seq++)
        h.DeliverPeer(seq, "hi");
    EXPECT_EQ(70u, h.peer_texts.size());
    ASSERT_EQ(2, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_ACK));
    EXPECT_EQ(64u, h.LastSent(RTM__WIRE__FRAME__BODY_PEER_ACK)->peer_ack->seq);
    h.Advance(20 * RTM__MS);
    ASSERT_EQ(3, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_ACK));
    EXPECT_EQ(70u, h.LastSent(RTM__WIRE__FRAME__BODY_PEER_ACK)->peer_ack->seq);
}

// An acknowledgement still waiting when the link is lost is not sent on
// the next link: the resume's Login says what was received (S9).
TEST(SessionOps, S9_AnAcknowledgementDoesNotOutliveItsLink)
{
    Harness h;
    h.Connect();
    h.DeliverPeer(3, "hi");
    h.LinkDown();
    h.Advance(20 * RTM__MS);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_ACK));
}

TEST(SessionOps, B5_MalformedFrameFromServerClosesTheLinkOnly)
{
    Harness h;
    h.Connect();
    const uint8_t garbage[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    rtm__session_receive(h.session(), h.now(), garbage, sizeof(garbage));
    EXPECT_EQ(1, h.closes);
    EXPECT_EQ(1, h.opens); // and restoration starts (S7)
    EXPECT_EQ(CONNECTED, h.State());
}

TEST(SessionOps, ShutdownCompletesEverythingWithNotInitialized)
{
    Harness h;
    h.Connect();
    uint64_t a = h.SendPeer("bob", "x");
    uint64_t b = h.Join("c1");
    rtm__session_shutdown(h.session(), h.now());
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_NOT_INITIALIZED, h.results[a].code);
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_NOT_INITIALIZED, h.results[b].code);
    EXPECT_EQ(1, h.CountSent(RTM__WIRE__FRAME__BODY_LOGOUT));
    EXPECT_TRUE(h.states.empty());
}

// ---------------------------------------------------------------------------
// S9, S10, B1, B2: what a reconnection brings back, once

TEST(SessionReplay, S9_B1_ReplayedPeerMessagesAreDeliveredOnce)
{
    Harness h(kQuietServer);
    h.Connect();
    h.DeliverPeer(1, "one");
    h.DeliverPeer(2, "two");
    h.Clear();
    h.LinkDown();
    h.LinkUp();
    // The login tells the server what arrived, so that it replays the rest.
    EXPECT_EQ(2u, h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN)->login->peer_received);
    // Each link is numbered, so that a late login of an abandoned one is
    // told apart (the server refuses it); and the login names the session
    // it had, so that only that one is resumed.
    EXPECT_EQ(2u, h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN)->login->link_seq);
    EXPECT_EQ(77u, h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN)->login->session_id);
    h.LoginResult(RTM_LOGIN_ERR_OK, true);
    // The server's replay overlaps: 2 had arrived before the link broke.
    h.DeliverPeer(2, "two");
    h.DeliverPeer(3, "three");
    EXPECT_EQ((std::vector<std::string>{"one", "two", "three"}), h.peer_texts);
    // Both acknowledged, the duplicate too, in one PeerAck.
    h.Advance(20 * RTM__MS);
    ASSERT_EQ(1, h.CountSent(RTM__WIRE__FRAME__BODY_PEER_ACK));
    EXPECT_EQ(3u, h.LastSent(RTM__WIRE__FRAME__BODY_PEER_ACK)->peer_ack->seq);
}

TEST(SessionReplay, S10_B2_LoginCarriesChannelCursorsAndNoMessageComesTwice)
{
    Harness h(kQuietServer);
    h.Connect();
    h.Join("c1");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    h.Join("c2");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    h.DeliverChannel("c1", 4, "a");
    h.DeliverChannel("c1", 5, "b");
    h.Clear();
    h.LinkDown();
    h.LinkUp();
    const rtm__frame *login = h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN);
    ASSERT_EQ(2u, login->login->n_channels);
    std::map<std::string, uint64_t> cursors;
    for (size_t i = 0; i < login->login->n_channels; i++)
        cursors[login->login->channels[i]->channel] = login->login->channels[i]->last_seq;
    EXPECT_EQ((std::map<std::string, uint64_t>{{"c1", 5}, {"c2", 0}}), cursors);
    h.LoginResult(RTM_LOGIN_ERR_OK, true);
    h.DeliverChannel("c1", 5, "b");
    h.DeliverChannel("c1", 6, "c");
    h.DeliverChannel("c2", 1, "x");
    EXPECT_EQ((std::vector<std::string>{"c1:a", "c1:b", "c1:c", "c2:x"}),
              h.channel_texts);
}

// S10 after S13: when the server's session had ended, each rejoin carries
// the channel's cursor (replay asked for), and a replayed message the
// client had is still dropped (B2); a join the application makes asks for
// no replay.
TEST(SessionReplay, S10_S14_RejoinsCarryTheChannelCursors)
{
    Harness h(kQuietServer);
    h.Connect();
    h.Join("c1");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    EXPECT_FALSE(h.LastSent(RTM__WIRE__FRAME__BODY_JOIN)->join->replay);
    h.Join("c2");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    h.DeliverChannel("c1", 1004, "a");
    h.DeliverChannel("c1", 1005, "b");
    h.Clear();
    h.Bounce(/*resumed=*/false);
    std::map<std::string, std::pair<bool, uint64_t>> rejoins;
    for (const rtm__frame *f : h.AllSent(RTM__WIRE__FRAME__BODY_JOIN))
        rejoins[f->join->channel] = {f->join->replay, f->join->last_seq};
    EXPECT_EQ((std::map<std::string, std::pair<bool, uint64_t>>{
                  {"c1", {true, 1005}}, {"c2", {true, 0}}}),
              rejoins);
    h.AnswerEach(RTM__WIRE__FRAME__BODY_JOIN, 0);
    h.DeliverChannel("c1", 1005, "b");
    h.DeliverChannel("c1", 1006, "c");
    EXPECT_EQ((std::vector<std::string>{"c1:a", "c1:b", "c1:c"}), h.channel_texts);
}

TEST(SessionReplay, S14_NewServerSessionStartsTheNumberingOver)
{
    Harness h(kQuietServer);
    h.Connect();
    h.DeliverPeer(7, "before");
    h.Bounce(/*resumed=*/false);
    // The new session numbers from 1: nothing may be taken for a duplicate.
    h.DeliverPeer(1, "after");
    EXPECT_EQ((std::vector<std::string>{"before", "after"}), h.peer_texts);
}

TEST(SessionReplay, ReplayReportReachesTheApplication)
{
    Harness h(kQuietServer);
    h.Connect();
    h.Bounce(true);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__ReplayDone r = RTM__WIRE__REPLAY_DONE__INIT;
    r.peer_messages = 3;
    r.channel_messages = 32;
    r.channel_skipped = 8;
    r.peer_dropped = 1;
    f.body_case = RTM__WIRE__FRAME__BODY_REPLAY_DONE;
    f.replay_done = &r;
    h.Receive(&f);
    EXPECT_EQ((std::vector<std::vector<uint32_t>>{{3, 32, 8, 1}}), h.replays);
}

TEST(SessionReplay, B1_UnansweredMessagesAreSentAgainWithTheirSendSeq)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t a = h.SendPeer("bob", "first");
    uint64_t b = h.SendChannel("nowhere", "refused at once");
    h.Join("c1");
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, 0);
    uint64_t c = h.SendChannel("c1", "second");
    auto sent = h.AllSent(RTM__WIRE__FRAME__BODY_PEER_SEND);
    ASSERT_EQ(1u, sent.size());
    const uint64_t seq_a = sent[0]->peer_send->send_seq;
    const uint32_t rid_a = sent[0]->request_id;
    const uint64_t seq_c =
        h.LastSent(RTM__WIRE__FRAME__BODY_CHANNEL_SEND)->channel_send->send_seq;
    EXPECT_LT(seq_a, seq_c); // one increasing numbering for both kinds
    EXPECT_EQ(RTM_CHANNEL_MESSAGE_ERR_FAILURE, h.results[b].code);
    // The link breaks before any answer; the session is kept.
    h.Clear();
    h.Bounce(true);
    auto again = h.AllSent(RTM__WIRE__FRAME__BODY_PEER_SEND);
    ASSERT_EQ(1u, again.size());
    EXPECT_EQ(seq_a, again[0]->peer_send->send_seq);
    EXPECT_EQ(rid_a, again[0]->request_id);
    EXPECT_EQ(seq_c, h.LastSent(RTM__WIRE__FRAME__BODY_CHANNEL_SEND)->channel_send->send_seq);
    // In the order made: the peer message before the channel message.
    auto bodies = h.SentBodies();
    auto pos = [&](Rtm__Wire__Frame__BodyCase b) {
        return std::find(bodies.begin(), bodies.end(), b) - bodies.begin();
    };
    EXPECT_LT(pos(RTM__WIRE__FRAME__BODY_PEER_SEND), pos(RTM__WIRE__FRAME__BODY_CHANNEL_SEND));
    h.Answer(RTM__WIRE__FRAME__BODY_PEER_SEND, 0);
    h.Answer(RTM__WIRE__FRAME__BODY_CHANNEL_SEND, 0);
    EXPECT_EQ(0, h.results[a].code);
    EXPECT_EQ(0, h.results[c].code);
}

TEST(SessionReplay, AResentJoinFoundDoneCountsAsSuccess)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t join = h.Join("c1");
    h.Bounce(true);
    h.Answer(RTM__WIRE__FRAME__BODY_JOIN, RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED);
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_OK, h.results[join].code);
    // Not resent: ALREADY_JOINED is what the server says, and what we say.
    Harness g(kQuietServer);
    g.Connect();
    uint64_t j2 = g.Join("c1");
    g.Answer(RTM__WIRE__FRAME__BODY_JOIN, RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED);
    EXPECT_EQ(RTM_JOIN_CHANNEL_ERR_ALREADY_JOINED, g.results[j2].code);
}

// ---------------------------------------------------------------------------
// S14: attributes sent again to a session the server removed

TEST(SessionAttributes, S14_AttributesAreSentAgainToANewSession)
{
    Harness h(kQuietServer);
    h.Connect();
    using Op = Rtm__Wire__SetAttributes__Op;
    uint64_t set = h.SetAttributes(RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET,
                                   {{"a", "1"}, {"b", "2"}});
    h.Answer(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES, 0);
    uint64_t upd = h.SetAttributes(RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE,
                                   {{"b", "3"}, {"c", "4"}});
    h.Answer(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES, 0);
    uint64_t del = h.SetAttributes(RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE, {}, {"a"});
    h.Answer(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES, 0);
    // A refused change leaves the copy as it was.
    h.SetAttributes(RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, {{"z", "9"}});
    h.Answer(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES,
             RTM_ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW);
    EXPECT_EQ(0, h.results[set].code);
    EXPECT_EQ(0, h.results[upd].code);
    EXPECT_EQ(0, h.results[del].code);
    // The server kept the session: nothing to send again.
    h.Clear();
    h.Bounce(true);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES));
    // It did not: the whole copy is set again, and the application hears
    // nothing of it.
    h.Clear();
    h.Bounce(false);
    const rtm__frame *f = h.LastSent(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES);
    ASSERT_NE(nullptr, f);
    EXPECT_EQ(static_cast<Op>(RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET), f->set_attributes->op);
    std::map<std::string, std::string> sent;
    for (size_t i = 0; i < f->set_attributes->n_attributes; i++)
        sent[f->set_attributes->attributes[i]->key] = f->set_attributes->attributes[i]->value;
    EXPECT_EQ((std::map<std::string, std::string>{{"b", "3"}, {"c", "4"}}), sent);
    h.Answer(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES, 0);
    EXPECT_TRUE(h.results.empty());
}

TEST(SessionReplay, LoginAfterLogoutNamesNoSession)
{
    Harness h(kQuietServer);
    h.Connect();
    h.Logout();
    h.Advance(1 * kSec);
    h.Login();
    h.LinkUp();
    EXPECT_EQ(0u, h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN)->login->session_id);
}

TEST(SessionAttributes, LogoutForgetsTheAttributes)
{
    Harness h(kQuietServer);
    h.Connect();
    h.SetAttributes(RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET, {{"a", "1"}});
    h.Answer(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES, 0);
    h.Logout();
    h.Advance(1 * kSec);
    h.Connect();
    h.Bounce(false);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES));
}

TEST(SessionAttributes, GetAttributesPassesTheAnswerAndTimesOutAfter5s)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t op = h.GetAttributes("bob");
    EXPECT_STREQ("bob", h.LastSent(RTM__WIRE__FRAME__BODY_GET_ATTRIBUTES)->get_attributes->user);
    const rtm__frame *req = h.LastSent(RTM__WIRE__FRAME__BODY_GET_ATTRIBUTES);
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__Attributes a = RTM__WIRE__ATTRIBUTES__INIT;
    Rtm__Wire__Attribute one = RTM__WIRE__ATTRIBUTE__INIT;
    one.key = const_cast<char *>("k");
    one.value = const_cast<char *>("v");
    Rtm__Wire__Attribute *list[] = {&one};
    a.user = const_cast<char *>("bob");
    a.attributes = list;
    a.n_attributes = 1;
    f.request_id = req->request_id;
    f.body_case = RTM__WIRE__FRAME__BODY_ATTRIBUTES;
    f.attributes = &a;
    h.Receive(&f);
    EXPECT_EQ(0, h.results[op].code);
    EXPECT_EQ((std::vector<std::string>{"k=v"}), h.results[op].users);
    const rtm__time t0 = h.now();
    uint64_t late = h.GetAttributes("carol");
    h.AdvanceTo(t0 + 4999 * kMs);
    EXPECT_EQ(0u, h.results.count(late));
    h.AdvanceTo(t0 + 5000 * kMs);
    EXPECT_EQ(RTM_ATTRIBUTE_OPERATION_ERR_TIMEOUT, h.results[late].code);
    EXPECT_EQ(RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_LOGGED_IN,
              [] {
                  Harness g;
                  uint64_t o = g.GetAttributes("bob");
                  return g.results[o].code;
              }());
}

// A5: a change of a channel's attributes is a SetChannelAttributes carrying
// the SetAttributes change and the notify flag; it is not kept by the
// session (nothing is sent again on a new session); its Result completes
// it, and no answer in 5 s is TIMEOUT; not logged in, USER_NOT_LOGGED_IN.
TEST(SessionChannelAttributes, SetSendsTheChangeAndTimesOutAfter5s_A5)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t op = h.SetChannelAttributes("room", RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE,
                                         {{"k", "v"}}, {}, true);
    const rtm__frame *req = h.LastSent(RTM__WIRE__FRAME__BODY_SET_CHANNEL_ATTRIBUTES);
    ASSERT_NE(nullptr, req);
    const Rtm__Wire__SetChannelAttributes *sc = req->set_channel_attributes;
    EXPECT_STREQ("room", sc->channel);
    EXPECT_TRUE(sc->notify);
    ASSERT_NE(nullptr, sc->change);
    EXPECT_EQ(RTM__WIRE__SET_ATTRIBUTES__OP__OP_ADD_OR_UPDATE, sc->change->op);
    ASSERT_EQ(1u, sc->change->n_attributes);
    EXPECT_STREQ("k", sc->change->attributes[0]->key);
    EXPECT_STREQ("v", sc->change->attributes[0]->value);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES));
    h.Answer(RTM__WIRE__FRAME__BODY_SET_CHANNEL_ATTRIBUTES, 0);
    EXPECT_EQ(0, h.results[op].code);
    EXPECT_EQ(RTM__OP_SET_CHANNEL_ATTRIBUTES, h.results[op].kind);

    uint64_t del = h.SetChannelAttributes("room", RTM__WIRE__SET_ATTRIBUTES__OP__OP_DELETE, {},
                                          {"k"}, false);
    req = h.LastSent(RTM__WIRE__FRAME__BODY_SET_CHANNEL_ATTRIBUTES);
    EXPECT_FALSE(req->set_channel_attributes->notify);
    ASSERT_EQ(1u, req->set_channel_attributes->change->n_keys);
    EXPECT_STREQ("k", req->set_channel_attributes->change->keys[0]);
    const rtm__time t0 = h.now();
    h.AdvanceTo(t0 + 4999 * kMs);
    EXPECT_EQ(0u, h.results.count(del));
    h.AdvanceTo(t0 + 5000 * kMs);
    EXPECT_EQ(RTM_ATTRIBUTE_OPERATION_ERR_TIMEOUT, h.results[del].code);

    // Not the user's attributes: a new session gets nothing again (S14).
    h.Clear();
    h.Bounce(false);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_SET_CHANNEL_ATTRIBUTES));
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES));

    Harness g;
    uint64_t o = g.SetChannelAttributes("room", RTM__WIRE__SET_ATTRIBUTES__OP__OP_CLEAR, {}, {},
                                        false);
    EXPECT_EQ(RTM_ATTRIBUTE_OPERATION_ERR_USER_NOT_LOGGED_IN, g.results[o].code);
}

// A5: GetChannelAttributes passes the answer (with each entry's last update)
// to the operation; ChannelAttributesEvent goes to the driver.
TEST(SessionChannelAttributes, GetPassesTheAnswerAndEventsTheDriver_A5)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t op = h.GetChannelAttributes("room");
    const rtm__frame *req = h.LastSent(RTM__WIRE__FRAME__BODY_GET_CHANNEL_ATTRIBUTES);
    ASSERT_NE(nullptr, req);
    EXPECT_STREQ("room", req->get_channel_attributes->channel);
    Rtm__Wire__Attribute one = RTM__WIRE__ATTRIBUTE__INIT;
    one.key = const_cast<char *>("k");
    one.value = const_cast<char *>("v");
    one.last_update_user = const_cast<char *>("bob");
    one.last_update_ts = 1764120000123u;
    Rtm__Wire__Attribute *list[] = {&one};
    Rtm__Wire__ChannelAttributes a = RTM__WIRE__CHANNEL_ATTRIBUTES__INIT;
    a.channel = const_cast<char *>("room");
    a.attributes = list;
    a.n_attributes = 1;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.request_id = req->request_id;
    f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES;
    f.channel_attributes = &a;
    h.Receive(&f);
    EXPECT_EQ(0, h.results[op].code);
    EXPECT_EQ((std::vector<std::string>{"k=v@bob/1764120000123"}), h.results[op].users);

    Rtm__Wire__ChannelAttributesEvent ev = RTM__WIRE__CHANNEL_ATTRIBUTES_EVENT__INIT;
    ev.channel = const_cast<char *>("room");
    ev.attributes = list;
    ev.n_attributes = 1;
    rtm__frame e = RTM__WIRE__FRAME__INIT;
    e.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT;
    e.channel_attributes_event = &ev;
    h.Receive(&e);
    EXPECT_EQ((std::vector<std::string>{"room:k=v"}), h.channel_attributes);
    EXPECT_EQ(RTM_CONNECTION_STATE_CONNECTED, h.State());

    uint64_t late = h.GetChannelAttributes("room");
    const rtm__time t0 = h.now();
    h.AdvanceTo(t0 + 5000 * kMs);
    EXPECT_EQ(RTM_ATTRIBUTE_OPERATION_ERR_TIMEOUT, h.results[late].code);
}

// ---------------------------------------------------------------------------
// S8: "the network has changed, try now"

TEST(SessionInterruption, S8_NetworkChangedSkipsTheBackoffWait)
{
    Harness h("{\"rtm.reconnect_min_ms\": 5000, \"rtm.reconnect_max_ms\": 60000}");
    h.Reconnecting();
    ASSERT_EQ(0, h.opens);
    ASSERT_GT(rtm__session_expiry(h.session()), h.now()); // a retry waits
    rtm__session_network_changed(h.session(), h.now());
    EXPECT_EQ(1, h.opens);
    // While an attempt is under way, or when connected, it changes nothing.
    rtm__session_network_changed(h.session(), h.now());
    EXPECT_EQ(1, h.opens);
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_OK, true);
    rtm__session_network_changed(h.session(), h.now());
    EXPECT_EQ(1, h.opens);
    EXPECT_EQ(CONNECTED, h.State());
}

// ---------------------------------------------------------------------------
// S15: token expiry while reconnecting, and renewToken

TEST(SessionToken, S15_ExpiredTokenWhileReconnectingIsReportedOnceAndWaitsForRenew)
{
    Harness h;
    h.Reconnecting();
    h.AdvanceTo(rtm__session_expiry(h.session()));
    ASSERT_EQ(1, h.opens);
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_TOKEN_EXPIRED);
    EXPECT_EQ(1, h.token_expired);
    EXPECT_TRUE(h.states.empty()); // the state does not change
    EXPECT_EQ(RECONNECTING, h.State());
    // No attempt until the application renews the token.
    h.Advance(10 * 60 * kSec);
    EXPECT_EQ(1, h.opens);
    EXPECT_EQ(1, h.token_expired);
    uint64_t op = h.Renew("fresh");
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_OK, h.results[op].code);
    EXPECT_EQ(2, h.opens); // at once
    h.LinkUp();
    EXPECT_STREQ("fresh", h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN)->login->token);
    // Refused again: reported again, once.
    h.LoginResult(RTM_LOGIN_ERR_TOKEN_EXPIRED);
    EXPECT_EQ(2, h.token_expired);
    h.Advance(2 * kSec);
    h.Renew("fresher");
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_OK, true);
    EXPECT_EQ((States{{CONNECTED, RTM_CONNECTION_CHANGE_REASON_LOGIN_SUCCESS}}), h.states);
}

TEST(SessionToken, S15_RenewWhenConnectedIsCheckedByTheServer)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t bad = h.Renew("wrong");
    EXPECT_STREQ("wrong", h.LastSent(RTM__WIRE__FRAME__BODY_RENEW_TOKEN)->renew_token->token);
    h.Answer(RTM__WIRE__FRAME__BODY_RENEW_TOKEN, RTM_RENEW_TOKEN_ERR_INVALID_TOKEN);
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_INVALID_TOKEN, h.results[bad].code);
    h.Advance(1 * kSec);
    uint64_t good = h.Renew("t2");
    h.Answer(RTM__WIRE__FRAME__BODY_RENEW_TOKEN, 0);
    EXPECT_EQ(0, h.results[good].code);
    // Later logins use the token the server accepted.
    h.Clear();
    h.LinkDown();
    h.LinkUp();
    EXPECT_STREQ("t2", h.LastSent(RTM__WIRE__FRAME__BODY_LOGIN)->login->token);
}

TEST(SessionToken, RenewCodes)
{
    Harness h(kQuietServer);
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_USER_NOT_LOGGED_IN, h.results[h.Renew("t")].code);
    h.Login();
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_USER_NOT_LOGGED_IN, h.results[h.Renew("t")].code);
    h.LinkUp();
    h.LoginResult(RTM_LOGIN_ERR_OK);
    h.Advance(1 * kSec);
    h.Renew("a");
    h.Renew("b");
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_TOO_OFTEN, h.results[h.Renew("c")].code);
    // No answer in 5 s: FAILURE (RenewTokenError has no TIMEOUT).
    Harness g(kQuietServer);
    g.Connect();
    uint64_t op = g.Renew("slow");
    g.Advance(5 * kSec);
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_FAILURE, g.results[op].code);
    // Issue 14: a token no server takes is refused at once, and counts
    // against nothing.
    Harness t(kQuietServer);
    t.Connect();
    const std::string too_long(RTM__TOKEN_MAX_LEN + 1, 'a');
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_INVALID_TOKEN, t.results[t.Renew(too_long.c_str())].code);
    t.Renew("a");
    t.Renew("b");
    EXPECT_EQ(RTM_RENEW_TOKEN_ERR_TOO_OFTEN, t.results[t.Renew("c")].code);
}

TEST(SessionToken, TokenWillExpireReachesTheApplication)
{
    Harness h(kQuietServer);
    h.Connect();
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    Rtm__Wire__TokenWillExpire w = RTM__WIRE__TOKEN_WILL_EXPIRE__INIT;
    w.seconds_left = 30;
    f.body_case = RTM__WIRE__FRAME__BODY_TOKEN_WILL_EXPIRE;
    f.token_will_expire = &w;
    h.Receive(&f);
    EXPECT_EQ((std::vector<uint32_t>{30}), h.will_expire);
}

TEST(SessionToken, S16_KickForAnExpiredTokenAborts)
{
    Harness h;
    h.Connect();
    h.Kick(RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED);
    EXPECT_EQ((States{{ABORTED, RTM_CONNECTION_CHANGE_REASON_TOKEN_EXPIRED}}), h.states);
    h.Advance(60 * kSec);
    EXPECT_EQ(0, h.opens);
}

// ---------------------------------------------------------------------------
// A8: presence

// The answers of a query and of queryPeersBySubscriptionOption reach the
// application with their users and states; each times out after 5 s.
TEST(SessionPresence, A8_QueriesPassTheStatesAndTimeOutAfter5s)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t q = h.QueryPeers({"bob", "carol"});
    const rtm__frame *req = h.LastSent(RTM__WIRE__FRAME__BODY_QUERY_PEERS);
    ASSERT_NE(nullptr, req);
    ASSERT_EQ(2u, req->query_peers->n_users);
    EXPECT_STREQ("carol", req->query_peers->users[1]);
    h.AnswerStates(RTM__WIRE__FRAME__BODY_QUERY_PEERS, 0,
                   {{"bob", RTM_PEER_ONLINE}, {"carol", RTM_PEER_OFFLINE}});
    EXPECT_EQ(0, h.results[q].code);
    EXPECT_EQ((std::vector<std::string>{"bob=0", "carol=2"}), h.results[q].users);
    uint64_t g = h.GetSubscribed();
    h.AnswerStates(RTM__WIRE__FRAME__BODY_GET_SUBSCRIBED, 0, {{"dave", RTM_PEER_UNREACHABLE}});
    EXPECT_EQ((std::vector<std::string>{"dave=1"}), h.results[g].users);
    uint64_t refused = h.QueryPeers({"bob"});
    h.AnswerStates(RTM__WIRE__FRAME__BODY_QUERY_PEERS,
                   RTM_QUERY_PEERS_ONLINE_STATUS_ERR_TOO_OFTEN, {});
    EXPECT_EQ(RTM_QUERY_PEERS_ONLINE_STATUS_ERR_TOO_OFTEN, h.results[refused].code);
    const rtm__time t0 = h.now();
    uint64_t late = h.QueryPeers({"bob"});
    uint64_t late_sub = h.Subscribe({"bob"});
    uint64_t late_get = h.GetSubscribed();
    h.AdvanceTo(t0 + 4999 * kMs);
    EXPECT_EQ(0u, h.results.count(late));
    h.AdvanceTo(t0 + 5000 * kMs);
    EXPECT_EQ(RTM_QUERY_PEERS_ONLINE_STATUS_ERR_TIMEOUT, h.results[late].code);
    EXPECT_EQ(RTM_PEER_SUBSCRIPTION_STATUS_ERR_TIMEOUT, h.results[late_sub].code);
    EXPECT_EQ(RTM_QUERY_PEERS_BY_SUBSCRIPTION_OPTION_ERR_TIMEOUT, h.results[late_get].code);
}

// Presence events reach the application as they come.
TEST(SessionPresence, A8_StateEventsReachTheApplication)
{
    Harness h(kQuietServer);
    h.Connect();
    Rtm__Wire__PeerState bob = RTM__WIRE__PEER_STATE__INIT;
    bob.user = const_cast<char *>("bob");
    bob.state = RTM_PEER_UNREACHABLE;
    Rtm__Wire__PeerState *list[] = {&bob};
    Rtm__Wire__PeerStateEvent ev = RTM__WIRE__PEER_STATE_EVENT__INIT;
    ev.peers = list;
    ev.n_peers = 1;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT;
    f.peer_state_event = &ev;
    h.Receive(&f);
    EXPECT_EQ((std::vector<std::string>{"bob=1"}), h.peer_states);
}

// S14 for subscriptions: the users followed (as the server accepted them)
// are subscribed again on a session the server did not keep, not on one it
// kept; logout forgets them.
TEST(SessionPresence, A8_S14_SubscriptionsAreMadeAgainOnANewSession)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t sub = h.Subscribe({"bob", "carol", "dave"});
    h.Answer(RTM__WIRE__FRAME__BODY_SUBSCRIBE, 0);
    uint64_t unsub = h.Subscribe({"carol"}, true);
    h.Answer(RTM__WIRE__FRAME__BODY_SUBSCRIBE, 0);
    uint64_t refused = h.Subscribe({"erin"});
    h.Answer(RTM__WIRE__FRAME__BODY_SUBSCRIBE, RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW);
    EXPECT_EQ(0, h.results[sub].code);
    EXPECT_EQ(0, h.results[unsub].code);
    EXPECT_EQ(RTM_PEER_SUBSCRIPTION_STATUS_ERR_OVERFLOW, h.results[refused].code);
    h.Clear();
    h.Bounce(true);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_SUBSCRIBE));
    h.Clear();
    h.Bounce(false);
    const rtm__frame *f = h.LastSent(RTM__WIRE__FRAME__BODY_SUBSCRIBE);
    ASSERT_NE(nullptr, f);
    EXPECT_FALSE(f->subscribe->unsubscribe);
    std::set<std::string> users(f->subscribe->users, f->subscribe->users + f->subscribe->n_users);
    EXPECT_EQ((std::set<std::string>{"bob", "dave"}), users);
    size_t before = h.results.size();
    h.Answer(RTM__WIRE__FRAME__BODY_SUBSCRIBE, 0);
    EXPECT_EQ(before, h.results.size()); // the application hears nothing of it
    h.Logout();
    h.Advance(1 * kSec);
    h.Connect();
    h.Clear();
    h.Bounce(false);
    EXPECT_EQ(0, h.CountSent(RTM__WIRE__FRAME__BODY_SUBSCRIBE));
}

// ---------------------------------------------------------------------------
// Member counts (the reference's getChannelMemberCount, onMemberCountUpdated)

TEST(SessionMemberCount, AnswerEventAndTimeout)
{
    Harness h(kQuietServer);
    h.Connect();
    uint64_t op = h.GetMemberCount({"room", "hall"});
    const rtm__frame *req = h.LastSent(RTM__WIRE__FRAME__BODY_GET_MEMBER_COUNT);
    ASSERT_NE(nullptr, req);
    ASSERT_EQ(2u, req->get_member_count->n_channels);
    Rtm__Wire__MemberCount room = RTM__WIRE__MEMBER_COUNT__INIT, hall = RTM__WIRE__MEMBER_COUNT__INIT;
    room.channel = const_cast<char *>("room");
    room.count = 3;
    hall.channel = const_cast<char *>("hall");
    Rtm__Wire__MemberCount *list[] = {&room, &hall};
    Rtm__Wire__MemberCounts mc = RTM__WIRE__MEMBER_COUNTS__INIT;
    mc.counts = list;
    mc.n_counts = 2;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.request_id = req->request_id;
    f.body_case = RTM__WIRE__FRAME__BODY_MEMBER_COUNTS;
    f.member_counts = &mc;
    h.Receive(&f);
    EXPECT_EQ(0, h.results[op].code);
    EXPECT_EQ((std::vector<std::string>{"room=3", "hall=0"}), h.results[op].users);

    Rtm__Wire__MemberCountEvent ev = RTM__WIRE__MEMBER_COUNT_EVENT__INIT;
    ev.channel = const_cast<char *>("room");
    ev.count = 4;
    rtm__frame e = RTM__WIRE__FRAME__INIT;
    e.body_case = RTM__WIRE__FRAME__BODY_MEMBER_COUNT_EVENT;
    e.member_count_event = &ev;
    h.Receive(&e);
    EXPECT_EQ((std::vector<std::string>{"room=4"}), h.member_counts);

    const rtm__time t0 = h.now();
    uint64_t late = h.GetMemberCount({"room"});
    h.AdvanceTo(t0 + 4999 * kMs);
    EXPECT_EQ(0u, h.results.count(late));
    h.AdvanceTo(t0 + 5000 * kMs);
    EXPECT_EQ(RTM_GET_CHANNEL_MEMBER_COUNT_ERR_TIMEOUT, h.results[late].code);
}

} // namespace
