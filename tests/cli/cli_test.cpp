// cli_test.cpp: the contract of the `rtm` command-line client (docs/CLI.md),
// end to end against a real rtmd on a free loopback port. Each test names
// the SPEC rule it shows through the CLI.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fault_proxy.h"
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

    // Replaces the fixture's rtmd by one started with these arguments.
    void restartServer(const std::vector<std::string> &args)
    {
        server_.reset();
        server_ = std::make_unique<rtm_test::RtmdProcess>(args);
        ASSERT_TRUE(server_->started()) << "rtmd did not start";
        addr_ = server_->address();
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

    // Sends each line and expects an error event that names it, with a
    // message; nothing of the line is run.
    template <size_t N>
    static void expectErrorLines(RtmProc &p, const char *const (&lines)[N])
    {
        for (const char *line : lines) {
            p.send(line);
            const Line *e = p.next(isEvent("error"), kWait);
            ASSERT_TRUE(e) << line << "\n" << p.transcript();
            EXPECT_EQ(e->str("line"), line);
            EXPECT_FALSE(e->str("message").empty()) << e->raw;
        }
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

// A6, A8 and member counts through the CLI: send-offline is CACHED for a
// user who is away and delivered flagged at its login; subscribe prints the
// peer's state at once and when it changes; query and count print their
// answers after the result line.
TEST_F(CliTest, A6_A8_OfflinePresenceAndCounts)
{
    RtmProc &a = rtm("alice");
    login(a);
    a.send("send-offline bob while away");
    expectResult(a, "send-offline", 4, "PEER_MESSAGE_ERR_CACHED_BY_SERVER");
    a.send("subscribe bob");
    expectResult(a, "subscribe", 0, "PEER_SUBSCRIPTION_STATUS_ERR_OK");
    auto state_of_bob = [](const char *name) {
        return [name](const Line &l) {
            if (l.event() != "peers_status")
                return false;
            const cJSON *p = cJSON_GetArrayItem(cJSON_GetObjectItem(l.json.get(), "peers"), 0);
            return p != nullptr &&
                   std::string(cJSON_GetStringValue(cJSON_GetObjectItem(p, "user"))) == "bob" &&
                   std::string(cJSON_GetStringValue(cJSON_GetObjectItem(p, "state_name"))) ==
                       name;
        };
    };
    ASSERT_TRUE(a.next(state_of_bob("OFFLINE"), kWait)) << a.transcript();

    RtmProc &b = rtm("bob");
    login(b);
    const Line *m = b.next(isPeerMessage("alice", "while away"), kWait);
    ASSERT_TRUE(m) << b.transcript();
    EXPECT_TRUE(cJSON_IsTrue(cJSON_GetObjectItem(m->json.get(), "offline"))) << m->raw;
    ASSERT_TRUE(a.next(state_of_bob("ONLINE"), kWait)) << a.transcript();

    a.send("query bob carol");
    expectResult(a, "query", 0, "QUERY_PEERS_ONLINE_STATUS_ERR_OK");
    const Line *q = a.next(isEvent("peers"), kWait);
    ASSERT_TRUE(q) << a.transcript();
    EXPECT_NE(q->raw.find("\"user\":\"carol\",\"state\":2"), std::string::npos) << q->raw;

    b.send("join room");
    expectResult(b, "join", 0, "JOIN_CHANNEL_ERR_OK");
    EXPECT_TRUE(b.next(isEvent("member_count"), kWait)) << b.transcript();
    a.send("count room hall");
    expectResult(a, "count", 0, "GET_CHANNEL_MEMBER_COUNT_ERR_OK");
    const Line *c = a.next(isEvent("member_counts"), kWait);
    ASSERT_TRUE(c) << a.transcript();
    EXPECT_NE(c->raw.find("\"counts\":{\"room\":1,\"hall\":0}"), std::string::npos) << c->raw;
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
    expectErrorLines(a, bad);
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

// C1-C6 through the CLI: call rings the callee, who accepts with a
// response; a second call is refused; a third canceled; answers about
// nobody, and malformed lines, are error events.
// M1, M2, M3: upload a file, send it as a file message, download it back
// to a file; the commands' errors.
TEST_F(CliTest, M1_M2_M3_UploadSendDownload)
{
    char tmpl[] = "/tmp/rtm-cli-media-XXXXXX";
    ASSERT_NE(nullptr, mkdtemp(tmpl));
    std::string dir = tmpl;
    std::string in = dir + "/a file.txt", out = dir + "/copy.txt";
    std::string body(100000, 'm');
    {
        std::FILE *f = std::fopen(in.c_str(), "wb");
        ASSERT_NE(nullptr, f);
        std::fwrite(body.data(), 1, body.size(), f);
        std::fclose(f);
    }
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);
    a.send("upload " + in);
    const Line *req = a.next(isEvent("media_request"), kWait);
    ASSERT_TRUE(req) << a.transcript();
    EXPECT_GT(req->num("request_id"), 0);
    const Line *up = a.next(isResult("upload"), kWait);
    ASSERT_TRUE(up) << a.transcript();
    EXPECT_EQ(up->num("code"), 0) << up->raw;
    EXPECT_EQ(up->num("size"), 100000);
    EXPECT_EQ(up->str("file_name"), "a file.txt");
    std::string id = up->str("media_id");
    ASSERT_EQ(id.size(), 32u) << up->raw;
    a.send("send-media bob " + id + " a file.txt");
    expectResult(a, "send-media", 0, "PEER_MESSAGE_ERR_OK");
    const Line *m = b.next(isEvent("media_message"), kWait);
    ASSERT_TRUE(m) << b.transcript();
    EXPECT_EQ(m->str("from"), "alice");
    EXPECT_EQ(m->str("type"), "file");
    EXPECT_EQ(m->str("media_id"), id);
    EXPECT_EQ(m->str("file_name"), "a file.txt");
    b.send("download " + id + " " + out);
    expectResult(b, "download", 0, "DOWNLOAD_MEDIA_ERR_OK");
    {
        std::FILE *f = std::fopen(out.c_str(), "rb");
        ASSERT_NE(nullptr, f);
        std::string got(200000, '\0');
        got.resize(std::fread(&got[0], 1, got.size(), f));
        std::fclose(f);
        EXPECT_TRUE(got == body) << "the downloaded file differs";
    }
    b.send("download " + id);
    const Line *mem = b.next(isResult("download"), kWait);
    ASSERT_TRUE(mem) << b.transcript();
    EXPECT_EQ(mem->num("size"), 100000);
    b.send("download 0123456789abcdef0123456789abcdef");
    expectResult(b, "download", 4, "DOWNLOAD_MEDIA_ERR_NOT_EXIST");
    a.send("upload " + dir + "/none");
    expectResult(a, "upload", 2, "UPLOAD_MEDIA_ERR_INVALID_ARGUMENT");
    a.send("cancel-upload 999");
    expectResult(a, "cancel-upload", 2, "CANCEL_MEDIA_ERR_NOT_EXIST");
    static const char *const bad[] = {"upload", "download", "send-media bob",
                                      "cancel-download x"};
    expectErrorLines(a, bad);
    std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_F(CliTest, C2_C5_C6_CallAcceptRefuseCancel)
{
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);
    auto received = [](const Line &l) {
        return l.event() == "remote_invitation_received" && l.str("caller") == "alice";
    };

    a.send("call --channel room-1 bob video call?  now");
    expectResult(a, "call", 0, "INVITATION_API_CALL_ERR_OK");
    const Line *in = b.next(received, kWait);
    ASSERT_TRUE(in) << b.transcript();
    EXPECT_EQ(in->str("content"), "video call?  now");
    EXPECT_EQ(in->str("channel"), "room-1");
    EXPECT_EQ(in->str("state_name"), "REMOTE_INVITATION_STATE_INVITATION_RECEIVED");
    ASSERT_TRUE(a.next(isEvent("invitation_received_by_peer"), kWait)) << a.transcript();
    b.send("accept alice on my way");
    expectResult(b, "accept", 0, "INVITATION_API_CALL_ERR_OK");
    const Line *acc = a.next(isEvent("invitation_accepted"), kWait);
    ASSERT_TRUE(acc) << a.transcript();
    EXPECT_EQ(acc->str("response"), "on my way");
    EXPECT_EQ(acc->str("peer"), "bob");
    EXPECT_EQ(acc->str("state_name"), "LOCAL_INVITATION_STATE_ACCEPTED_BY_REMOTE");
    ASSERT_TRUE(b.next(isEvent("remote_invitation_accepted"), kWait)) << b.transcript();
    b.send("accept alice");
    expectResult(b, "accept", 4, "INVITATION_API_CALL_ERR_ALREADY_ACCEPT");

    a.send("call bob");
    expectResult(a, "call", 0, "INVITATION_API_CALL_ERR_OK");
    ASSERT_TRUE(b.next(received, kWait)) << b.transcript();
    b.send("refuse alice busy");
    expectResult(b, "refuse", 0, "INVITATION_API_CALL_ERR_OK");
    const Line *ref = a.next(isEvent("invitation_refused"), kWait);
    ASSERT_TRUE(ref) << a.transcript();
    EXPECT_EQ(ref->str("response"), "busy");
    a.send("cancel bob");
    expectResult(a, "cancel", 3, "INVITATION_API_CALL_ERR_ALREADY_END");

    a.send("call bob again");
    expectResult(a, "call", 0, "INVITATION_API_CALL_ERR_OK");
    ASSERT_TRUE(b.next(received, kWait)) << b.transcript();
    a.send("cancel bob");
    expectResult(a, "cancel", 0, "INVITATION_API_CALL_ERR_OK");
    ASSERT_TRUE(a.next(isEvent("invitation_canceled"), kWait)) << a.transcript();
    const Line *cancel = b.next(isEvent("remote_invitation_canceled"), kWait);
    ASSERT_TRUE(cancel) << b.transcript();
    EXPECT_EQ(cancel->str("state_name"), "REMOTE_INVITATION_STATE_CANCELED");

    a.send("call alice");
    expectResult(a, "call", 1, "INVITATION_API_CALL_ERR_INVALID_ARGUMENT");
    const char *bad[] = {"call", "call --channel", "call --channel room", "cancel",
                         "cancel carol", "accept", "accept carol yes", "refuse nobody",
                         "call bad/id", "call --channel bad/ch bob"};
    expectErrorLines(a, bad);
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

// ---- user attributes (SPEC A5, issue 4 item 6) ------------------------------

// The "attributes" object of the event after a successful attrs-get of user,
// as compact JSON (rtm prints the keys sorted); "" on failure.
static std::string attrsOf(RtmProc &p, const std::string &user,
                           const std::string &keys = "")
{
    p.send("attrs-get " + user + (keys.empty() ? "" : " " + keys));
    const Line *r = p.next(isResult("attrs-get"), kWait);
    if (r == nullptr) {
        ADD_FAILURE() << "no attrs-get result\n" << p.transcript();
        return "";
    }
    EXPECT_EQ(r->str("user"), user) << r->raw;
    EXPECT_EQ(r->num("code"), 0) << r->raw;
    EXPECT_EQ(r->str("name"), "ATTRIBUTE_OPERATION_ERR_OK") << r->raw;
    const Line *a = p.next(isEvent("attributes"), kWait);
    if (a == nullptr) {
        ADD_FAILURE() << "no attributes event\n" << p.transcript();
        return "";
    }
    EXPECT_EQ(a->str("user"), user) << a->raw;
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(a->json.get(), "attributes");
    EXPECT_TRUE(cJSON_IsObject(o)) << a->raw;
    char *text = cJSON_PrintUnformatted(o);
    std::string out = text != nullptr ? text : "";
    free(text);
    return out;
}

static const char *kAttrOk = "ATTRIBUTE_OPERATION_ERR_OK";

// attrs-set replaces all; K=V is cut at the first '=' and V may be empty;
// attrs-get prints the result (with "user") then the attributes, of the
// user itself and, from another client, of someone else; with keys, only
// those of them that are set.
TEST_F(CliTest, A5_AttrsSetThenGetFromSelfAndFromAnotherClient)
{
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);

    a.send("attrs-set color=red note= expr=x=y");
    expectResult(a, "attrs-set", 0, kAttrOk);
    EXPECT_EQ(attrsOf(a, "alice"), R"({"color":"red","expr":"x=y","note":""})");
    EXPECT_EQ(attrsOf(b, "alice"), R"({"color":"red","expr":"x=y","note":""})");
    EXPECT_EQ(attrsOf(b, "alice", "color nope"), R"({"color":"red"})");
    EXPECT_EQ(attrsOf(b, "bob"), "{}");  // none set

    // set replaces everything, and with no pair leaves none.
    a.send("attrs-set size=L");
    expectResult(a, "attrs-set", 0, kAttrOk);
    EXPECT_EQ(attrsOf(b, "alice"), R"({"size":"L"})");
    a.send("attrs-set");
    expectResult(a, "attrs-set", 0, kAttrOk);
    EXPECT_EQ(attrsOf(b, "alice"), "{}");
}

// attrs-update merges (adds and overwrites), attrs-del removes keys (an
// absent key is no error), attrs-clear removes all.
TEST_F(CliTest, A5_AttrsUpdateDeleteClear)
{
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);

    a.send("attrs-set a=1 b=2 c=3");
    expectResult(a, "attrs-set", 0, kAttrOk);
    a.send("attrs-update b=20 d=4 e=");
    expectResult(a, "attrs-update", 0, kAttrOk);
    EXPECT_EQ(attrsOf(b, "alice"), R"({"a":"1","b":"20","c":"3","d":"4","e":""})");

    a.send("attrs-del a c nope");
    expectResult(a, "attrs-del", 0, kAttrOk);
    EXPECT_EQ(attrsOf(b, "alice"), R"({"b":"20","d":"4","e":""})");

    a.send("attrs-clear");
    expectResult(a, "attrs-clear", 0, kAttrOk);
    EXPECT_EQ(attrsOf(b, "alice"), "{}");
    EXPECT_EQ(attrsOf(a, "alice"), "{}");
}

// SIZE_OVERFLOW (4): a 33rd attribute, or a value of 8193 bytes; nothing is
// changed. A value of exactly 8192 bytes is accepted and read back whole.
TEST_F(CliTest, A5_AttrsSizeOverflow)
{
    RtmProc &a = rtm("alice");
    login(a);
    a.send("attrs-set keep=me");
    expectResult(a, "attrs-set", 0, kAttrOk);

    std::string line = "attrs-set";
    for (int i = 0; i < 33; i++)
        line += " k" + std::to_string(i) + "=v";
    a.send(line);
    expectResult(a, "attrs-set", 4, "ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW");

    a.send("attrs-update big=" + std::string(8193, 'x'));
    expectResult(a, "attrs-update", 4, "ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW");
    a.send("attrs-set big=" + std::string(8193, 'x'));
    expectResult(a, "attrs-set", 4, "ATTRIBUTE_OPERATION_ERR_SIZE_OVERFLOW");
    EXPECT_EQ(attrsOf(a, "alice"), R"({"keep":"me"})");

    // 32 attributes and a value of 8192 bytes are within the limits.
    line = "attrs-set";
    for (int i = 0; i < 31; i++)
        line += " k" + std::to_string(i) + "=v";
    a.send(line + " big=" + std::string(8192, 'y'));
    expectResult(a, "attrs-set", 0, kAttrOk);
    std::string got = attrsOf(a, "alice", "big");
    EXPECT_EQ(got, R"({"big":")" + std::string(8192, 'y') + R"("})");
}

// attrs-get of a user who is not online: USER_NOT_FOUND (6), and no
// attributes event; before login: USER_NOT_LOGGED_IN (102).
TEST_F(CliTest, A5_AttrsGetOfOfflineUserIsUserNotFound)
{
    RtmProc &a = rtm("alice");
    a.send("attrs-get bob");
    const Line *r = a.next(isResult("attrs-get"), kWait);
    ASSERT_TRUE(r) << a.transcript();
    EXPECT_EQ(r->num("code"), 102) << r->raw;
    EXPECT_EQ(r->str("name"), "ATTRIBUTE_OPERATION_ERR_USER_NOT_LOGGED_IN");
    a.send("attrs-set a=1");
    expectResult(a, "attrs-set", 102, "ATTRIBUTE_OPERATION_ERR_USER_NOT_LOGGED_IN");

    login(a);
    a.send("attrs-get carol");
    r = a.next(isResult("attrs-get"), kWait);
    ASSERT_TRUE(r) << a.transcript();
    EXPECT_EQ(r->str("user"), "carol") << r->raw;
    EXPECT_EQ(r->num("code"), 6) << r->raw;
    EXPECT_EQ(r->str("name"), "ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND");
    a.send("attrs-get carol color");
    expectResult(a, "attrs-get", 6, "ATTRIBUTE_OPERATION_ERR_USER_NOT_FOUND");
    a.closeInput();
    EXPECT_EQ(a.waitExit(kWait), 0) << a.transcript();
    EXPECT_FALSE(a.find(isEvent("attributes"), 0)) << a.transcript();
}

// A pair without '=' or with an empty key, and missing or extra arguments,
// give an error event; nothing of the line is run.
TEST_F(CliTest, A5_AttrsMalformedLinesAreErrorEvents)
{
    RtmProc &a = rtm("alice");
    login(a);
    const char *bad[] = {"attrs-set color",  "attrs-update =red", "attrs-set a=1 =x",
                         "attrs-update a=1 b", "attrs-del",        "attrs-get",
                         "attrs-clear now",  "netchange now"};
    expectErrorLines(a, bad);
    EXPECT_EQ(attrsOf(a, "alice"), "{}");  // "a=1" of the bad lines was not set
    a.closeInput();
    EXPECT_EQ(a.waitExit(kWait), 0) << a.transcript();
    int results = 0;
    for (auto &l : a.lines())
        results += l.event() == "result" && l.str("op") != "login" &&
                   l.str("op") != "logout";
    EXPECT_EQ(results, 1) << a.transcript();  // the attrs-get only
    EXPECT_FALSE(a.find(isEvent("ok"), 0)) << a.transcript();
}

// ---- channel attributes (SPEC A5, issue 6 item 3) ----------------------------

// The "attributes" array of a channel_attributes line as "k=v@user,...".
static std::string chattrsText(const Line &l)
{
    std::string out;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(l.json.get(), "attributes");
    EXPECT_TRUE(cJSON_IsArray(arr)) << l.raw;
    const cJSON *x;
    cJSON_ArrayForEach(x, arr) {
        auto str = [&](const char *k) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(x, k);
            return std::string(cJSON_IsString(v) ? v->valuestring : "?");
        };
        const cJSON *ts = cJSON_GetObjectItemCaseSensitive(x, "ts");
        EXPECT_TRUE(cJSON_IsNumber(ts) && ts->valuedouble > 1.7e12) << l.raw;
        out += (out.empty() ? "" : ",") + str("key") + "=" + str("value") + "@" + str("user");
    }
    return out;
}

// chattrs-get: the result (with "channel"), then a channel_attributes event
// with "op"; "" on failure.
static std::string chattrsOf(RtmProc &p, const std::string &args)
{
    p.send("chattrs-get " + args);
    const Line *r = p.next(isResult("chattrs-get"), kWait);
    if (r == nullptr || r->num("code") != 0) {
        ADD_FAILURE() << "no chattrs-get success\n" << p.transcript();
        return "";
    }
    const Line *a = p.next(isEvent("channel_attributes"), kWait);
    if (a == nullptr) {
        ADD_FAILURE() << "no channel_attributes event\n" << p.transcript();
        return "";
    }
    EXPECT_EQ(a->str("op"), "chattrs-get") << a->raw;
    return chattrsText(*a);
}

// chattrs-set by a non-member, read by another; --notify reaches the
// members as channel_attributes events (without "op"); update, del, clear.
TEST_F(CliTest, A5_ChannelAttributesSetGetNotify)
{
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob");
    login(a);
    login(b);
    b.send("join c1");
    expectResult(b, "join", 0, "JOIN_CHANNEL_ERR_OK");

    a.send("chattrs-set c1 b=2 a=x=1");
    const Line *r = a.next(isResult("chattrs-set"), kWait);
    ASSERT_TRUE(r) << a.transcript();
    EXPECT_EQ(r->num("code"), 0) << r->raw;
    EXPECT_EQ(r->str("channel"), "c1") << r->raw;
    EXPECT_EQ(chattrsOf(b, "c1"), "a=x=1@alice,b=2@alice");
    EXPECT_EQ(chattrsOf(b, "c1 b nope"), "b=2@alice");

    a.send("chattrs-update --notify c1 b=3");
    expectResult(a, "chattrs-update", 0, kAttrOk);
    const Line *ev = b.next(isEvent("channel_attributes"), kWait);
    ASSERT_TRUE(ev) << b.transcript();
    EXPECT_EQ(ev->str("channel"), "c1");
    EXPECT_FALSE(cJSON_HasObjectItem(ev->json.get(), "op")) << ev->raw;
    EXPECT_EQ(chattrsText(*ev), "a=x=1@alice,b=3@alice");

    a.send("chattrs-del c1 a");
    expectResult(a, "chattrs-del", 0, kAttrOk);
    EXPECT_EQ(chattrsOf(b, "c1"), "b=3@alice");
    a.send("chattrs-clear --notify c1");
    expectResult(a, "chattrs-clear", 0, kAttrOk);
    ev = b.next(isEvent("channel_attributes"), kWait);
    ASSERT_TRUE(ev) << b.transcript();
    EXPECT_EQ(chattrsText(*ev), "");
    EXPECT_EQ(chattrsOf(a, "c1"), "");

    a.send("chattrs-set bad/id k=v");
    expectResult(a, "chattrs-set", 3, "ATTRIBUTE_OPERATION_ERR_INVALID_ARGUMENT");
}

TEST_F(CliTest, A5_ChannelAttributesMalformedLinesAreErrorEvents)
{
    RtmProc &a = rtm("alice");
    login(a);
    const char *bad[] = {"chattrs-set",         "chattrs-set --notify",  "chattrs-set c1 k",
                         "chattrs-update c1 =v", "chattrs-del c1",        "chattrs-del --notify",
                         "chattrs-clear c1 now", "chattrs-get"};
    expectErrorLines(a, bad);
    EXPECT_EQ(chattrsOf(a, "c1"), "");
}

// ---- netchange (SPEC S8) ------------------------------------------------------

// netchange is accepted in any state: one {"event":"ok","op":"netchange"}
// line, no result, no error, and nothing changes when connected.
TEST_F(CliTest, S8_NetchangeIsAcceptedAndChangesNothingWhenConnected)
{
    RtmProc &a = rtm("alice");
    a.send("netchange");  // DISCONNECTED
    const Line *ok = a.next(isEvent("ok"), kWait);
    ASSERT_TRUE(ok) << a.transcript();
    EXPECT_EQ(ok->str("op"), "netchange") << ok->raw;
    login(a);
    a.send("netchange");  // CONNECTED
    ok = a.next(isEvent("ok"), kWait);
    ASSERT_TRUE(ok) << a.transcript();
    EXPECT_EQ(ok->str("op"), "netchange") << ok->raw;
    EXPECT_EQ(attrsOf(a, "alice"), "{}");  // still connected: a request works
    a.settle(300);
    size_t states = 0;
    for (auto &l : a.lines()) {
        states += l.event() == "state";
        EXPECT_NE(l.event(), "error") << l.raw;
        EXPECT_FALSE(l.event() == "result" && l.str("op") == "netchange") << l.raw;
    }
    EXPECT_EQ(states, 2u) << a.transcript();
}

// S15: `renew TOKEN` is renewToken, with RenewTokenError codes; no token is
// an error line.
TEST_F(CliTest, S15_RenewCommandAndItsCodes)
{
    RtmProc &a = rtm("alice");
    a.send("renew");
    const Line *e = a.next(isEvent("error"), kWait);
    ASSERT_TRUE(e) << a.transcript();
    EXPECT_EQ(e->str("line"), "renew");
    a.send("renew t0ken");
    const Line *r = a.next(isResult("renew"), kWait);
    ASSERT_TRUE(r) << a.transcript();
    EXPECT_EQ(r->num("code"), 102) << r->raw;
    EXPECT_EQ(r->str("name"), "RENEW_TOKEN_ERR_USER_NOT_LOGGED_IN") << r->raw;
}

// ---- interruption and replay through rtm-faultproxy (S7, S9, S10, S13) ------

// Client timings shortened: a silent link is dead after 300 ms, and an
// interruption is reported 500 ms after it began.
static const char *kShortParams =
    R"({"rtm.interrupt_report_ms":500,"rtm.link_timeout_ms":300,"rtm.heartbeat_ms":100})";

// S7: a blip shorter than the interrupt report time is not reported: the
// link goes silent for 600 ms (it is found dead and restored), with a report
// time of 4 s: no state line, and the link works afterwards.
TEST_F(CliTest, S7_BlipShorterThanTheReportTimeIsNotReported)
{
    restartServer({"--heartbeat-ms", "100", "--session-grace-ms", "20000"});
    rtm_test::FaultProxy proxy(addr_);
    ASSERT_TRUE(proxy.started());
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob",
                     {"--param", R"({"rtm.interrupt_report_ms":4000,"rtm.link_timeout_ms":300,)"
                                 R"("rtm.heartbeat_ms":100,"rtm.reconnect_max_ms":500})"},
                     proxy.address());
    login(a);
    login(b);
    ASSERT_TRUE(proxy.Silent());
    b.settle(600);
    ASSERT_TRUE(proxy.Pass());
    b.send("netchange");
    ASSERT_TRUE(b.next(isEvent("ok"), kWait)) << b.transcript();
    // bob's link comes back: a message reaches him, and his reaches alice.
    a.send("send bob after the blip");
    expectResult(a, "send", 0, "PEER_MESSAGE_ERR_OK");
    EXPECT_TRUE(b.next(isPeerMessage("alice", "after the blip"), kWait)) << b.transcript();
    b.send("send alice back");
    expectResult(b, "send", 0, "PEER_MESSAGE_ERR_OK");
    EXPECT_TRUE(a.next(isPeerMessage("bob", "back"), kWait)) << a.transcript();
    // The blip did happen: the link was found dead and made again, and the
    // session resumed (a resume always ends with a replay report).
    EXPECT_GE(proxy.StatusField("accepted"), 2) << proxy.Status();
    EXPECT_TRUE(b.find(isEvent("replay"), kWait)) << b.transcript();
    size_t states = 0;
    for (auto &l : b.lines())
        states += l.event() == "state";
    EXPECT_EQ(states, 2u) << "a blip must not be reported\n" << b.transcript();
}

// S7, S9, S10, S13: bob's link goes silent (then, in a second round, is
// reset) for longer than the report time: RECONNECTING (INTERRUPTED); alice
// sends him a peer message and a channel message meanwhile, and sees no
// member_left (the server keeps his session); the link comes back:
// CONNECTED (LOGIN_SUCCESS), both messages exactly once, then the replay
// event that counts them.
TEST_F(CliTest, S7_S9_S10_OutageIsReportedThenMessagesAreReplayed)
{
    restartServer({"--heartbeat-ms", "100", "--session-grace-ms", "20000"});
    rtm_test::FaultProxy proxy(addr_);
    ASSERT_TRUE(proxy.started());
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob", {"--param", kShortParams}, proxy.address());
    login(a);
    login(b);
    a.send("join c1");
    expectResult(a, "join", 0, "JOIN_CHANNEL_ERR_OK");
    b.send("join c1");
    expectResult(b, "join", 0, "JOIN_CHANNEL_ERR_OK");
    ASSERT_TRUE(a.next(isMember("member_joined", "c1", "bob"), kWait)) << a.transcript();

    for (int round = 0; round < 2; round++) {
        SCOPED_TRACE(round == 0 ? "silent" : "reset");
        const std::string n = std::to_string(round);
        ASSERT_TRUE(round == 0 ? proxy.Silent() : (proxy.Refuse() && proxy.Reset()));
        const Line *s = b.next(isAnyState(), kWait);
        ASSERT_TRUE(s) << b.transcript();
        EXPECT_TRUE(isState("RECONNECTING", 4, "INTERRUPTED", 5)(*s)) << s->raw;

        a.send("send bob while you were away " + n);
        expectResult(a, "send", 0, "PEER_MESSAGE_ERR_OK");
        a.send("chsend c1 hi all " + n);
        expectResult(a, "chsend", 0, "CHANNEL_MESSAGE_ERR_OK");

        ASSERT_TRUE(round == 0 ? proxy.Pass() : proxy.Accept());
        // rtm prints netchange's "ok" on its command thread once the hint is
        // posted, the events on the callback thread: the reconnection (or
        // bob's own backoff) may print CONNECTED, the messages and the
        // replay before or after it. The events are waited for in their
        // order; the "ok" anywhere after this round's RECONNECTING.
        const size_t reconnecting = b.cursor();
        b.send("netchange");
        s = b.next(isAnyState(), kWait);
        ASSERT_TRUE(s) << b.transcript();
        EXPECT_TRUE(isState("CONNECTED", 3, "LOGIN_SUCCESS", 2)(*s)) << s->raw;
        const Line *rp = b.next(isEvent("replay"), kWait);
        ASSERT_TRUE(rp) << b.transcript();
        EXPECT_EQ(rp->num("peer_messages"), 1) << rp->raw;
        EXPECT_EQ(rp->num("channel_messages"), 1) << rp->raw;
        EXPECT_EQ(rp->num("channel_skipped"), 0) << rp->raw;
        EXPECT_EQ(rp->num("peer_dropped"), 0) << rp->raw;
        const Line *ok = b.findFrom(reconnecting, isEvent("ok"), kWait);
        ASSERT_TRUE(ok) << b.transcript();
        EXPECT_EQ(ok->str("op"), "netchange") << ok->raw;

        // Each message exactly once, before the replay line.
        int peer = 0, chan = 0;
        for (size_t i = 0; i < b.cursor(); i++) {
            peer += isPeerMessage("alice", "while you were away " + n)(b.lines()[i]);
            chan += isChannelMessage("c1", "alice", "hi all " + n)(b.lines()[i]);
        }
        EXPECT_EQ(peer, 1) << b.transcript();
        EXPECT_EQ(chan, 1) << b.transcript();
    }
    // And never again afterwards.
    b.settle(300);
    for (const char *n : {"0", "1"}) {
        int peer = 0, chan = 0;
        for (auto &l : b.lines()) {
            peer += isPeerMessage("alice", std::string("while you were away ") + n)(l);
            chan += isChannelMessage("c1", "alice", std::string("hi all ") + n)(l);
        }
        EXPECT_EQ(peer, 1) << b.transcript();
        EXPECT_EQ(chan, 1) << b.transcript();
    }
    // S13: within the grace period the others see nothing.
    a.settle(200);
    EXPECT_FALSE(a.find(isMember("member_left", "c1", "bob"), 0)) << a.transcript();
}

// S9, S10, B2 and the replay event's other counts: with rtmd keeping at most
// 2 unacknowledged peer messages per session and 2 channel messages per
// channel, 4 of each sent while bob is away give a replay of the latest 2 of
// each, in order, and the event counts the 2 + 2 left out.
TEST_F(CliTest, S9_S10_ReplayEventCountsWhatTheLimitsLeftOut)
{
    restartServer({"--heartbeat-ms", "100", "--session-grace-ms", "20000",
                   "--max-unacked", "2", "--replay-max", "2"});
    rtm_test::FaultProxy proxy(addr_);
    ASSERT_TRUE(proxy.started());
    RtmProc &a = rtm("alice");
    RtmProc &b = rtm("bob", {"--param", kShortParams}, proxy.address());
    login(a);
    login(b);
    a.send("join c1");
    expectResult(a, "join", 0, "JOIN_CHANNEL_ERR_OK");
    b.send("join c1");
    expectResult(b, "join", 0, "JOIN_CHANNEL_ERR_OK");

    ASSERT_TRUE(proxy.Refuse() && proxy.Reset());
    const Line *s = b.next(isAnyState(), kWait);
    ASSERT_TRUE(s) << b.transcript();
    EXPECT_TRUE(isState("RECONNECTING", 4, "INTERRUPTED", 5)(*s)) << s->raw;
    for (int i = 1; i <= 4; i++) {
        a.send("send bob p" + std::to_string(i));
        expectResult(a, "send", 0, "PEER_MESSAGE_ERR_OK");
        a.send("chsend c1 c" + std::to_string(i));
        expectResult(a, "chsend", 0, "CHANNEL_MESSAGE_ERR_OK");
    }
    ASSERT_TRUE(proxy.Accept());
    b.send("netchange");
    s = b.next(isAnyState(), kWait);
    ASSERT_TRUE(s) << b.transcript();
    EXPECT_TRUE(isState("CONNECTED", 3, "LOGIN_SUCCESS", 2)(*s)) << s->raw;
    const Line *rp = b.next(isEvent("replay"), kWait);
    ASSERT_TRUE(rp) << b.transcript();
    EXPECT_EQ(rp->num("peer_messages"), 2) << rp->raw;
    EXPECT_EQ(rp->num("channel_messages"), 2) << rp->raw;
    EXPECT_EQ(rp->num("channel_skipped"), 2) << rp->raw;
    EXPECT_EQ(rp->num("peer_dropped"), 2) << rp->raw;

    b.settle(300);
    std::string peers, chans;
    for (auto &l : b.lines()) {
        if (l.event() == "peer_message")
            peers += l.str("text") + " ";
        if (l.event() == "channel_message")
            chans += l.str("text") + " ";
    }
    EXPECT_EQ(peers, "p3 p4 ") << b.transcript();
    EXPECT_EQ(chans, "c3 c4 ") << b.transcript();
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
                              "error", "t_ms", "attrs-set", "attrs-update",
                              "attrs-del", "attrs-clear", "attrs-get", "netchange",
                              "attributes", "replay", "peer_messages",
                              "channel_messages", "channel_skipped", "peer_dropped",
                              "ATTRIBUTE_OPERATION_ERR_", "\"ok\""})
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
