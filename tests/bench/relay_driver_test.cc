// The raw-relay driver (native/bench/drv_relay.c) against a real rtm-relay
// on a free loopback port, and rtm-relay itself at its socket: what a
// scenario of rtm-bench relies on (bench.h) and what the floor promises
// (relay.c's opening comment), beyond what driver_test.cc checks of every
// system.
//
// Two tests also print rough figures (throughput, memory per idle
// connection); they assert only what was delivered, never a speed, so that
// a loaded 2-core machine passes.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "bench.h"
#include "proc.h"
#include "relay_proto.h"
}

namespace {

const bench_driver& D = bench_driver_relay;

// What the driver reported, per endpoint, guarded by one lock.
struct Recorder {
  std::mutex mu;
  std::condition_variable cv;
  std::map<bench_ep*, int> ready, not_ready, joined, not_joined;
  std::map<bench_ep*, std::vector<std::string>> messages;
  // Runs on the driver's thread inside on_message, without the lock.
  std::function<void(bench_ep*, const void*, size_t)> hook;
  bool keep = true;  // store the messages (off when only hook counts)

  bool WaitFor(const std::function<bool()>& pred, int timeout_ms = 10000) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::milliseconds(timeout_ms), pred);
  }
  size_t Count(bench_ep* ep) {
    std::lock_guard<std::mutex> lock(mu);
    return messages[ep].size();
  }
};

void OnReady(void* closure, bench_ep* ep, bool ok) {
  auto* r = static_cast<Recorder*>(closure);
  std::lock_guard<std::mutex> lock(r->mu);
  (ok ? r->ready : r->not_ready)[ep]++;
  r->cv.notify_all();
}

void OnJoined(void* closure, bench_ep* ep, bool ok) {
  auto* r = static_cast<Recorder*>(closure);
  std::lock_guard<std::mutex> lock(r->mu);
  (ok ? r->joined : r->not_joined)[ep]++;
  r->cv.notify_all();
}

void OnMessage(void* closure, bench_ep* ep, const void* data, size_t len) {
  auto* r = static_cast<Recorder*>(closure);
  if (r->hook) r->hook(ep, data, len);
  if (!r->keep) return;
  std::lock_guard<std::mutex> lock(r->mu);
  r->messages[ep].emplace_back(static_cast<const char*>(data), len);
  r->cv.notify_all();
}

const bench_events kEvents = {OnReady, OnJoined, OnMessage};

// A payload of len bytes that starts with seq and is otherwise a pattern,
// so that a reordered, cut or mixed-up message shows.
std::string Payload(uint32_t seq, size_t len) {
  std::string s(len, '\0');
  for (size_t i = 0; i < len; i++) s[i] = static_cast<char>('a' + (seq + i) % 26);
  std::memcpy(&s[0], &seq, std::min(len, sizeof seq));
  return s;
}

class RelayDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bench_raise_nofile();
    char tmpl[] = "/tmp/relay-driver-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    work_dir_ = tmpl;
    env_.build_dir = RTM_BUILD_DIR;
    env_.work_dir = work_dir_.c_str();
    env_.heartbeat_s = 1;
    port_ = bench_free_port();
    ASSERT_GT(port_, 0);
    ASSERT_EQ(D.server_start(&env_, port_, &server_), 0);
  }

  void TearDown() override {
    if (clients_) D.client_close(clients_);
    if (server_) D.server_stop(server_);
    if (HasFailure()) {
      std::string log = work_dir_ + "/rtm-relay.log";
      if (FILE* f = std::fopen(log.c_str(), "r")) {
        char line[512];
        std::fprintf(stderr, "--- %s\n", log.c_str());
        while (std::fgets(line, sizeof line, f)) std::fputs(line, stderr);
        std::fclose(f);
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(work_dir_, ignored);
  }

  void Open(int threads) {
    ASSERT_EQ(D.client_open(&env_, port_, threads, &kEvents, &rec_, &clients_), 0);
  }

  // Connects users and waits until all are ready.
  std::vector<bench_ep*> Connect(const std::vector<std::string>& users,
                                 const char* source = nullptr) {
    std::vector<bench_ep*> eps;
    for (const auto& u : users) {
      bench_ep* ep = D.connect(clients_, u.c_str(), source);
      EXPECT_NE(ep, nullptr);
      eps.push_back(ep);
    }
    EXPECT_TRUE(rec_.WaitFor([&] {
      for (auto* ep : eps)
        if (rec_.ready[ep] != 1) return false;
      return true;
    })) << "not every endpoint became ready";
    return eps;
  }

  // The relay handles one connection's frames in order, so a message an
  // endpoint sends itself after others arrives after everything they
  // caused: waiting for it proves the absence of what did not arrive.
  void Barrier(bench_ep* ep, const char* user) {
    size_t before = rec_.Count(ep);
    ASSERT_EQ(D.send_peer(ep, user, "barrier", 7), 0);
    ASSERT_TRUE(rec_.WaitFor([&] { return rec_.messages[ep].size() > before; }));
    std::lock_guard<std::mutex> lock(rec_.mu);
    ASSERT_EQ(rec_.messages[ep].back(), "barrier");
    rec_.messages[ep].pop_back();
  }

  std::string work_dir_;
  bench_env env_{};
  int port_ = -1;
  bench_server* server_ = nullptr;
  bench_clients* clients_ = nullptr;
  Recorder rec_;
};

// A peer message to a user nobody is connected as is dropped, and nothing
// else breaks.
TEST_F(RelayDriverTest, MessageToNobodyIsDropped) {
  Open(1);
  auto eps = Connect({"alice", "bob"});
  ASSERT_EQ(D.send_peer(eps[0], "nobody", "x", 1), 0);
  ASSERT_EQ(D.send_peer(eps[0], "bob", "y", 1), 0);
  ASSERT_TRUE(rec_.WaitFor([&] { return rec_.messages[eps[1]].size() == 1; }));
  Barrier(eps[0], "alice");
  EXPECT_EQ(rec_.Count(eps[0]), 0u);
}

// The throughput figure, and order under load: one sender (the test
// thread, so every call is posted to the loop) keeps at most 1,000
// messages of 100 B in flight to one receiver.
TEST_F(RelayDriverTest, WindowedThroughput) {
  Open(2);
  auto eps = Connect({"alice", "bob"});
  const uint32_t n = 200000, window = 1000;
  std::atomic<uint32_t> received{0};
  std::atomic<bool> out_of_order{false};
  rec_.keep = false;
  rec_.hook = [&](bench_ep* ep, const void* data, size_t len) {
    uint32_t seq;
    std::memcpy(&seq, data, sizeof seq);
    if (len != 100 || seq != received) out_of_order = true;
    if (++received % 100 == 0 || received == n) {
      std::lock_guard<std::mutex> lock(rec_.mu);
      rec_.cv.notify_all();
    }
  };
  int64_t start = bench_now_ns();
  for (uint32_t i = 0; i < n; i++) {
    if (i - received >= window) {
      ASSERT_TRUE(rec_.WaitFor([&] { return i - received < window; })) << i;
    }
    std::string p = Payload(i, 100);
    ASSERT_EQ(D.send_peer(eps[0], "bob", p.data(), p.size()), 0);
  }
  ASSERT_TRUE(rec_.WaitFor([&] { return received == n; }));
  double s = (bench_now_ns() - start) / 1e9;
  EXPECT_FALSE(out_of_order);
  std::printf("raw-relay: %u messages of 100 B one way, window %u: %.0f messages/s\n", n,
              window, n / s);
}

// 10,000 idle endpoints, from four source addresses, all ready; and what
// they cost the relay.
TEST_F(RelayDriverTest, TenThousandIdleEndpoints) {
  if (bench_raise_nofile() < 11000) GTEST_SKIP() << "fewer than 11,000 open files";
  Open(2);
  pid_t relay = D.server_pid(server_);
  int64_t rss_before = bench_rss(relay);
  const int n = 10000;
  std::vector<bench_ep*> eps;
  for (int i = 0; i < n; i++) {
    std::string user = "user" + std::to_string(i);
    std::string source = "127.0.0." + std::to_string(1 + i % 4);
    bench_ep* ep = D.connect(clients_, user.c_str(), source.c_str());
    ASSERT_NE(ep, nullptr);
    eps.push_back(ep);
  }
  ASSERT_TRUE(rec_.WaitFor(
      [&] { return rec_.ready.size() + rec_.not_ready.size() == size_t{n}; }, 60000))
      << rec_.ready.size() << " ready";
  ASSERT_EQ(rec_.ready.size(), size_t{n});
  int64_t rss_after = bench_rss(relay);
  std::printf("raw-relay: relay RSS %.1f MiB -> %.1f MiB with %d idle connections: "
              "%.0f bytes per connection\n",
              rss_before / 1048576.0, rss_after / 1048576.0, n,
              double(rss_after - rss_before) / n);
  // Still serving: the last and the first can talk.
  ASSERT_EQ(D.send_peer(eps[n - 1], "user0", "hi", 2), 0);
  ASSERT_TRUE(rec_.WaitFor([&] { return rec_.messages[eps[0]].size() == 1; }));
}

// on_ready(false) when nothing listens; the endpoint stays valid, and calls
// on it fail.
TEST_F(RelayDriverTest, ConnectionRefusedIsNotReady) {
  int port = bench_free_port();
  ASSERT_EQ(D.client_open(&env_, port, 1, &kEvents, &rec_, &clients_), 0);
  bench_ep* ep = D.connect(clients_, "alice", nullptr);
  ASSERT_NE(ep, nullptr);
  ASSERT_TRUE(rec_.WaitFor([&] { return rec_.not_ready[ep] == 1; }));
  EXPECT_NE(D.send_peer(ep, "bob", "x", 1), 0);
  EXPECT_NE(D.join(ep, "room"), 0);
  EXPECT_NE(D.publish(ep, "room", "x", 1), 0);
  std::lock_guard<std::mutex> lock(rec_.mu);
  EXPECT_EQ(rec_.ready[ep], 0);
}

// client_close while messages still flow: each message to one endpoint
// makes the other, on the other loop, send one to itself, from inside the
// callback, so that frames are posted across the loops in both directions
// up to the close (and a join now and then). Nothing may crash, leak or
// race (run under ASan and TSan), and nothing is reported once client_close
// returned.
TEST_F(RelayDriverTest, CloseWhileMessagesFlow) {
  Open(2);
  auto eps = Connect({"alice", "bob"});  // round robin: loop 0, loop 1
  std::atomic<long> received{0};
  std::atomic<bool> closed{false}, after_close{false};
  rec_.keep = false;
  rec_.hook = [&](bench_ep* ep, const void* data, size_t len) {
    if (closed) after_close = true;
    if (++received % 100 == 0) {
      std::lock_guard<std::mutex> lock(rec_.mu);
      rec_.cv.notify_all();
    }
    bench_ep* other = ep == eps[0] ? eps[1] : eps[0];
    if (received % 50 == 0) D.join(other, "room");
    D.send_peer(other, other == eps[0] ? "alice" : "bob", data, len);
  };
  for (uint32_t i = 0; i < 1000; i++) {
    std::string p = Payload(i, 100);
    ASSERT_EQ(D.send_peer(eps[i % 2], i % 2 ? "bob" : "alice", p.data(), p.size()), 0);
  }
  ASSERT_TRUE(rec_.WaitFor([&] { return received >= 20000; }));
  D.client_close(clients_);
  clients_ = nullptr;
  closed = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(after_close);
}

// ---- rtm-relay at its socket ----

class RawClient {
 public:
  explicit RawClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    EXPECT_EQ(connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  }
  ~RawClient() { close(fd_); }
  void Send(uint8_t type, const std::string& body) {
    uint8_t hdr[RELAY_HEADER];
    relay_header(hdr, type, body.size());
    std::string f(reinterpret_cast<char*>(hdr), sizeof hdr);
    f += body;
    ASSERT_EQ(send(fd_, f.data(), f.size(), MSG_NOSIGNAL), ssize_t(f.size()));
  }
  // The next frame's type (and body), or -1 at EOF or on an error.
  int Receive(std::string* body = nullptr) {
    uint8_t hdr[RELAY_HEADER];
    if (!ReadAll(hdr, sizeof hdr)) return -1;
    std::string b(relay_length(hdr) - 1, '\0');
    if (!b.empty() && !ReadAll(&b[0], b.size())) return -1;
    if (body) *body = b;
    return hdr[4];
  }
  // Reads until EOF or an error; true if the relay closed (not a timeout).
  bool ClosedByRelay() {
    char buf[65536];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof buf, 0);
      if (n == 0 || (n < 0 && errno == ECONNRESET)) return true;
      if (n < 0) return false;
    }
  }
  int fd() const { return fd_; }

 private:
  bool ReadAll(void* p, size_t n) {
    auto* c = static_cast<char*>(p);
    while (n > 0) {
      ssize_t r = recv(fd_, c, n, 0);
      if (r <= 0) return false;
      c += r;
      n -= size_t(r);
    }
    return true;
  }
  int fd_;
};

// relay.c: anything malformed closes that connection, and only that one.
TEST_F(RelayDriverTest, RelayClosesOnMalformedInput) {
  struct Case {
    const char* what;
    std::function<void(RawClient&)> send;
  } cases[] = {
      {"unknown type", [](RawClient& c) { c.Send(42, ""); }},
      {"SEND before HELLO", [](RawClient& c) { c.Send(RELAY_SEND, std::string("\1a", 2)); }},
      {"empty name", [](RawClient& c) { c.Send(RELAY_HELLO, ""); }},
      {"name with NUL", [](RawClient& c) { c.Send(RELAY_HELLO, std::string("a\0b", 3)); }},
      {"second HELLO",
       [](RawClient& c) {
         c.Send(RELAY_HELLO, "x1");
         c.Send(RELAY_HELLO, "x2");
       }},
      {"SEND name past the frame",
       [](RawClient& c) {
         c.Send(RELAY_HELLO, "x3");
         c.Send(RELAY_SEND, std::string("\x09" "ab", 3));
       }},
      {"length 0", [](RawClient& c) { ASSERT_EQ(send(c.fd(), "\0\0\0\0", 4, 0), 4); }},
      {"length past 1 MiB",
       [](RawClient& c) { ASSERT_EQ(send(c.fd(), "\0\x20\0\0\1", 5, 0), 5); }},
  };
  RawClient good(port_);
  good.Send(RELAY_HELLO, "good");
  ASSERT_EQ(good.Receive(), RELAY_OK);
  for (auto& k : cases) {
    RawClient c(port_);
    k.send(c);
    EXPECT_TRUE(c.ClosedByRelay()) << k.what;
  }
  // The name of a closed connection is free again; a taken one is refused.
  RawClient x1(port_);
  x1.Send(RELAY_HELLO, "x1");
  EXPECT_EQ(x1.Receive(), RELAY_OK);
  RawClient dup(port_);
  dup.Send(RELAY_HELLO, "good");
  EXPECT_TRUE(dup.ClosedByRelay()) << "a name already connected";
  good.Send(RELAY_PING, "");
  EXPECT_EQ(good.Receive(), RELAY_PONG);
}

// relay.c: a receiver that does not read is dropped once 8 MiB wait for it;
// the relay and the sender go on.
TEST_F(RelayDriverTest, RelayDropsASlowReader) {
  RawClient slow(port_), sender(port_);
  slow.Send(RELAY_HELLO, "slow");
  ASSERT_EQ(slow.Receive(), RELAY_OK);
  sender.Send(RELAY_HELLO, "sender");
  ASSERT_EQ(sender.Receive(), RELAY_OK);
  std::string body = std::string("\4slow", 5) + std::string(65536, 'x');
  // 32 MiB: more than the 8 MiB bound plus what the kernel's socket
  // buffers can absorb (a few MiB on loopback).
  for (int i = 0; i < 32 * 16; i++)
    sender.Send(RELAY_SEND, body);
  EXPECT_TRUE(slow.ClosedByRelay());
  sender.Send(RELAY_PING, "");
  EXPECT_EQ(sender.Receive(), RELAY_PONG);
}

// rtm-relay: a bad command line is a usage error, exit code 2.
TEST(RelayCommandLine, BadArgumentsExitWithUsage) {
  std::string relay = std::string(RTM_BUILD_DIR) + "/native/bench/rtm-relay";
  std::vector<std::vector<std::string>> cases = {
      {},
      {"--listen"},
      {"--port", "7000"},
      {"--listen", "nowhere"},
      {"--listen", "127.0.0.1"},
      {"--listen", "127.0.0.1:99999"},
      {"--listen", "127.0.0.1:7000", "extra"},
  };
  for (const auto& args : cases) {
    std::vector<char*> argv{const_cast<char*>(relay.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = bench_spawn(argv.data(), "/dev/null");
    ASSERT_GT(pid, 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    std::string line;
    for (const auto& a : args) line += " " + a;
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << "rtm-relay" << line;
  }
}

}  // namespace
