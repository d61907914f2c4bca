// cli_test.cpp: the contract of the `rtm` command-line client (docs/CLI.md),
// end to end against a real rtmd on a free loopback port. Each test names
// the SPEC rule it shows through the CLI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "rtm_proc.h"
#include "rtmd_process.h"
#include "silent_listener.h"

using namespace rtmcli;

namespace {

// Generous: a noisy 2-core machine may be slow, never wrong.
constexpr int kWait = 20000;

class CliTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        server_ = std::make_unique<rtm_test::RtmdProcess>();
        ASSERT_TRUE(server_->started()) << "rtmd did not start";
        addr_ = server_->address();
    }

    void TearDown() override
    {
        // Every line of every rtm is one JSON object with "event" and "t_ms".
        for (auto &p : procs_) {
            p->settle(0);
            for (auto &bad : p->badLines()) {
                ADD_FAILURE() << "not a JSON object: " << bad;
            }
            for (auto &l : p->lines()) {
                if (l.json) {
                    EXPECT_FALSE(l.event().empty()) << l.raw;
                    EXPECT_GE(l.num("t_ms"), 0) << l.raw;
                }
            }
        }
        procs_.clear();
        server_.reset();
    }

    RtmProc &rtm(const std::string &user, std::vector<std::string> extra = {},
                 const std::string &server = "")
    {
        std::vector<std::string> args{"--server", server.empty() ? addr_ : server,
                                      "--user", user};
        args.insert(args.end(), extra.begin(), extra.end());
        procs_.push_back(std::make_unique<RtmProc>(args));
        return *procs_.back();
    }

    // login, then CONNECTING (LOGIN), CONNECTED (LOGIN_SUCCESS), result OK.
    void login(RtmProc &p)
    {
        p.send("login");
        ASSERT_TRUE(p.next(isState("CONNECTING", 2, "LOGIN", 1), kWait)) << p.transcript();
        ASSERT_TRUE(p.next(isState("CONNECTED", 3, "LOGIN_SUCCESS", 2), kWait))
            << p.transcript();
        const Line *r = p.find(isResult("login"), kWait);
        ASSERT_TRUE(r) << p.transcript();
        ASSERT_EQ(r->num("code"), 0) << r->raw;
    }

    // Waits for the next result of op and checks its code and name.
    static void expectResult(RtmProc &p, const std::string &op, int code,
                             const std::string &name)
    {
        const Line *r = p.next(isResult(op), kWait);
        ASSERT_TRUE(r) << "no result for " << op << "\n" << p.transcript();
        EXPECT_EQ(r->num("code"), code) << r->raw;
        EXPECT_EQ(r->str("name"), name) << r->raw;
    }

    std::unique_ptr<rtm_test::RtmdProcess> server_;
    std::string addr_;
    std::vector<std::unique_ptr<RtmProc>> procs_;
};

// S2, S3: login reports CONNECTING (LOGIN) then CONNECTED (LOGIN_SUCCESS),
// and the login result LOGIN_ERR_OK; quit logs out and exits 0.
TEST_F(CliTest, S2_S3_LoginStatesInOrderThenResult)
{
    RtmProc &a = rtm("alice");
    a.send("login");
    const Line *s1 = a.next(isAnyState(), kWait);
    ASSERT_TRUE(s1) << a.transcript();
    EXPECT_TRUE(isState("CONNECTING", 2, "LOGIN", 1)(*s1)) << s1->raw;
    const Line *s2 = a.next(isAnyState(), kWait);
    ASSERT_TRUE(s2) << a.transcript();
    EXPECT_TRUE(isState("CONNECTED", 3, "LOGIN_SUCCESS", 2)(*s2)) << s2->raw;
    const Line *r = a.find(isResult("login"), kWait);
    ASSERT_TRUE(r) << a.transcript();
    EXPECT_EQ(r->num("code"), 0);
    EXPECT_EQ(r->str("name"), "LOGIN_ERR_OK");

    a.send("quit");
    expectResult(a, "logout", 0, "LOGOUT_ERR_OK");
    EXPECT_EQ(a.waitExit(kWait), 0) << a.transcript();
    EXPECT_TRUE(a.find(isState("DISCONNECTED", 1, "LOGOUT", 6), 0)) << a.transcript();
}

// Peer messages both ways; the text is the rest of the line, inner spaces
// kept; the sender's result is PEER_MESSAGE_ERR_OK.
TEST_F(CliTest, PeerMessagesBothWays)
{
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);

    a.send("send bob hello  bob,   two spaces");
    const Line *r = a.next(isResult("send"), kWait);
    ASSERT_TRUE(r) << a.transcript();
    EXPECT_EQ(r->num("code"), 0) << r->raw;
    EXPECT_EQ(r->str("name"), "PEER_MESSAGE_ERR_OK");
    EXPECT_EQ(r->str("peer"), "bob");
    const Line *m = b.next(isPeerMessage("alice", "hello  bob,   two spaces"), kWait);
    ASSERT_TRUE(m) << b.transcript();
    EXPECT_TRUE(cJSON_IsFalse(cJSON_GetObjectItem(m->json.get(), "offline"))) << m->raw;

    b.send("send alice hi alice");
    expectResult(b, "send", 0, "PEER_MESSAGE_ERR_OK");
    EXPECT_TRUE(a.next(isPeerMessage("bob", "hi alice"), kWait)) << a.transcript();
}

// join, member_joined, chsend, channel_message, members (result, then the
// list), leave, member_left.
TEST_F(CliTest, ChannelJoinMessageMembersLeave)
{
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);

    a.send("join c1");
    expectResult(a, "join", 0, "JOIN_CHANNEL_ERR_OK");
    b.send("join c1");
    expectResult(b, "join", 0, "JOIN_CHANNEL_ERR_OK");
    EXPECT_TRUE(a.next(isMember("member_joined", "c1", "bob"), kWait)) << a.transcript();

    b.send("chsend c1 hello channel  one");
    expectResult(b, "chsend", 0, "CHANNEL_MESSAGE_ERR_OK");
    EXPECT_TRUE(a.next(isChannelMessage("c1", "bob", "hello channel  one"), kWait))
        << a.transcript();

    a.send("members c1");
    expectResult(a, "members", 0, "GET_MEMBERS_ERR_OK");
    const Line *m = a.next(isEvent("members"), kWait);
    ASSERT_TRUE(m) << a.transcript();
    EXPECT_EQ(m->str("channel"), "c1");
    char *users = cJSON_PrintUnformatted(cJSON_GetObjectItem(m->json.get(), "users"));
    EXPECT_STREQ(users, "[\"alice\",\"bob\"]") << m->raw;
    free(users);

    b.send("leave c1");
    expectResult(b, "leave", 0, "LEAVE_CHANNEL_ERR_OK");
    EXPECT_TRUE(a.next(isMember("member_left", "c1", "bob"), kWait)) << a.transcript();
}

// S16: a second login with the same user id kicks the first instance out:
// ABORTED (REMOTE_LOGIN), no reconnection; its logout then gives
// DISCONNECTED (LOGOUT).
TEST_F(CliTest, S16_DuplicateLoginKicksTheOlderInstance)
{
    RtmProc &a1 = rtm("alice");
    RtmProc &a2 = rtm("alice");
    login(a1);
    login(a2);

    const Line *k = a1.next(isAnyState(), kWait);
    ASSERT_TRUE(k) << a1.transcript();
    EXPECT_TRUE(isState("ABORTED", 5, "REMOTE_LOGIN", 8)(*k)) << k->raw;

    a1.send("logout");
    const Line *d = a1.next(isAnyState(), kWait);  // nothing in between
    ASSERT_TRUE(d) << a1.transcript();
    EXPECT_TRUE(isState("DISCONNECTED", 1, "LOGOUT", 6)(*d)) << d->raw;
    expectResult(a1, "logout", 0, "LOGOUT_ERR_OK");

    // The newer instance stays connected.
    a2.settle(300);
    size_t states = 0;
    for (auto &l : a2.lines())
        states += l.event() == "state";
    EXPECT_EQ(states, 2u) << a2.transcript();
}

// A3: an invalid user id is refused with LOGIN_ERR_INVALID_ARGUMENT (3) and
// the state does not change.
TEST_F(CliTest, A3_InvalidUserIdRefusedWithoutStateChange)
{
    RtmProc &a = rtm("bad/user");
    a.send("login");
    expectResult(a, "login", 3, "LOGIN_ERR_INVALID_ARGUMENT");
    a.closeInput();
    EXPECT_EQ(a.waitExit(kWait), 0) << a.transcript();
    for (auto &l : a.lines()) {
        EXPECT_NE(l.event(), "state") << l.raw;
    }
}

// Lines that are not commands give an error event; rtm carries on.
TEST_F(CliTest, UnknownCommandOrMissingArgumentIsAnErrorEvent)
{
    RtmProc &a = rtm("alice");
    const char *bad[] = {"frobnicate now", "send bob", "send", "join",
                         "chsend c1", "sleep soon", "logout now"};
    for (const char *line : bad) {
        a.send(line);
        const Line *e = a.next(isEvent("error"), kWait);
        ASSERT_TRUE(e) << line << "\n" << a.transcript();
        EXPECT_EQ(e->str("line"), line);
        EXPECT_FALSE(e->str("message").empty()) << e->raw;
    }
    // Blank lines and comments are ignored; the next command runs.
    a.send("");
    a.send("# a comment");
    login(a);
    a.closeInput();
    EXPECT_EQ(a.waitExit(kWait), 0) << a.transcript();
    for (auto &l : a.lines()) {
        if (l.event() == "error") {
            EXPECT_NE(l.str("line"), "# a comment");
        }
    }
}

// End of input: logout (its result is printed) and exit 0.
TEST_F(CliTest, EndOfInputLogsOutAndExitsZero)
{
    RtmProc &a = rtm("alice");
    login(a);
    a.closeInput();
    EXPECT_TRUE(a.next(isState("DISCONNECTED", 1, "LOGOUT", 6), kWait)) << a.transcript();
    EXPECT_TRUE(a.find(isResult("logout"), kWait)) << a.transcript();
    EXPECT_EQ(a.find(isResult("logout"), 0)->num("code"), 0);
    EXPECT_EQ(a.waitExit(kWait), 0) << a.transcript();
}

// Events keep coming while `sleep` holds the command reader.
TEST_F(CliTest, EventsArePrintedDuringSleep)
{
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);
    a.send("sleep 600000");
    a.send("logout");  // not run before the sleep ends
    b.send("send alice during your sleep");
    expectResult(b, "send", 0, "PEER_MESSAGE_ERR_OK");
    EXPECT_TRUE(a.next(isPeerMessage("bob", "during your sleep"), kWait)) << a.transcript();
    a.settle(200);
    EXPECT_FALSE(a.find(isResult("logout"), 0)) << a.transcript();
}

// Lines stay whole when the callback thread (events, results) and the main
// thread (error events) print at the same time: every line parses.
TEST_F(CliTest, LinesStayWholeUnderConcurrentOutput)
{
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);
    constexpr int kN = 50;
    for (int i = 0; i < kN; i++) {
        b.send("send alice message number " + std::to_string(i) +
               " with some padding to make the line longer");
        a.send("bogus command " + std::to_string(i));
    }
    int ok = 0;
    for (int i = 0; i < kN; i++) {
        const Line *r = b.next(isResult("send"), kWait);
        ASSERT_TRUE(r) << b.transcript();
        ok += r->num("code") == 0;
    }
    EXPECT_GT(ok, 0) << b.transcript();
    int seen = 0;  // alice receives every message the server accepted
    ASSERT_TRUE(a.find([&](const Line &l) {
        return l.event() == "peer_message" && ++seen == ok;
    }, kWait)) << a.transcript();
    a.closeInput();
    EXPECT_EQ(a.waitExit(kWait), 0) << a.transcript();
    int errors = 0;
    for (auto &l : a.lines())
        errors += l.event() == "error";
    EXPECT_EQ(errors, kN) << a.transcript();
}

// S5: a login to a listener that never answers ends in DISCONNECTED
// (LOGIN_TIMEOUT) and LOGIN_ERR_TIMEOUT (9), after the login timeout set
// with --param.
TEST_F(CliTest, S5_LoginTimeoutAgainstASilentListener)
{
    rtm_test::SilentListener silent;
    ASSERT_TRUE(silent.ok());
    RtmProc &a = rtm("alice", {"--param", "{\"rtm.login_timeout_ms\":1500}"},
                     silent.address());
    a.send("login");
    const Line *c = a.next(isAnyState(), kWait);
    ASSERT_TRUE(c) << a.transcript();
    EXPECT_TRUE(isState("CONNECTING", 2, "LOGIN", 1)(*c)) << c->raw;
    double t0 = c->num("t_ms");
    const Line *d = a.next(isAnyState(), kWait);
    ASSERT_TRUE(d) << a.transcript();
    EXPECT_TRUE(isState("DISCONNECTED", 1, "LOGIN_TIMEOUT", 4)(*d)) << d->raw;
    EXPECT_GE(d->num("t_ms") - t0, 1400) << "gave up before the login timeout";
    const Line *r = a.find(isResult("login"), kWait);
    ASSERT_TRUE(r) << a.transcript();
    EXPECT_EQ(r->num("code"), 9);
    EXPECT_EQ(r->str("name"), "LOGIN_ERR_TIMEOUT");
    EXPECT_GE(silent.accepted(), 1);  // the link was made: the server was silent
}

// Options: --help documents every command and event; --version; bad or
// refused --param, a refused --server, an unknown option and a missing --user
// exit 2.
TEST(CliOptions, HelpVersionAndBadOptions)
{
    {
        RtmProc p({"--help"});
        EXPECT_EQ(p.waitExit(kWait), 0);
        std::string all;
        for (auto &l : p.lines())
            all += l.raw + "\n";
        for (const char *w : {"login", "logout", "send", "join", "leave", "chsend",
                              "members", "sleep", "quit", "--server", "--app-id",
                              "--param", "--user", "state", "result", "peer_message",
                              "channel_message", "member_joined", "member_left",
                              "error", "t_ms"})
            EXPECT_NE(all.find(w), std::string::npos) << w;
    }
    {
        RtmProc p({"--version"});
        EXPECT_EQ(p.waitExit(kWait), 0);
        ASSERT_FALSE(p.lines().empty());
        EXPECT_NE(p.lines()[0].raw.find("rtm"), std::string::npos);
    }
    {
        RtmProc p({"--user", "alice", "--param", "{not json"});
        EXPECT_EQ(p.waitExit(kWait), 2);
        EXPECT_TRUE(p.lines().empty());
    }
    {
        RtmProc p({"--server", "127.0.0.1:1"});  // no --user
        EXPECT_EQ(p.waitExit(kWait), 2);
    }
    {
        RtmProc p({"--user", "alice", "--param", "{\"rtm.no_such_key\":1}"});
        EXPECT_EQ(p.waitExit(kWait), 2);  // refused by the library
        EXPECT_TRUE(p.lines().empty());
    }
    {
        RtmProc p({"--user", "alice", "--server", "no port"});
        EXPECT_EQ(p.waitExit(kWait), 2);
    }
    {
        RtmProc p({"--user", "alice", "--no-such-option"});
        EXPECT_EQ(p.waitExit(kWait), 2);
    }
}

}  // namespace
