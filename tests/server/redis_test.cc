// The Redis that rtmd's several-node engine will stand on (issue 16, SPEC
// B7), as the tests run it (redis_process.h): Debian's redis-server on a
// unix socket, answering; what it acknowledged is back after a SIGKILL
// (AOF with fsync at every write), so a test that kills it proves rtmd's
// promises, not Redis's defaults.
#include <event2/event.h>
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/stat.h>
#include <utime.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "admin_client.h"
#include "media_client.h"
#include "redis_process.h"
#include "rtm/rtm_codes.h"
#include "rtmd_process.h"
#include "server_test.h"
#include "test_client.h"

extern "C" {
#include "engine/redis_conn.h"
}

namespace rtm_test {
namespace {

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

struct ContextFree {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextFree>;

Context Connect(const RedisProcess& redis) {
  Context c(redisConnectUnix(redis.socket().c_str()));
  if (!c || c->err) ADD_FAILURE() << "cannot connect: " << (c ? c->errstr : "out of memory");
  return c;
}

Reply Command(const Context& c, const char* fmt, const char* a = nullptr,
              const char* b = nullptr) {
  return Reply(static_cast<redisReply*>(redisCommand(c.get(), fmt, a, b)));
}

// B7's ground: an acknowledged write survives a crash of Redis itself.
TEST(Redis, AnAcknowledgedWriteSurvivesAKill_B7) {
  RedisProcess redis;
  ASSERT_TRUE(redis.started()) << redis.Log();
  {
    Context c = Connect(redis);
    ASSERT_TRUE(c);
    Reply pong = Command(c, "PING");
    ASSERT_TRUE(pong);
    EXPECT_EQ(std::string(pong->str, pong->len), "PONG");
    Reply ok = Command(c, "SET %s %s", "rtm:key", "kept");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->type, REDIS_REPLY_STATUS);
    Reply cfg = Command(c, "CONFIG GET %s", "appendfsync");
    ASSERT_TRUE(cfg && cfg->type == REDIS_REPLY_ARRAY && cfg->elements == 2);
    EXPECT_EQ(std::string(cfg->element[1]->str), "always");
  }
  EXPECT_EQ(redis.Kill(), 128 + 9);
  ASSERT_TRUE(redis.Restart()) << redis.Log();
  Context c = Connect(redis);
  ASSERT_TRUE(c);
  Reply got;
  for (int i = 0; i < 100; i++) {  // -LOADING while the AOF is read back
    got = Command(c, "GET %s", "rtm:key");
    if (got && got->type != REDIS_REPLY_ERROR) break;
    usleep(20000);
  }
  ASSERT_TRUE(got);
  ASSERT_EQ(got->type, REDIS_REPLY_STRING);
  EXPECT_EQ(std::string(got->str, got->len), "kept");
}

// rtmd's connection to Redis (engine/redis_conn.h) on a real loop.
class RedisConn : public testing::Test {
 protected:
  void SetUp() override {
    // As rtmd does (main.c): a write to a dead connection is an error, not
    // a signal.
    signal(SIGPIPE, SIG_IGN);
    base_ = event_base_new();
    ASSERT_TRUE(base_);
    ASSERT_TRUE(redis_.started()) << redis_.Log();
    address_ = "unix:" + redis_.socket();
    rtmd_redis_config cfg = {};
    cfg.address = address_.c_str();
    cfg.timeout_ms = 300;
    cfg.backoff_min_ms = 20;
    cfg.backoff_max_ms = 200;
    cfg.changed = Changed;
    cfg.arg = this;
    conn_ = rtmd_redis_new(base_, &cfg);
    ASSERT_TRUE(conn_);
    ASSERT_TRUE(RunUntil([&] { return rtmd_redis_up(conn_); }));
  }
  void TearDown() override {
    rtmd_redis_free(conn_);
    event_base_free(base_);
  }
  // Runs the loop until done() or 5 s.
  bool RunUntil(const std::function<bool()>& done) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      event_base_loop(base_, EVLOOP_ONCE | EVLOOP_NONBLOCK);
      usleep(1000);
    }
    return true;
  }
  struct Answer {
    bool done = false;
    int err = -1;
    std::string text;   // a string or status reply, or "ERR:..." / "INT:n"
  };
  static void OnReply(rtmd_redis*, const redisReply* r, int err, void* arg) {
    auto* a = static_cast<Answer*>(arg);
    EXPECT_FALSE(a->done) << "a command's callback came twice";
    a->done = true;
    a->err = err;
    if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS))
      a->text.assign(r->str, r->len);
    else if (r && r->type == REDIS_REPLY_ERROR)
      a->text = "ERR:" + std::string(r->str, r->len);
    else if (r && r->type == REDIS_REPLY_INTEGER)
      a->text = "INT:" + std::to_string(r->integer);
  }
  void Send(Answer* a, std::vector<std::string> args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& s : args) {
      argv.push_back(s.data());
      lens.push_back(s.size());
    }
    rtmd_redis_command(conn_, static_cast<int>(argv.size()), argv.data(), lens.data(), OnReply, a);
  }
  Answer Do(std::vector<std::string> args) {
    Answer a;
    Send(&a, std::move(args));
    EXPECT_TRUE(RunUntil([&] { return a.done; }));
    return a;
  }
  // Sends cmd whenever connected until it answers want, for 5 s.
  bool Eventually(const std::vector<std::string>& cmd, const std::string& want) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < end) {
      if (RunUntil([&] { return rtmd_redis_up(conn_); })) {
        Answer a = Do(cmd);
        if (a.err == RTMD_REDIS_OK && a.text == want) return true;
      }
      usleep(20000);
    }
    return false;
  }
  static void Changed(rtmd_redis*, bool up, void* arg) {
    static_cast<RedisConn*>(arg)->changes_.push_back(up);
  }

  RedisProcess redis_;
  event_base* base_ = nullptr;
  std::string address_;
  rtmd_redis* conn_ = nullptr;
  std::vector<bool> changes_;
};

// Commands pipelined come back in order, each once; an error reply is a
// reply.
TEST_F(RedisConn, CommandsComeBackInOrder) {
  std::vector<Answer> answers(1000);
  for (auto& a : answers) Send(&a, {"INCR", "n"});
  ASSERT_TRUE(RunUntil([&] { return answers.back().done; }));
  for (size_t i = 0; i < answers.size(); i++) {
    ASSERT_TRUE(answers[i].done);
    EXPECT_EQ(answers[i].err, RTMD_REDIS_OK);
    EXPECT_EQ(answers[i].text, "INT:" + std::to_string(i + 1));
  }
  Answer bad = Do({"NOSUCHCOMMAND"});
  EXPECT_EQ(bad.err, RTMD_REDIS_OK);
  EXPECT_EQ(bad.text.rfind("ERR:", 0), 0u) << bad.text;
}

// A Redis that answers nothing (stopped): the command fails TIMEOUT at its
// deadline; once it answers again, the connection comes back by itself.
TEST_F(RedisConn, ASilentRedisIsTimeoutThenTheConnectionComesBack) {
  ASSERT_EQ(0, kill(redis_.pid(), SIGSTOP));
  auto t0 = std::chrono::steady_clock::now();
  Answer a = Do({"PING"});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(a.err, RTMD_REDIS_TIMEOUT);
  EXPECT_GE(ms, 250);
  EXPECT_LT(ms, 2000);
  ASSERT_EQ(0, kill(redis_.pid(), SIGCONT));
  EXPECT_TRUE(Eventually({"PING"}, "PONG"));
}

// A Redis killed: what waited fails DOWN, a command while it is down fails
// DOWN at once; restarted on its data, the connection comes back and what it
// acknowledged is there (AOF, fsync always).
TEST_F(RedisConn, AKilledRedisIsDownThenBackWithItsData) {
  EXPECT_EQ(Do({"SET", "k", "v"}).text, "OK");
  Answer waiting;
  ASSERT_EQ(0, kill(redis_.pid(), SIGSTOP));
  Send(&waiting, {"GET", "k"});
  redis_.Kill();
  ASSERT_TRUE(RunUntil([&] { return waiting.done; }));
  EXPECT_NE(waiting.err, RTMD_REDIS_OK);
  ASSERT_TRUE(RunUntil([&] { return !rtmd_redis_up(conn_); }));
  Answer now = Do({"PING"});
  EXPECT_EQ(now.err, RTMD_REDIS_DOWN);
  ASSERT_TRUE(redis_.Restart()) << redis_.Log();
  ASSERT_TRUE(RunUntil([&] { return rtmd_redis_up(conn_); }));
  // -LOADING while the AOF is read back, then the value.
  EXPECT_TRUE(Eventually({"GET", "k"}, "v"));
  ASSERT_GE(changes_.size(), 3u);
  EXPECT_TRUE(changes_[0]);
  EXPECT_FALSE(changes_[1]);
  EXPECT_TRUE(changes_.back());
}

// A connection has its name in Redis (CLIENT SETNAME, sent first); one
// that had answered a command and lasted backoff_min_ms and is closed by
// Redis (CLIENT KILL) is made again at once; one lost sooner waits the
// backoff.
TEST_F(RedisConn, ALastingConnectionLostIsMadeAgainAtOnceAQuickOneAfterTheBackoff) {
  rtmd_redis_config cfg = {};
  cfg.address = address_.c_str();
  cfg.timeout_ms = 300;
  cfg.backoff_min_ms = 1000;
  cfg.backoff_max_ms = 2000;
  cfg.name = "rtmd:test:named";
  rtmd_redis* named = rtmd_redis_new(base_, &cfg);
  ASSERT_TRUE(named);
  ASSERT_TRUE(RunUntil([&] { return rtmd_redis_up(named); }));
  Answer pong;  // it has answered (more than its name)
  const char* ping[] = {"PING"};
  size_t ping_len[] = {4};
  rtmd_redis_command(named, 1, ping, ping_len, OnReply, &pong);
  ASSERT_TRUE(RunUntil([&] { return pong.done; }));
  auto lasted = std::chrono::steady_clock::now() + std::chrono::milliseconds(1050);
  ASSERT_TRUE(RunUntil([&] { return std::chrono::steady_clock::now() > lasted; }));
  ASSERT_EQ(1, redis_.KillClients("rtmd:test:named")) << "named";
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunUntil([&] { return !rtmd_redis_up(named); }));
  ASSERT_TRUE(RunUntil([&] { return rtmd_redis_up(named); }));
  auto again_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(again_ms, 700) << "at once, not after the 1000 ms backoff";
  Answer again;
  rtmd_redis_command(named, 1, ping, ping_len, OnReply, &again);
  ASSERT_TRUE(RunUntil([&] { return again.done; }));
  ASSERT_EQ(1, redis_.KillClients("rtmd:test:named")) << "named again";
  t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(RunUntil([&] { return !rtmd_redis_up(named); }));
  ASSERT_TRUE(RunUntil([&] { return rtmd_redis_up(named); }));
  again_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::steady_clock::now() - t0).count();
  EXPECT_GE(again_ms, 990) << "up for less than backoff_min_ms: the backoff";
  rtmd_redis_free(named);
}

// Callbacks come in the order the commands were given, also when a
// callback gives one more while the connection's waiting commands are being
// failed (it fails after them, not before).
struct Ordered {
  rtmd_redis* conn;
  std::vector<int>* order;
  int index;
  Ordered* then;  // sent from this one's callback
};
void OrderedReply(rtmd_redis*, const redisReply*, int, void* arg) {
  auto* o = static_cast<Ordered*>(arg);
  o->order->push_back(o->index);
  if (o->then) {
    const char* argv[] = {"PING"};
    size_t len[] = {4};
    rtmd_redis_command(o->conn, 1, argv, len, OrderedReply, o->then);
  }
}

TEST_F(RedisConn, CallbacksKeepTheirOrderWhenTheConnectionGoes) {
  std::vector<int> order;
  std::vector<Ordered> ops(6);
  for (int i = 0; i < 6; i++) ops[i] = {conn_, &order, i, nullptr};
  ops[0].then = &ops[5];
  ASSERT_EQ(0, kill(redis_.pid(), SIGSTOP));
  const char* argv[] = {"PING"};
  size_t len[] = {4};
  for (int i = 0; i < 5; i++) rtmd_redis_command(conn_, 1, argv, len, OrderedReply, &ops[i]);
  redis_.Kill();
  ASSERT_TRUE(RunUntil([&] { return order.size() == 6; }));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

// rtmd on a Redis store (--store redis+unix://, docs/CLUSTER.md) while its
// Redis goes away: requests fail with their failure codes within
// --redis-timeout-ms, links stay up, and once Redis is back on its AOF the
// same links work again and nothing Redis had answered is lost (issue 16,
// item 4; SPEC B6 on Redis).
class RedisStore : public testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.started()) << redis_.Log(); }
  std::vector<std::string> Flags() {
    return {"--store", "redis+unix://" + redis_.socket(), "--redis-timeout-ms", "300",
            "--heartbeat-ms", "200"};
  }
  // c logged in as user (of the app "app") on node n.
  static void On(TestClient& c, const RtmdProcess& n, const char* user) {
    ASSERT_TRUE(c.Connect(n.host(), n.port()));
    ASSERT_EQ(c.HelloLogin("app", user), 0) << user;
  }
  // Waits until rtmd has said `store: redis ready` n times (the first: at
  // its start).
  static bool ReadyTimes(const RtmdProcess& rtmd, size_t n) {
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < end) {
      std::string log = rtmd.Log();
      size_t count = 0;
      for (size_t at = log.find("store: redis ready"); at != std::string::npos;
           at = log.find("store: redis ready", at + 1))
        count++;
      if (count >= n) return true;
      usleep(10000);
    }
    return false;
  }
  // The flags f with --node-id id.
  static std::vector<std::string> Named(std::vector<std::string> f, const char* id) {
    f.insert(f.end(), {"--node-id", id});
    return f;
  }
  // ms since start.
  static long long Since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now() - start)
        .count();
  }
  RedisProcess redis_;
};

TEST_F(RedisStore, RedisKilledThenRestartedFailsRequestsInTimeAndLosesNothing_B6) {
  RtmdProcess rtmd(Flags());
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  On(a, rtmd, "alice");
  On(b, rtmd, "bob");
  // Answered: kept for carol, who is away.
  ASSERT_EQ(a.PeerSend("carol", "kept", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);

  ASSERT_EQ(redis_.Kill(), 128 + 9);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(a.PeerSend("bob", "while down"), RTM_PEER_MESSAGE_ERR_FAILURE);
  EXPECT_LT(Since(start), 1000) << "within --redis-timeout-ms (300), with room";
  EXPECT_EQ(a.Join("room"), RTM_JOIN_CHANNEL_ERR_FAILURE);
  EXPECT_TRUE(rtmd.WaitForLog("store: redis unavailable"));
  // The links stay: nothing closes them for a second of heartbeats.
  EXPECT_FALSE(a.WaitClosed(1000));

  ASSERT_TRUE(redis_.Restart()) << redis_.Log();
  ASSERT_TRUE(ReadyTimes(rtmd, 2)) << rtmd.Log();
  EXPECT_EQ(a.PeerSend("bob", "after"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr got = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(got);
  EXPECT_STREQ(got->peer_deliver->message->text, "after");
  TestClient c;
  On(c, rtmd, "carol");
  FramePtr kept = c.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(kept) << "what Redis answered before its crash is still there";
  EXPECT_STREQ(kept->peer_deliver->message->text, "kept");
}

// A Redis that stops answering (SIGSTOP): a request fails TIMEOUT's way,
// FAILURE, once --redis-timeout-ms has passed, not before and not much
// after; when Redis answers again, so does rtmd.
TEST_F(RedisStore, ASilentRedisFailsRequestsAtTheirDeadline) {
  RtmdProcess rtmd(Flags());
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  On(a, rtmd, "alice");
  ASSERT_EQ(0, kill(redis_.pid(), SIGSTOP));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(a.PeerSend("bob", "unheard"), RTM_PEER_MESSAGE_ERR_FAILURE);
  long long took = Since(start);
  EXPECT_GE(took, 250);
  EXPECT_LT(took, 1500);
  ASSERT_EQ(0, kill(redis_.pid(), SIGCONT));
  // The connection was dropped at the deadline (a late answer would be
  // misread): made again, set up again.
  ASSERT_TRUE(ReadyTimes(rtmd, 2)) << rtmd.Log();
  EXPECT_EQ(a.PeerSend("bob", "heard"), RTM_PEER_MESSAGE_ERR_PEER_UNREACHABLE)
      << "bob is away: answered again";
}

// Two nodes on one Redis (issue 16, routing): users on different nodes
// exchange peer and channel messages as on one node: each once, in order,
// with the receiver's seqs; a channel message reaches every member on the
// other node; an offline message left through one node is had at a login
// on the other.
TEST_F(RedisStore, TwoNodesRouteMessagesBetweenTheirUsers_B7) {
  RtmdProcess n1(Flags()), n2(Flags());
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient alice, carol, bob;
  On(alice, n1, "alice");
  On(carol, n1, "carol");
  On(bob, n2, "bob");

  const int kCount = 200;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCount; i++)
    ASSERT_EQ(alice.PeerSend("bob", "p" + std::to_string(i)), RTM_PEER_MESSAGE_ERR_OK);
  for (int i = 0; i < kCount; i++) {
    FramePtr d = bob.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
    ASSERT_TRUE(d) << i;
    EXPECT_EQ(d->peer_deliver->seq, static_cast<uint64_t>(i + 1));
    EXPECT_STREQ(d->peer_deliver->from, "alice");
    EXPECT_EQ(std::string(d->peer_deliver->message->text), "p" + std::to_string(i));
  }
  std::printf("%d peer messages node 1 -> node 2, each answered before the next: %lld ms\n",
              kCount, Since(start));
  EXPECT_TRUE(bob.QuietFor(200)) << "each once";
  ASSERT_EQ(bob.PeerSend("alice", "back"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr back = alice.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(back);
  EXPECT_STREQ(back->peer_deliver->message->text, "back");

  for (TestClient* c : {&alice, &carol, &bob}) ASSERT_EQ(c->Join("room"), 0);
  // The member events of today are the node's own: read past them.
  auto next_channel = [](TestClient& c) {
    for (int i = 0; i < 10; i++) {
      FramePtr f = c.ReadFrame();
      if (!f) return FramePtr();
      if (f->body_case == RTM__WIRE__FRAME__BODY_CHANNEL_DELIVER) return f;
    }
    return FramePtr();
  };
  // The channel's seqs start above the clock (B2); each message has the
  // same on every node, and the next is one more.
  ASSERT_EQ(bob.ChannelSend("room", "from node 2"), 0);
  uint64_t first = 0;
  for (TestClient* c : {&alice, &carol}) {
    FramePtr d = next_channel(*c);
    ASSERT_TRUE(d);
    EXPECT_STREQ(d->channel_deliver->from, "bob");
    EXPECT_STREQ(d->channel_deliver->message->text, "from node 2");
    if (!first) first = d->channel_deliver->seq;
    EXPECT_EQ(d->channel_deliver->seq, first);
  }
  ASSERT_EQ(alice.ChannelSend("room", "from node 1"), 0);
  for (TestClient* c : {&carol, &bob}) {
    FramePtr d = next_channel(*c);
    ASSERT_TRUE(d);
    EXPECT_STREQ(d->channel_deliver->message->text, "from node 1");
    EXPECT_EQ(d->channel_deliver->seq, first + 1);
  }
  EXPECT_TRUE(alice.QuietFor(200)) << "a sender is not sent its own";

  ASSERT_EQ(alice.PeerSend("dave", "kept", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  TestClient dave;
  On(dave, n2, "dave");
  FramePtr kept = dave.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(kept);
  EXPECT_STREQ(kept->peer_deliver->message->text, "kept");
}

// Events reach users on the other node (issue 16): member events (and
// counts) of a channel, a channel's attributes with notify, and a user's
// presence to its subscribers (A8).
TEST_F(RedisStore, EventsReachMembersAndSubscribersOnTheOtherNode) {
  RtmdProcess n1(Flags()), n2(Flags());
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient alice, bob;
  On(alice, n1, "alice");
  On(bob, n2, "bob");
  ASSERT_EQ(alice.Join("room"), 0);
  ASSERT_EQ(bob.Join("room"), 0);
  FramePtr joined = alice.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(joined) << "bob's join, on the other node";
  EXPECT_STREQ(joined->member_event->user, "bob");
  EXPECT_TRUE(joined->member_event->joined);
  ASSERT_EQ(bob.SetChannelAttributes("room", RTM__WIRE__SET_ATTRIBUTES__OP__OP_SET,
                                     {{"topic", "cluster"}}, {}, true),
            0);
  FramePtr attrs = alice.Expect(RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES_EVENT);
  ASSERT_TRUE(attrs);
  ASSERT_EQ(attrs->channel_attributes_event->n_attributes, 1u);
  EXPECT_STREQ(attrs->channel_attributes_event->attributes[0]->value, "cluster");
  ASSERT_EQ(bob.Leave("room"), 0);
  FramePtr left = alice.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(left);
  EXPECT_STREQ(left->member_event->user, "bob");
  EXPECT_FALSE(left->member_event->joined);

  // A query sees the other node's users (A8).
  FramePtr q = alice.QueryPeers({"bob", "nobody"});
  ASSERT_TRUE(q);
  ASSERT_EQ(q->peer_states->n_peers, 2u);
  EXPECT_EQ(q->peer_states->peers[0]->state, 0) << "bob, on n2: ONLINE";
  EXPECT_EQ(q->peer_states->peers[1]->state, 2) << "OFFLINE";
  ASSERT_EQ(alice.Subscribe({"bob"}), 0);
  FramePtr first = alice.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->peer_state_event->peers[0]->state, 0) << "a subscription's first state";

  ASSERT_EQ(alice.Subscribe({"carol"}), 0);
  FramePtr now = alice.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT);
  ASSERT_TRUE(now);
  EXPECT_EQ(now->peer_state_event->peers[0]->state, 2) << "carol: OFFLINE";
  TestClient carol;
  On(carol, n2, "carol");
  FramePtr online = alice.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT);
  ASSERT_TRUE(online) << "carol's login, on the other node";
  ASSERT_EQ(online->peer_state_event->n_peers, 1u);
  EXPECT_STREQ(online->peer_state_event->peers[0]->user, "carol");
  EXPECT_EQ(online->peer_state_event->peers[0]->state, 0);  // ONLINE
  ASSERT_EQ(carol.Logout(), 0);
  FramePtr offline = alice.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT);
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->peer_state_event->peers[0]->state, 2);  // OFFLINE
}

// The admin API of any node shows the users of every node and kicks or
// bans a user wherever it is (issue 16, item 3; SPEC A1 across nodes).
TEST_F(RedisStore, TheAdminApiOfOneNodeSeesAndKicksUsersOfTheOther_A1) {
  AdminRtmd n1(Flags());
  RtmdProcess n2(Flags());
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient alice, bob, carol;
  ASSERT_TRUE(alice.Connect(n1.rtmd().host(), n1.rtmd().port()));
  ASSERT_EQ(alice.HelloLogin("app", "alice"), 0);
  On(bob, n2, "bob");
  On(carol, n2, "carol");
  ASSERT_EQ(alice.Join("room"), 0);
  ASSERT_EQ(bob.Join("room"), 0);
  ASSERT_TRUE(alice.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT));

  HttpResponse users = n1.Call("GET", "/users?app=app");
  ASSERT_EQ(users.status, 200) << users.body;
  EXPECT_NE(users.body.find("\"user\":\"alice\",\"in_grace\":false,\"node\":"),
            std::string::npos)
      << users.body;
  EXPECT_NE(users.body.find("\"user\":\"bob\",\"in_grace\":null,\"node\":"),
            std::string::npos)
      << users.body;
  EXPECT_NE(users.body.find("carol"), std::string::npos) << users.body;

  HttpResponse kick = n1.Call("POST", "/users/bob/kick?app=app");
  EXPECT_EQ(kick.status, 200) << kick.body;
  EXPECT_NE(kick.body.find("\"kicked\":true"), std::string::npos) << kick.body;
  FramePtr k = bob.Expect(RTM__WIRE__FRAME__BODY_KICK);
  ASSERT_TRUE(k) << "kicked on the other node";
  EXPECT_EQ(k->kick->reason, RTM_CONNECTION_CHANGE_REASON_BANNED_BY_SERVER);
  FramePtr left = alice.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
  ASSERT_TRUE(left) << "its session ended there: its channel told";
  EXPECT_STREQ(left->member_event->user, "bob");
  EXPECT_FALSE(left->member_event->joined);

  HttpResponse ban = n1.Call("POST", "/users/carol/ban?app=app&seconds=60");
  EXPECT_EQ(ban.status, 200) << ban.body;
  EXPECT_NE(ban.body.find("\"kicked\":true"), std::string::npos) << ban.body;
  ASSERT_TRUE(carol.Expect(RTM__WIRE__FRAME__BODY_KICK));
  TestClient again;
  ASSERT_TRUE(again.Connect(n2.host(), n2.port()));
  EXPECT_EQ(again.HelloLogin("app", "carol"), RTM_LOGIN_ERR_REJECTED) << "banned on every node";
  EXPECT_EQ(n1.Call("POST", "/users/nobody/kick?app=app").status, 404);
}

// While Redis is away the admin API says so (503 with an error), rather
// than a 500; back, it answers again (issue 16, item 4).
TEST_F(RedisStore, TheAdminApiAnswers503WhileRedisIsAway) {
  AdminRtmd n(Flags());
  ASSERT_TRUE(n.started());
  EXPECT_EQ(n.Call("GET", "/nodes").status, 200);
  ASSERT_EQ(redis_.Kill(), 128 + 9);
  ASSERT_TRUE(n.rtmd().WaitForLog("store: redis unavailable"));
  for (const char* path : {"/users", "/nodes", "/channels?app=app", "/bans"}) {
    HttpResponse r = n.Call("GET", path);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_EQ(r.body, "{\"error\":\"the store is unavailable; try again\"}\n") << path;
  }
  // A kick of a user this node does not hold: not a 404, which would say
  // the user is offline.
  EXPECT_EQ(n.Call("POST", "/users/bob/kick?app=app").status, 503);
  ASSERT_TRUE(redis_.Restart()) << redis_.Log();
  ASSERT_TRUE(ReadyTimes(n.rtmd(), 2)) << n.rtmd().Log();
  EXPECT_EQ(n.Call("GET", "/users").status, 200);
}

// Media across nodes (SPEC M1, M2; docs/CLUSTER.md): nodes whose
// --media-dir is one directory serve each other's uploads byte for byte; a
// node with a directory of its own finds the media known (Redis) but not
// its bytes. A starting node removes its own parts (a crash's) and other
// nodes' stale ones, and leaves another node's part that may be a live
// upload's.
TEST_F(RedisStore, NodesSharingAMediaDirServeEachOthersUploads_M1_M2) {
  char tmpl[] = "/tmp/rtmd-shared-media-XXXXXX";
  ASSERT_TRUE(mkdtemp(tmpl));
  const std::string shared = tmpl, sub = shared + "/ab";
  ASSERT_EQ(mkdir(sub.c_str(), 0700), 0);
  const std::string id(30, '0');
  auto touch = [](const std::string& path) {
    FILE* f = fopen(path.c_str(), "w");
    if (f) fclose(f);
    return f != nullptr;
  };
  const std::string own = sub + "/ab" + id + ".n1.part", live = sub + "/ab" + id + ".n2.part",
                    stale = sub + "/ab" + id + ".n9.part";
  ASSERT_TRUE(touch(own) && touch(live) && touch(stale));
  struct utimbuf old = {time(nullptr) - 3 * 3600, time(nullptr) - 3 * 3600};
  ASSERT_EQ(utime(stale.c_str(), &old), 0);

  auto node = [&](const char* id_, const std::string& media) {
    std::vector<std::string> f = Flags();
    f.insert(f.end(), {"--node-id", id_, "--media-dir", media});
    return f;
  };
  RtmdProcess n1(node("n1", shared));
  ASSERT_TRUE(n1.started());
  EXPECT_NE(access(own.c_str(), F_OK), 0) << "its own part (a crash's) goes";
  EXPECT_NE(access(stale.c_str(), F_OK), 0) << "another node's stale part goes";
  EXPECT_EQ(access(live.c_str(), F_OK), 0) << "another node's live upload stays";
  RtmdProcess n2(node("n2", shared));
  ASSERT_TRUE(n2.started());
  EXPECT_NE(access(live.c_str(), F_OK), 0) << "n2's own part: n2 starting, a crash's";

  TestClient alice, bob;
  On(alice, n1, "alice");
  On(bob, n2, "bob");
  Bytes data = RandomBytes(300 * 1000, 16);
  std::string media = UploadId(alice, data);
  ASSERT_FALSE(media.empty());
  int code = -1;
  EXPECT_EQ(Download(bob, media, &code), data) << "through the other node";
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_OK);

  char own_tmpl[] = "/tmp/rtmd-own-media-XXXXXX";
  ASSERT_TRUE(mkdtemp(own_tmpl));
  RtmdProcess n3(node("n3", own_tmpl));
  ASSERT_TRUE(n3.started());
  TestClient carol;
  On(carol, n3, "carol");
  EXPECT_TRUE(Download(carol, media, &code).empty());
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST) << "known, but its bytes are not here";
  std::system(("rm -rf '" + shared + "' '" + own_tmpl + "'").c_str());
}

// M2 across nodes with a media directory each: a media expires in
// whichever node's sweep runs first (here a node starting), and the node
// that took its upload is told to remove its bytes: no file is left.
TEST_F(RedisStore, AnExpiredMediasFileGoesFromTheNodeThatTookIt_M2) {
  char a_tmpl[] = "/tmp/rtmd-media-a-XXXXXX", b_tmpl[] = "/tmp/rtmd-media-b-XXXXXX";
  ASSERT_TRUE(mkdtemp(a_tmpl) && mkdtemp(b_tmpl));
  auto node = [&](const char* id, const char* media) {
    std::vector<std::string> f = Flags();
    f.insert(f.end(), {"--node-id", id, "--media-dir", media, "--media-ttl-s", "1"});
    return f;
  };
  RtmdProcess n1(node("n1", a_tmpl));
  ASSERT_TRUE(n1.started());
  TestClient alice;
  On(alice, n1, "alice");
  ASSERT_FALSE(UploadId(alice, RandomBytes(1000, 7)).empty());
  EXPECT_EQ(CountFiles(a_tmpl), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past --media-ttl-s
  RtmdProcess n2(node("n2", b_tmpl));  // its start sweeps: the media expires there
  ASSERT_TRUE(n2.started());
  ASSERT_TRUE(n1.WaitForLog("1 media expired")) << n1.Log();
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (CountFiles(a_tmpl) != 0 && std::chrono::steady_clock::now() < end)
    usleep(10000);  // removed on the blob store's thread
  EXPECT_EQ(CountFiles(a_tmpl), 0u) << "n1 removed the bytes it kept";
  std::system(("rm -rf '" + std::string(a_tmpl) + "' '" + b_tmpl + "'").c_str());
}

// /metrics on a Redis store: rtmd_store_bytes is the whole system's, read
// at each beat (an offline message kept through the other node shows).
TEST_F(RedisStore, MetricsShowTheBytesTheSystemHolds) {
  std::vector<std::string> f = Flags();
  f.insert(f.end(), {"--node-timeout-ms", "400"});
  AdminRtmd n1(f);
  RtmdProcess n2(f);
  ASSERT_TRUE(n1.started() && n2.started());
  // The value of a sample in n1's /metrics, -1 when it is not there.
  auto sample = [&](const std::string& name) -> long long {
    std::string body = n1.Call("GET", "/metrics").body;
    size_t at = body.find("\n" + name + " ");
    return at == std::string::npos ? -1 : std::stoll(body.substr(at + name.size() + 2));
  };
  const std::string offline = "rtmd_store_bytes{kind=\"offline\"}";
  auto beaten = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  while (std::chrono::steady_clock::now() < beaten) usleep(20000);  // a beat or more
  EXPECT_EQ(sample(offline), 0) << "nothing kept yet";
  TestClient alice;
  On(alice, n2, "alice");
  ASSERT_EQ(alice.PeerSend("carol", "kept", true), RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER);
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (sample(offline) <= 0 && std::chrono::steady_clock::now() < end) usleep(50000);
  EXPECT_GT(sample(offline), 0) << "the offline message's bytes, kept through n2";
}

// A1 on a dead node's session: the admin API of a live node kicks a user
// whose node died while it waits in its grace: the session ends at once,
// and its channel and subscribers are told (member left, OFFLINE).
TEST_F(RedisStore, AnAdminKickOfADeadNodesSessionTellsItsChannel_A1) {
  std::vector<std::string> f = Flags();
  f.insert(f.end(), {"--node-timeout-ms", "400", "--session-grace-ms", "20000"});
  RtmdProcess n1(f);
  AdminRtmd n2(f);
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient alice, bob;
  On(alice, n1, "alice");
  ASSERT_TRUE(bob.Connect(n2.rtmd().host(), n2.rtmd().port()));
  ASSERT_EQ(bob.HelloLogin("app", "bob"), 0);
  ASSERT_EQ(alice.Join("room"), 0);
  ASSERT_EQ(bob.Join("room"), 0);
  ASSERT_EQ(bob.Subscribe({"alice"}), 0);
  ASSERT_TRUE(bob.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT));  // ONLINE
  ASSERT_EQ(n1.Kill(), 128 + 9);
  FramePtr unreachable = bob.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT, 5000);
  ASSERT_TRUE(unreachable) << "n1 declared dead";
  auto kicked_at = std::chrono::steady_clock::now();
  HttpResponse kick = n2.Call("POST", "/users/alice/kick?app=app");
  EXPECT_EQ(kick.status, 200) << kick.body;
  EXPECT_NE(kick.body.find("\"kicked\":true"), std::string::npos) << kick.body;
  FramePtr left = bob.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT, 3000);
  ASSERT_TRUE(left) << "its channel is told at once, not at the grace's end (20 s)";
  EXPECT_STREQ(left->member_event->user, "alice");
  EXPECT_FALSE(left->member_event->joined);
  EXPECT_LT(Since(kicked_at), 3000);
  FramePtr offline = bob.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT);
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->peer_state_event->peers[0]->state, 2);  // OFFLINE
}

// B7: items missing from a node's inbox (past its cap) are a gap the node
// sees by their numbers: it closes its links with Close{STORE_FAILED} so
// their clients resume, and a resume replays what the items carried.
TEST_F(RedisStore, AGapInANodesInboxMakesItsClientsResume_B7) {
  RtmdProcess n1(Named(Flags(), "n1")), n2(Flags());
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient alice, bob;
  On(alice, n1, "alice");
  On(bob, n2, "bob");
  ASSERT_EQ(bob.PeerSend("alice", "first"), RTM_PEER_MESSAGE_ERR_OK);
  ASSERT_TRUE(alice.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER));  // item 1
  // Four items lost: the next one n1 reads is numbered 6.
  Context c = Connect(redis_);
  ASSERT_TRUE(c);
  Reply seq = Command(c, "INCRBY rtm/inseq/n1 5");
  ASSERT_TRUE(seq && seq->type == REDIS_REPLY_INTEGER);
  Reply added =
      Command(c, "XADD rtm/inbox/n1 * n %s k e a app", std::to_string(seq->integer).c_str());
  ASSERT_TRUE(added && added->type == REDIS_REPLY_STRING);
  FramePtr closed = alice.Expect(RTM__WIRE__FRAME__BODY_CLOSE);
  ASSERT_TRUE(closed) << n1.Log();
  EXPECT_EQ(closed->close->code, RTM__WIRE__CLOSE__CODE__CLOSE_STORE_FAILED);
  EXPECT_TRUE(alice.WaitClosed(2000));
  EXPECT_TRUE(n1.WaitForLog("redis inbox: 4 items missing"));
  EXPECT_TRUE(n1.WaitForLog("app/alice: link lost, session kept")) << "in its grace, to resume";
  EXPECT_FALSE(bob.WaitClosed(300)) << "n2 had no gap: its link stays";
}

// The expiry sweep on Redis goes in steps (about 256 offline queues,
// channels and media per function call, from a cursor kept in Redis), so
// no call holds Redis for the whole pass: 600 receivers' offline messages
// expire in a pass of several steps, every one of them.
TEST_F(RedisStore, TheExpirySweepGoesInBoundedSteps) {
  std::vector<std::string> f = Flags();
  f.insert(f.end(), {"--offline-ttl-s", "1"});
  RtmdProcess n1(f);
  ASSERT_TRUE(n1.started());
  TestClient alice;
  On(alice, n1, "alice");
  const int kReceivers = 600;
  for (int i = 0; i < kReceivers; i++)
    ASSERT_EQ(alice.PeerSend("u" + std::to_string(i), "kept", true),
              RTM_PEER_MESSAGE_ERR_CACHED_BY_SERVER) << i;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // past --offline-ttl-s
  RtmdProcess n2(f);  // its start sweeps
  ASSERT_TRUE(n2.started());
  ASSERT_TRUE(n2.WaitForLog("expiry sweep: a pass of")) << n2.Log();
  std::string log = n2.Log();
  size_t expired = 0;
  for (size_t at = log.find(" offline messages expired"); at != std::string::npos;
       at = log.find(" offline messages expired", at + 1)) {
    size_t start = log.rfind(' ', at - 1) + 1;
    expired += std::stoul(log.substr(start, at - start));
  }
  EXPECT_EQ(expired, static_cast<size_t>(kReceivers));
  size_t steps_at = log.find("expiry sweep: a pass of ") + strlen("expiry sweep: a pass of ");
  EXPECT_GE(std::stoul(log.substr(steps_at)), 3u) << "600 queues, about 256 a step";
  TestClient u0;
  On(u0, n2, "u0");
  EXPECT_FALSE(u0.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER, 300))
      << "its offline message expired";
}

// A node killed: the others declare it dead past --node-timeout-ms, and
// its sessions whose clients do not come back end after their grace
// (S13): their channels see them leave, their subscribers see them OFFLINE.
TEST_F(RedisStore, ADeadNodesSessionsEndAfterTheirGrace_S13_B7) {
  std::vector<std::string> f = Flags();
  f.insert(f.end(), {"--node-timeout-ms", "400", "--session-grace-ms", "1000"});
  std::vector<std::string> named = Named(f, "n1");
  RtmdProcess n1(named), n2(f);
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient alice, bob;
  On(alice, n1, "alice");
  On(bob, n2, "bob");
  ASSERT_EQ(alice.Join("room"), 0);
  ASSERT_EQ(bob.Join("room"), 0);
  ASSERT_EQ(bob.Subscribe({"alice"}), 0);
  ASSERT_TRUE(bob.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT));
  ASSERT_EQ(n1.Kill(), 128 + 9);
  auto killed = std::chrono::steady_clock::now();
  // A8: UNREACHABLE once n1 is declared dead, OFFLINE at the grace's end.
  FramePtr unreachable = bob.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT, 5000);
  long long dead_ms = Since(killed);
  ASSERT_TRUE(unreachable) << n2.Log();
  EXPECT_EQ(unreachable->peer_state_event->peers[0]->state, 1);  // UNREACHABLE
  EXPECT_LE(dead_ms, 400 + 1000) << "declared dead within its timeout (400 ms), with room";
  FramePtr q = bob.QueryPeers({"alice"});
  ASSERT_TRUE(q);
  EXPECT_EQ(q->peer_states->peers[0]->state, 1) << "a query says so too";
  FramePtr left = bob.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT, 5000);
  long long ms = Since(killed);
  ASSERT_TRUE(left) << n2.Log();
  EXPECT_STREQ(left->member_event->user, "alice");
  EXPECT_FALSE(left->member_event->joined);
  EXPECT_GE(ms, 950) << "not before its grace (1000 ms)";
  EXPECT_LE(ms, 400 + 1000 + 1000) << "dead within 400 ms, then its grace";
  FramePtr offline = bob.Expect(RTM__WIRE__FRAME__BODY_PEER_STATE_EVENT);
  ASSERT_TRUE(offline);
  EXPECT_EQ(offline->peer_state_event->peers[0]->state, 2);  // OFFLINE
  std::printf("a killed node's session ended %lld ms after the kill (timeout 400, grace 1000)\n",
              ms);
  TestClient back;  // and its user logs in again as a new session
  ASSERT_TRUE(back.Connect(n2.host(), n2.port()));
  ASSERT_EQ(back.HelloLogin("app", "alice", 9), 0);
  // The dead node started again (the same id): it joins again and serves.
  RtmdProcess again(named);
  ASSERT_TRUE(again.started());
  TestClient carol;
  On(carol, again, "carol");
  ASSERT_EQ(carol.PeerSend("alice", "from the node that died"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d = back.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_EQ(again.Log().find("ERROR"), std::string::npos) << again.Log();
}

// Redis away longer than --node-timeout-ms: every node was silent, so none
// declares another dead when it comes back (each waits a timeout, long
// enough for the others to reconnect and beat): the links and sessions
// stay (B7).
TEST_F(RedisStore, ARedisOutageLongerThanTheNodeTimeoutDeclaresNobodyDead_B7) {
  std::vector<std::string> f = Flags();
  f.insert(f.end(), {"--node-timeout-ms", "2500"});
  RtmdProcess n1(f), n2(f);
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient alice, bob;
  On(alice, n1, "alice");
  On(bob, n2, "bob");
  // The clients keep their links busy meanwhile (rtmd's idle timeout).
  auto idle = [&](int ms) {
    for (int i = 0; i < ms / 200; i++) {
      alice.Ping();
      bob.Ping();
      usleep(200 * 1000);
    }
  };
  ASSERT_EQ(0, kill(redis_.pid(), SIGSTOP));
  idle(3000);
  ASSERT_EQ(0, kill(redis_.pid(), SIGCONT));
  ASSERT_TRUE(ReadyTimes(n1, 2) && ReadyTimes(n2, 2));
  idle(3000);  // a timeout after both are back: they judge again
  EXPECT_EQ(n1.Log().find("declared dead"), std::string::npos) << n1.Log();
  EXPECT_EQ(n2.Log().find("declared dead"), std::string::npos) << n2.Log();
  ASSERT_EQ(alice.PeerSend("bob", "still here"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d = bob.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d) << "bob's link and session stayed";
  EXPECT_STREQ(d->peer_deliver->message->text, "still here");
}

// A node paused (SIGSTOP) past --node-timeout-ms is declared dead; its
// client carries on through the other node, taking its session up there;
// the paused node, back, finds itself fenced: it drops its links and
// sessions, unended, and joins again (B7).
TEST_F(RedisStore, APausedNodeIsFencedAndItsClientCarriesOnElsewhere_B7) {
  std::vector<std::string> f = Flags();
  f.insert(f.end(), {"--node-timeout-ms", "400", "--session-grace-ms", "10000"});
  RtmdProcess n1(f), n2(f);
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient first;
  ASSERT_TRUE(first.Connect(n1.host(), n1.port()));
  ASSERT_EQ(first.HelloLogin("app", "alice", 7), 0);
  uint64_t id = first.session_id();
  ASSERT_EQ(0, kill(n1.pid(), SIGSTOP));
  usleep(1200 * 1000);  // n2 declares n1 dead
  TestClient moved;
  moved.set_session_id(id);
  ASSERT_TRUE(moved.Connect(n2.host(), n2.port()));
  ASSERT_TRUE(moved.Hello());
  bool resumed = false;
  ASSERT_EQ(moved.Login("app", "alice", 7, "", &resumed), 0);
  EXPECT_TRUE(resumed) << "taken up from the dead node's grace";
  ASSERT_EQ(0, kill(n1.pid(), SIGCONT));
  EXPECT_TRUE(n1.WaitForLog("was declared dead", 5000)) << n1.Log();
  EXPECT_TRUE(first.WaitClosed()) << "its links dropped";
  EXPECT_TRUE(n1.WaitForLog("joined again", 5000)) << n1.Log();
  TestClient other;  // n1 serves again
  ASSERT_TRUE(other.Connect(n1.host(), n1.port()));
  EXPECT_EQ(other.HelloLogin("app", "carol"), 0);
  TestClient bob;
  On(bob, n1, "bob");
  ASSERT_EQ(bob.PeerSend("alice", "after the pause"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d = moved.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "after the pause");
}

// One user, two nodes (issue 16; S14, S16 across nodes): the same client
// instance logging in on the other node takes its session up there, with
// the same id, resumed, and its old link is closed; a message to it is then
// delivered on the new node. Another instance logging in on the first node
// kicks it there with REMOTE_LOGIN and gets a new session.
TEST_F(RedisStore, ASessionFollowsItsClientAcrossNodesAndAnotherInstanceKicksIt_S16) {
  RtmdProcess n1(Flags()), n2(Flags());
  ASSERT_TRUE(n1.started() && n2.started());
  TestClient bob, first;
  On(bob, n1, "bob");
  ASSERT_TRUE(first.Connect(n1.host(), n1.port()));
  ASSERT_EQ(first.HelloLogin("app", "alice", 7), 0);
  uint64_t id = first.session_id();
  ASSERT_NE(id, 0u);

  TestClient moved;
  moved.set_session_id(id);
  ASSERT_TRUE(moved.Connect(n2.host(), n2.port()));
  ASSERT_TRUE(moved.Hello());
  bool resumed = false;
  ASSERT_EQ(moved.Login("app", "alice", 7, "", &resumed), 0);
  EXPECT_TRUE(resumed);
  EXPECT_EQ(moved.session_id(), id);
  EXPECT_TRUE(first.WaitClosed()) << "the old link goes";
  ASSERT_EQ(bob.PeerSend("alice", "to the new node"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr d = moved.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  EXPECT_STREQ(d->peer_deliver->message->text, "to the new node");
  EXPECT_TRUE(moved.PeerAck(d->peer_deliver->seq));

  TestClient other;
  ASSERT_TRUE(other.Connect(n1.host(), n1.port()));
  ASSERT_TRUE(other.Hello());
  resumed = true;
  ASSERT_EQ(other.Login("app", "alice", 8, "", &resumed), 0);
  EXPECT_FALSE(resumed);
  EXPECT_NE(other.session_id(), id);
  FramePtr kick = moved.Expect(RTM__WIRE__FRAME__BODY_KICK);
  ASSERT_TRUE(kick) << "kicked on the other node";
  EXPECT_EQ(kick->kick->reason, RTM_CONNECTION_CHANGE_REASON_REMOTE_LOGIN);
  ASSERT_EQ(bob.PeerSend("alice", "to the newest"), RTM_PEER_MESSAGE_ERR_OK);
  FramePtr e = other.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(e);
  // S9: a delivery whose PeerAck had not reached n2 when the session ended
  // is kept for the user's next login, which is this one.
  if (std::string(e->peer_deliver->message->text) == "to the new node") {
    e = other.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
    ASSERT_TRUE(e);
  }
  EXPECT_STREQ(e->peer_deliver->message->text, "to the newest");
}

// A start waits --redis-wait-ms for its Redis, then exits 1 with a clear line.
TEST(RedisStoreStart, NoRedisWithinTheWaitIsAnErrorExit) {
  char dir[] = "/tmp/rtmd-redis-start-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string d = dir;
  auto start = std::chrono::steady_clock::now();
  RunResult r = RunRtmd("--listen 127.0.0.1:0 --data-dir " + d + "/data --store redis+unix://" +
                        d + "/none.sock --redis-wait-ms 300");
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("not ready within 300 ms (--redis-wait-ms)"), std::string::npos) << r.out;
  EXPECT_LT(took, std::chrono::seconds(3));
  EXPECT_EQ(0, std::system(("rm -rf '" + d + "'").c_str()));
}

}  // namespace
}  // namespace rtm_test
