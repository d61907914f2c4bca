// Tests of the call-invitation machines (native/core/calls.c) on a virtual
// clock: two clients, alice (the caller) and bob (the callee), each with its
// machine, joined by a small model of rtmd's peer messaging (a message to a
// user with a session is taken and answered OK, to one without is kept and
// answered CACHED_BY_SERVER, and delivered when the user comes back; a send
// made while the sender's link is down waits, and times out after the peer
// message timeout). Each test names the SPEC rule it proves.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "calls.h"
#include "rtm/rtm.h"
}

namespace {

constexpr rtm__time kMs = 1000;
constexpr rtm__time kSec = 1000 * kMs;
constexpr rtm__time kLatency = 10 * kMs; // each hop: client <-> server

using Wire = Rtm__Wire__CallSignal;

// The application's handle: the machine's record and a reference count.
struct Inv {
    rtm__inv inv{};
    int refs = 1; // the test's own
    std::string content, channel;
};

std::map<const rtm__inv *, Inv *> &Handles()
{
    static std::map<const rtm__inv *, Inv *> m;
    return m;
}

Inv *NewInv()
{
    Inv *i = new Inv();
    Handles()[&i->inv] = i;
    return i;
}

void DeleteInv(Inv *i)
{
    Handles().erase(&i->inv);
    delete i;
}

Inv *InvOf(rtm__inv *i)
{
    return Handles().at(i);
}

struct Event {
    rtm__time at;
    rtm__call_event ev;
    Inv *inv;
    int state; // the invitation's state when the event came
    int code;
    std::string response;
};

class World;

// One client: its machine, its link, and what the application saw.
struct Side {
    World *w = nullptr;
    std::string user;
    rtm__calls *c = nullptr;
    bool link_up = true;    // the client's link to the server
    bool has_session = true; // the server holds a session for the user
    bool deaf = false;      // deliveries to it vanish (an unanswering client)
    bool lose_answers = false; // the server's answers to its sends vanish
    std::vector<Event> events;
    std::map<uint64_t, int> results; // op -> InvitationApiCallError
    std::map<uint64_t, size_t> result_after; // op -> events before its result
    std::vector<rtm__call_event> state_events; // LOCAL_SENT, REMOTE_ACCEPT_SENT
    size_t state_events_at_result = 0;         // how many came before the last result
    std::vector<std::string> log;
    // Sends made while the link was down, in order.
    struct Out {
        uint64_t token;
        std::string to;
        std::vector<uint8_t> bytes;
        rtm__time made;
        bool done = false;     // taken by the server
        bool answered = false; // and its answer came back
    };
    std::vector<std::shared_ptr<Out>> waiting;
    // Deliveries the server keeps for it while it has no link.
    struct Kept {
        std::string from;
        std::vector<uint8_t> bytes;
        rtm__time taken;
    };
    std::vector<Kept> kept;
    std::vector<Inv *> remotes; // every remote handle made, for the test
    int holds = 0;
};

class World {
  public:
    explicit World(const char *params_json = nullptr)
    {
        rtm__params_init(&params_);
        if (params_json) {
            char err[128];
            EXPECT_EQ(0, rtm__params_apply_json(&params_, params_json, err, sizeof(err))) << err;
        }
        for (Side *s : {&alice, &bob}) {
            s->w = this;
            s->c = rtm__calls_new(&kOps, s, &params_);
        }
        alice.user = "alice";
        bob.user = "bob";
    }
    ~World()
    {
        for (Side *s : {&alice, &bob}) {
            rtm__calls_free(s->c);
            EXPECT_EQ(0, s->holds) << s->user << ": every hold is dropped";
            for (Inv *r : s->remotes)
                DeleteInv(r);
        }
        for (Inv *l : locals_)
            DeleteInv(l);
    }

    Side alice, bob;
    rtm__time now = 0;
    rtm__params params_;

    Side &Other(const Side &s) { return &s == &alice ? bob : alice; }

    // Runs machines' deadlines and the network's steps up to t, in order.
    void RunUntil(rtm__time t)
    {
        for (;;) {
            rtm__time next = RTM__TIME_NEVER;
            for (Side *s : {&alice, &bob})
                next = std::min(next, rtm__calls_expiry(s->c));
            if (!steps_.empty())
                next = std::min(next, steps_.begin()->first);
            if (next > t)
                break;
            now = std::max(now, next);
            if (!steps_.empty() && steps_.begin()->first <= now) {
                auto fn = steps_.begin()->second;
                steps_.erase(steps_.begin());
                fn();
                continue;
            }
            for (Side *s : {&alice, &bob})
                if (rtm__calls_expiry(s->c) <= now)
                    rtm__calls_handle_expiry(s->c, now);
        }
        now = std::max(now, t);
    }
    void RunFor(rtm__time d) { RunUntil(now + d); }

    Inv *NewLocal(const char *callee)
    {
        Inv *i = NewInv();
        i->inv.side = RTM__INV_LOCAL;
        snprintf(i->inv.peer, sizeof(i->inv.peer), "%s", callee);
        locals_.push_back(i);
        return i;
    }

    int Send(Inv *i, const char *content = "hello", const char *channel = "room",
             bool logged_in = true)
    {
        uint64_t op = ++ops_;
        rtm__calls_send(alice.c, now, op, &i->inv, content, channel, logged_in);
        return alice.results.at(op);
    }
    int Cancel(Inv *i)
    {
        uint64_t op = ++ops_;
        rtm__calls_cancel(alice.c, now, op, &i->inv);
        return alice.results.at(op);
    }
    int Accept(Inv *i, const char *response = "")
    {
        uint64_t op = ++ops_;
        rtm__calls_accept(bob.c, now, op, &i->inv, response);
        return bob.results.at(op);
    }
    int Refuse(Inv *i, const char *response = "")
    {
        uint64_t op = ++ops_;
        rtm__calls_refuse(bob.c, now, op, &i->inv, response);
        return bob.results.at(op);
    }

    // The client's link goes down or comes back; a link back first sends
    // what waited, then takes what the server kept for it.
    void LinkDown(Side &s) { s.link_up = false; }
    void LinkUp(Side &s)
    {
        s.link_up = true;
        s.has_session = true;
        auto waiting = std::move(s.waiting);
        s.waiting.clear();
        for (auto &o : waiting)
            if (!o->done)
                Transmit(s, o);
        auto kept = std::move(s.kept);
        s.kept.clear();
        for (auto &k : kept)
            Deliver(s, k.from, k.bytes, k.taken);
    }

    // The last remote invitation bob was given.
    Inv *BobsInvitation() { return bob.remotes.empty() ? nullptr : bob.remotes.back(); }

    std::vector<rtm__call_event> Events(const Side &s) const
    {
        std::vector<rtm__call_event> v;
        for (auto &e : s.events)
            v.push_back(e.ev);
        return v;
    }
    const Event *Find(const Side &s, rtm__call_event ev) const
    {
        for (auto &e : s.events)
            if (e.ev == ev)
                return &e;
        return nullptr;
    }

  private:
    std::multimap<rtm__time, std::function<void()>> steps_;
    std::vector<Inv *> locals_;
    uint64_t ops_ = 0;

    void At(rtm__time t, std::function<void()> fn) { steps_.emplace(t, std::move(fn)); }

    void Answer(Side &s, std::shared_ptr<Side::Out> o, int code)
    {
        At(now + kLatency, [this, &s, o, code] {
            if (!s.lose_answers && !o->answered) {
                o->answered = true;
                rtm__calls_sent(s.c, now, o->token, code);
            }
        });
    }

    // The server takes a send kLatency after it was written.
    void Transmit(Side &from, std::shared_ptr<Side::Out> o)
    {
        At(now + kLatency, [this, &from, o] {
            o->done = true;
            Side &to = Other(from);
            ASSERT_EQ(to.user, o->to);
            Answer(from, o,
                   to.has_session ? RTM_PEER_MESSAGE_ERR_OK : RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
            rtm__time taken = now;
            if (to.link_up)
                At(now + kLatency, [this, &to, &from, o, taken] {
                    if (to.link_up)
                        Deliver(to, from.user, o->bytes, taken);
                    else
                        to.kept.push_back({from.user, o->bytes, taken});
                });
            else
                to.kept.push_back({from.user, o->bytes, taken});
        });
    }

    void Deliver(Side &to, const std::string &from, const std::vector<uint8_t> &bytes,
                 rtm__time taken)
    {
        if (to.deaf)
            return;
        Wire *w = rtm__wire__call_signal__unpack(nullptr, bytes.size(), bytes.data());
        ASSERT_NE(nullptr, w);
        rtm__calls_receive(to.c, now, from.c_str(), w, (now - taken) / kMs);
        rtm__wire__call_signal__free_unpacked(w, nullptr);
    }

    static void OnSend(void *ud, rtm__time now, uint64_t token, const char *peer, const Wire *sig)
    {
        Side &s = *static_cast<Side *>(ud);
        World &w = *s.w;
        auto o = std::make_shared<Side::Out>();
        o->token = token;
        o->to = peer;
        o->bytes.resize(rtm__wire__call_signal__get_packed_size(sig));
        rtm__wire__call_signal__pack(sig, o->bytes.data());
        o->made = now;
        if (s.link_up && !s.lose_answers) {
            w.Transmit(s, o);
            return;
        }
        if (s.link_up) // written, taken, its answer lost: the session times out
            w.Transmit(s, o);
        else
            s.waiting.push_back(o);
        rtm__time timeout = now + w.params_.peer_message_timeout_ms * kMs;
        w.At(timeout, [&w, &s, o, token] {
            if (!o->answered) {
                o->done = o->answered = true;
                rtm__calls_sent(s.c, w.now, token, RTM_PEER_MESSAGE_ERR_TIMEOUT);
            }
        });
    }
    static void OnResult(void *ud, uint64_t op, int code)
    {
        Side &s = *static_cast<Side *>(ud);
        EXPECT_EQ(0u, s.results.count(op)) << "one result per call";
        s.results[op] = code;
        s.result_after[op] = s.events.size();
        s.state_events_at_result = s.state_events.size();
    }
    static void OnEvent(void *ud, rtm__inv *inv, rtm__call_event ev, int code,
                        const char *response)
    {
        Side &s = *static_cast<Side *>(ud);
        // The state-only events (a state an application call made) come
        // before that call's result; they are kept apart.
        if (ev == RTM__CALL_LOCAL_SENT || ev == RTM__CALL_REMOTE_ACCEPT_SENT) {
            EXPECT_TRUE(ev == RTM__CALL_LOCAL_SENT
                            ? rtm__inv_state(inv) == RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE
                            : rtm__inv_state(inv) ==
                                  RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL);
            s.state_events.push_back(ev);
            return;
        }
        s.events.push_back({s.w->now, ev, InvOf(inv), rtm__inv_state(inv), code, response});
    }
    static rtm__inv *OnNewRemote(void *ud, const char *caller, const char *content,
                                 const char *channel)
    {
        Side &s = *static_cast<Side *>(ud);
        Inv *i = NewInv();
        i->refs = 2; // the test's and the machine's
        s.holds++;
        i->content = content;
        i->channel = channel;
        EXPECT_STRNE(caller, s.user.c_str());
        s.remotes.push_back(i);
        return &i->inv;
    }
    static void OnHold(void *ud, rtm__inv *inv)
    {
        static_cast<Side *>(ud)->holds++;
        InvOf(inv)->refs++;
    }
    static void OnDrop(void *ud, rtm__inv *inv)
    {
        static_cast<Side *>(ud)->holds--;
        InvOf(inv)->refs--;
    }
    static void OnLog(void *ud, int, const char *line)
    {
        static_cast<Side *>(ud)->log.push_back(line);
    }
    static uint64_t OnRandom(void *)
    {
        static uint64_t n = 0x9e3779b97f4a7c15ull;
        return n += 0x9e3779b97f4a7c15ull;
    }
    static const rtm__calls_ops kOps;
};

const rtm__calls_ops World::kOps = {OnSend, OnResult, OnEvent, OnNewRemote,
                                    OnHold, OnDrop,   OnLog,   OnRandom};

using E = rtm__call_event;

// ---- C1 ---------------------------------------------------------------

TEST(Calls, C1_SendMovesIdleToSentAndASecondSendIsRefused)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_IDLE, rtm__inv_state(&inv->inv));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Send(inv));
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_SENT_TO_REMOTE, rtm__inv_state(&inv->inv));
    // The state was reported before the result.
    EXPECT_EQ(std::vector<rtm__call_event>{RTM__CALL_LOCAL_SENT}, w.alice.state_events);
    EXPECT_EQ(1u, w.alice.state_events_at_result);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_SENT, w.Send(inv));
    EXPECT_EQ(1u, w.alice.state_events.size()) << "a refused call changes no state";
    w.RunFor(1 * kSec);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_SENT, w.Send(inv));
    // The content and the channel reach the callee as given.
    ASSERT_NE(nullptr, w.BobsInvitation());
    EXPECT_EQ("hello", w.BobsInvitation()->content);
    EXPECT_EQ("room", w.BobsInvitation()->channel);
}

TEST(Calls, C1_ACallerNotLoggedInGetsNotLoggedIn)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Send(inv, "x", "", false));
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_FAILURE}, w.Events(w.alice));
    EXPECT_EQ(RTM_LOCAL_INVITATION_ERR_NOT_LOGGEDIN, w.alice.events[0].code);
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_FAILURE, rtm__inv_state(&inv->inv));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Send(inv));
    w.RunFor(60 * kSec);
    EXPECT_TRUE(w.bob.events.empty()) << "nothing was sent";
}

// ---- C2 ---------------------------------------------------------------

TEST(Calls, C2_TheCalleeAcknowledgesAndBothAreTold)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunFor(1 * kSec);
    ASSERT_EQ(std::vector<E>{RTM__CALL_REMOTE_RECEIVED}, w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_INVITATION_RECEIVED, w.bob.events[0].state);
    EXPECT_EQ(2 * kLatency, w.bob.events[0].at);
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER}, w.Events(w.alice));
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_RECEIVED_BY_REMOTE, w.alice.events[0].state);
    EXPECT_EQ(inv, w.alice.events[0].inv);
    EXPECT_EQ(4 * kLatency, w.alice.events[0].at);
}

// ---- C3 ---------------------------------------------------------------

TEST(Calls, C3_CalleeOfflineFor30sIsPeerOffline)
{
    World w;
    w.bob.has_session = false;
    w.LinkDown(w.bob);
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunUntil(30 * kSec - 1);
    EXPECT_TRUE(w.alice.events.empty());
    w.RunUntil(30 * kSec);
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_FAILURE}, w.Events(w.alice));
    EXPECT_EQ(RTM_LOCAL_INVITATION_ERR_PEER_OFFLINE, w.alice.events[0].code);
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_FAILURE, w.alice.events[0].state);
    EXPECT_EQ(30 * kSec, w.alice.events[0].at);
    // Bob comes back later: what the server kept for him is stale, and he
    // is never rung for it.
    w.RunUntil(40 * kSec);
    w.LinkUp(w.bob);
    w.RunFor(90 * kSec);
    EXPECT_TRUE(w.bob.events.empty());
    EXPECT_EQ(1u, w.alice.events.size());
}

TEST(Calls, C3_CalleeBackWithin30sIsRungAndTheInvitationGoesOn)
{
    World w;
    w.bob.has_session = false;
    w.LinkDown(w.bob);
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunUntil(10 * kSec);
    w.LinkUp(w.bob); // "the system keeps trying to deliver it"
    w.RunFor(1 * kSec);
    ASSERT_EQ(std::vector<E>{RTM__CALL_REMOTE_RECEIVED}, w.Events(w.bob));
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER}, w.Events(w.alice));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Accept(w.BobsInvitation(), "ok"));
    w.RunFor(1 * kSec);
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE, rtm__inv_state(&inv->inv));
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_ACCEPTED, rtm__inv_state(&w.BobsInvitation()->inv));
}

TEST(Calls, C3_CalleeOnlineButSilentIsPeerNoResponse)
{
    World w;
    w.bob.deaf = true; // a session, but its client never acknowledges
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunUntil(30 * kSec);
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_FAILURE}, w.Events(w.alice));
    EXPECT_EQ(RTM_LOCAL_INVITATION_ERR_PEER_NO_RESPONSE, w.alice.events[0].code);
    EXPECT_EQ(30 * kSec, w.alice.events[0].at);
}

TEST(Calls, C3_TheTimeoutIsAParameter)
{
    World w(R"({"rtm.invitation_receive_timeout_ms":2000})");
    w.bob.has_session = false;
    w.LinkDown(w.bob);
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunUntil(2 * kSec);
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_FAILURE}, w.Events(w.alice));
    EXPECT_EQ(2 * kSec, w.alice.events[0].at);
}

// ---- C4 ---------------------------------------------------------------

TEST(Calls, C4_UnansweredFor60sExpiresOnBothSides)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunUntil(70 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_FAILURE}),
              w.Events(w.alice));
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_FAILURE}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_LOCAL_INVITATION_ERR_INVITATION_EXPIRE, w.alice.events[1].code);
    EXPECT_EQ(RTM_REMOTE_INVITATION_ERR_INVITATION_EXPIRE, w.bob.events[1].code);
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_FAILURE, w.alice.events[1].state);
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_FAILURE, w.bob.events[1].state);
    // 60 s after it was sent, each by its own clock (bob counts from when
    // the server took it, 10 ms after).
    EXPECT_LE(w.alice.events[1].at, 60 * kSec);
    EXPECT_GE(w.alice.events[1].at, 60 * kSec - kSec);
    EXPECT_GE(w.bob.events[1].at, 60 * kSec - kSec);
    EXPECT_LE(w.bob.events[1].at, 60 * kSec + kSec);
    // Any call on it now is too late.
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Cancel(inv));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Accept(w.BobsInvitation()));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Refuse(w.BobsInvitation()));
}

// ---- C5 ---------------------------------------------------------------

TEST(Calls, C5_AcceptIsAcknowledged)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunFor(1 * kSec);
    Inv *r = w.BobsInvitation();
    ASSERT_NE(nullptr, r);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Accept(r, "see you"));
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_ACCEPT_SENT_TO_LOCAL, rtm__inv_state(&r->inv));
    EXPECT_EQ(std::vector<rtm__call_event>{RTM__CALL_REMOTE_ACCEPT_SENT}, w.bob.state_events);
    EXPECT_EQ(1u, w.bob.state_events_at_result);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_ACCEPT, w.Accept(r));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_ACCEPT, w.Refuse(r));
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_ACCEPTED}),
              w.Events(w.alice));
    EXPECT_EQ("see you", w.alice.events[1].response);
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE, w.alice.events[1].state);
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_ACCEPTED}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_ACCEPTED, w.bob.events[1].state);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_ACCEPT, w.Accept(r));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Cancel(inv));
    // Nothing more, ever: no expiry after an answer.
    w.RunFor(120 * kSec);
    EXPECT_EQ(2u, w.alice.events.size());
    EXPECT_EQ(2u, w.bob.events.size());
}

TEST(Calls, C5_AnAcceptWhoseAcknowledgementIsLostIsAcceptFailure)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunFor(1 * kSec);
    w.LinkDown(w.alice); // for 8 s: the acknowledgement cannot come in 5
    rtm__time accepted = w.now;
    w.Accept(w.BobsInvitation(), "yes");
    w.RunFor(8 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_FAILURE}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_ERR_ACCEPT_FAILURE, w.bob.events[1].code);
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_FAILURE, w.bob.events[1].state);
    // 5 s after the server took the accept.
    EXPECT_EQ(accepted + kLatency + kLatency + 5 * kSec, w.bob.events[1].at);
    // Alice comes back to a stale accept and bob's end: she does not think
    // the call accepted.
    w.LinkUp(w.alice);
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_FAILURE}),
              w.Events(w.alice));
    EXPECT_EQ(RTM_LOCAL_INVITATION_ERR_PEER_NO_RESPONSE, w.alice.events[1].code);
    w.RunFor(120 * kSec);
    EXPECT_EQ(2u, w.alice.events.size());
    EXPECT_EQ(2u, w.bob.events.size());
}

TEST(Calls, C5_RefuseEndsBothRefused)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunFor(1 * kSec);
    Inv *r = w.BobsInvitation();
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Refuse(r, "busy"));
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_REFUSED}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_REFUSED, w.bob.events[1].state);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Accept(r));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Refuse(r));
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_REFUSED}),
              w.Events(w.alice));
    EXPECT_EQ("busy", w.alice.events[1].response);
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_REFUSED_BY_REMOTE, rtm__inv_state(&inv->inv));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Cancel(inv));
}

TEST(Calls, C5_AnAnswerBeforeTheAcknowledgementImpliesIt)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunFor(2 * kLatency + 1); // bob has it; his acknowledgement is on its way
    w.Refuse(w.BobsInvitation(), "no");
    w.RunFor(1 * kSec);
    // Received once, then refused, whatever arrived first.
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_REFUSED}),
              w.Events(w.alice));
}

// ---- C6 ---------------------------------------------------------------

TEST(Calls, C6_CancelEndsBothCanceled)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_NOT_STARTED, w.Cancel(inv));
    w.Send(inv);
    w.RunFor(1 * kSec);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Cancel(inv));
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_CANCELED}),
              w.Events(w.alice));
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_CANCELED, w.alice.events[1].state);
    EXPECT_EQ(1u, w.alice.result_after.rbegin()->second) << "the result, then the event";
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Cancel(inv));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Send(inv));
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_CANCELED}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_STATE_CANCELED, w.bob.events[1].state);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Accept(w.BobsInvitation()));
    w.RunFor(120 * kSec);
    EXPECT_EQ(2u, w.alice.events.size());
    EXPECT_EQ(2u, w.bob.events.size());
}

TEST(Calls, C6_CancelBeforeTheCalleeHasItRingsNobody)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Cancel(inv));
    w.RunFor(90 * kSec);
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_CANCELED}, w.Events(w.alice));
    // Bob had it for the time the cancel took to follow it, and then not.
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_CANCELED}),
              w.Events(w.bob));
}

TEST(Calls, C6_CancelRacingAcceptEndsBothCanceled)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunFor(1 * kSec);
    // Both at once: each signal is on the wire when the other is made.
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Accept(w.BobsInvitation(), "yes"));
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Cancel(inv));
    w.RunFor(10 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_CANCELED}),
              w.Events(w.alice));
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_CANCELED}),
              w.Events(w.bob));
}

// ---- C7 ---------------------------------------------------------------

TEST(Calls, C7_TheCallerInterruptedGetsTheAnswerOnceAfterwards)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunFor(1 * kSec);
    w.LinkDown(w.alice);
    w.Accept(w.BobsInvitation(), "yes");
    w.RunFor(3 * kSec); // shorter than the 5 s the accept waits
    EXPECT_EQ(1u, w.alice.events.size());
    w.LinkUp(w.alice);
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_ACCEPTED}),
              w.Events(w.alice));
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_ACCEPTED}),
              w.Events(w.bob));
    (void)inv;
}

TEST(Calls, C7_TheCalleeInterruptedGetsTheCancelOnceAfterwards)
{
    World w;
    Inv *inv = w.NewLocal("bob");
    w.Send(inv);
    w.RunFor(1 * kSec);
    w.LinkDown(w.bob);
    w.Cancel(inv);
    w.RunFor(20 * kSec);
    EXPECT_EQ(1u, w.bob.events.size());
    w.LinkUp(w.bob);
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_CANCELED}),
              w.Events(w.bob));
}

TEST(Calls, C7_AnInvitationSentWhileTheLinkIsDownGoesWhenItIsBack)
{
    World w;
    w.LinkDown(w.alice); // RECONNECTING: logged in, no link
    Inv *inv = w.NewLocal("bob");
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_OK, w.Send(inv));
    w.RunFor(3 * kSec);
    w.LinkUp(w.alice);
    w.RunFor(1 * kSec);
    ASSERT_EQ(std::vector<E>{RTM__CALL_REMOTE_RECEIVED}, w.Events(w.bob));
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER}, w.Events(w.alice));
}

TEST(Calls, C7_ASendThatTimedOutIsSentAgainAndRingsOnce)
{
    World w;
    w.alice.lose_answers = true; // the invite is taken, its answer lost
    Inv *inv = w.NewLocal("bob");
    w.bob.deaf = true;           // and bob does not hear it the first time
    w.Send(inv);
    w.RunFor(1 * kSec);
    w.bob.deaf = false;
    w.alice.lose_answers = false;
    w.RunUntil(20 * kSec); // 10 s timeout, then sent again
    ASSERT_EQ(std::vector<E>{RTM__CALL_REMOTE_RECEIVED}, w.Events(w.bob));
    ASSERT_EQ(std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER}, w.Events(w.alice));
    EXPECT_GE(w.bob.events[0].at, 11 * kSec);
    (void)inv;
}

TEST(Calls, C7_ARepeatedInvitationRingsOnce)
{
    World w;
    Wire s = RTM__WIRE__CALL_SIGNAL__INIT;
    s.kind = RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE;
    s.call_id = 42;
    s.content = (char *)"c";
    rtm__calls_receive(w.bob.c, 0, "alice", &s, 0);
    rtm__calls_receive(w.bob.c, 0, "alice", &s, 2000); // sent again after a timeout
    EXPECT_EQ(std::vector<E>{RTM__CALL_REMOTE_RECEIVED}, w.Events(w.bob));
    EXPECT_EQ(1u, w.bob.remotes.size());
    // The same call id from another caller is another invitation.
    rtm__calls_receive(w.bob.c, 0, "carol", &s, 0);
    EXPECT_EQ(2u, w.bob.remotes.size());
}

TEST(Calls, C7_LogoutEndsOpenInvitationsOnBothSides)
{
    World w;
    Inv *a = w.NewLocal("bob");
    w.Send(a);
    w.RunFor(1 * kSec);
    rtm__calls_end_all(w.alice.c, w.now, true); // alice logs out
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_FAILURE}),
              w.Events(w.alice));
    EXPECT_EQ(RTM_LOCAL_INVITATION_ERR_NOT_LOGGEDIN, w.alice.events[1].code);
    EXPECT_EQ(RTM_LOCAL_INVITATION_STATE_FAILURE, rtm__inv_state(&a->inv));
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_FAILURE}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_ERR_PEER_OFFLINE, w.bob.events[1].code);
    EXPECT_EQ(0, w.alice.holds) << "alice holds nothing after logging out";
}

TEST(Calls, C7_TheCalleeLoggingOutEndsTheCallersInvitation)
{
    World w;
    Inv *a = w.NewLocal("bob");
    w.Send(a);
    w.RunFor(1 * kSec);
    rtm__calls_end_all(w.bob.c, w.now, true);
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_FAILURE}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_ERR_PEER_OFFLINE, w.bob.events[1].code);
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_LOCAL_RECEIVED_BY_PEER, RTM__CALL_LOCAL_FAILURE}),
              w.Events(w.alice));
    EXPECT_EQ(RTM_LOCAL_INVITATION_ERR_PEER_OFFLINE, w.alice.events[1].code);
}

TEST(Calls, C7_AbortedEndsOpenInvitationsWithNothingSent)
{
    World w;
    Inv *a = w.NewLocal("bob");
    w.Send(a);
    w.RunFor(1 * kSec);
    w.LinkDown(w.alice);
    rtm__calls_end_all(w.alice.c, w.now, false); // kicked: REMOTE_LOGIN
    ASSERT_EQ(2u, w.alice.events.size());
    EXPECT_EQ(RTM_LOCAL_INVITATION_ERR_NOT_LOGGEDIN, w.alice.events[1].code);
    // Bob hears nothing and ends it at its expiry.
    w.RunFor(70 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_FAILURE}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_ERR_INVITATION_EXPIRE, w.bob.events[1].code);
}

// ---- late and unknown signals -----------------------------------------

TEST(Calls, ASignalAboutAnInvitationTheCallerForgotEndsItAtTheCallee)
{
    World w;
    Inv *a = w.NewLocal("bob");
    w.Send(a);
    w.RunFor(1 * kSec);
    w.LinkDown(w.bob);
    rtm__calls_end_all(w.alice.c, w.now, false); // alice went away silently
    // Bob comes back and accepts: alice has no such invitation.
    w.LinkUp(w.bob);
    w.Accept(w.BobsInvitation());
    w.RunFor(1 * kSec);
    ASSERT_EQ((std::vector<E>{RTM__CALL_REMOTE_RECEIVED, RTM__CALL_REMOTE_FAILURE}),
              w.Events(w.bob));
    EXPECT_EQ(RTM_REMOTE_INVITATION_ERR_PEER_OFFLINE, w.bob.events[1].code);
    EXPECT_LT(w.bob.events[1].at, w.now) << "at once, not at a deadline";
}

TEST(Calls, EndedInvitationsAreForgottenAfterTheExpiry)
{
    World w;
    Inv *a = w.NewLocal("bob");
    w.Send(a);
    w.RunFor(1 * kSec);
    w.Cancel(a);
    w.RunFor(1 * kSec);
    EXPECT_EQ(1, w.alice.holds);
    EXPECT_EQ(1, w.bob.holds);
    w.RunFor(61 * kSec);
    EXPECT_EQ(0, w.alice.holds);
    EXPECT_EQ(0, w.bob.holds);
    EXPECT_EQ(RTM__TIME_NEVER, rtm__calls_expiry(w.alice.c));
    EXPECT_EQ(RTM__TIME_NEVER, rtm__calls_expiry(w.bob.c));
    // The handle still answers for itself.
    EXPECT_EQ(RTM_INVITATION_API_CALL_ERR_ALREADY_END, w.Cancel(a));
}

// B5: a flood of invitations holds at most RTM__CALLS_REMOTE_MAX of them;
// one more is dropped unanswered (logged), and room comes back as the
// ended ones are forgotten.
TEST(Calls, B5_AFloodOfInvitationsIsBounded)
{
    World w;
    Wire s = RTM__WIRE__CALL_SIGNAL__INIT;
    s.kind = RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE;
    for (uint64_t id = 1; id <= RTM__CALLS_REMOTE_MAX + 5; id++) {
        s.call_id = id;
        rtm__calls_receive(w.bob.c, 0, "alice", &s, 0); // ids alice never made
    }
    EXPECT_EQ(static_cast<size_t>(RTM__CALLS_REMOTE_MAX), w.bob.remotes.size());
    EXPECT_EQ(RTM__CALLS_REMOTE_MAX, w.bob.holds);
    size_t warnings = 0;
    for (auto &l : w.bob.log)
        warnings += l.find("dropped") != std::string::npos;
    EXPECT_EQ(1u, warnings) << "logged once, not per invitation";
    // They expire at 60 s and are forgotten 60 s later: room again.
    w.RunUntil(121 * kSec);
    EXPECT_EQ(0, w.bob.holds);
    s.call_id = 99999;
    rtm__calls_receive(w.bob.c, w.now, "alice", &s, 0);
    EXPECT_EQ(static_cast<size_t>(RTM__CALLS_REMOTE_MAX) + 1, w.bob.remotes.size());
}

TEST(Calls, MalformedSignalsAreDropped)
{
    World w;
    Wire s = RTM__WIRE__CALL_SIGNAL__INIT;
    s.kind = RTM__WIRE__CALL_SIGNAL__KIND__CALL_INVITE; // call id 0
    rtm__calls_receive(w.bob.c, 0, "alice", &s, 0);
    s.call_id = 7;
    s.kind = (Rtm__Wire__CallSignal__Kind)99;
    rtm__calls_receive(w.bob.c, 0, "alice", &s, 0);
    s.kind = RTM__WIRE__CALL_SIGNAL__KIND__CALL_ACCEPT_ACK; // about nothing
    rtm__calls_receive(w.bob.c, 0, "alice", &s, 0);
    s.kind = RTM__WIRE__CALL_SIGNAL__KIND__CALL_END;
    rtm__calls_receive(w.bob.c, 0, "alice", &s, 0);
    w.RunFor(1 * kSec);
    EXPECT_TRUE(w.bob.events.empty());
    EXPECT_TRUE(w.alice.events.empty());
    EXPECT_EQ(RTM__TIME_NEVER, rtm__calls_expiry(w.bob.c));
}

} // namespace
