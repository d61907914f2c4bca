// rtm-faultproxy end to end: the real binary (rtm_test::FaultProxy) between a
// client socket and an echo server written here. What each test asserts is
// what a client or server would see at its socket: bytes, EOF, ECONNRESET,
// nothing at all (SPEC S7: links that close, reset, or go silent). A silence
// is a stall: nothing moves while it lasts, and afterwards every byte sent
// during it arrives, in order, exactly once, as TCP retransmission would
// deliver it after a dead path comes back.
//
// Timing: the only lower bounds are the delays asked for; upper bounds are
// seconds, so a loaded 2-core machine passes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fault_proxy.h"

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

bool WaitUntil(const std::function<bool()>& pred, int timeout_ms = 5000) {
  auto deadline = Clock::now() + milliseconds(timeout_ms);
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return true;
}

// A TCP echo server on a free loopback port: every byte received on a
// connection is sent back on it. It records, per connection, what arrived
// (and when) and how the connection ended.
class EchoServer {
 public:
  enum End { kOpen, kEof, kError };

  EchoServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        listen(listen_fd_, 64) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0 ||
        pipe2(wake_, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "echo server: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { Run(); });
  }

  ~EchoServer() {
    if (thread_.joinable()) {
      stop_ = true;
      (void)!write(wake_[1], "x", 1);
      thread_.join();
    }
    for (auto& c : conns_)
      if (c.fd >= 0) close(c.fd);
    if (listen_fd_ >= 0) close(listen_fd_);
    for (int fd : wake_)
      if (fd >= 0) close(fd);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  int accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(conns_.size());
  }
  // What connection i (in order of acceptance) received so far.
  std::string Received(int i = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    return i < static_cast<int>(conns_.size()) ? conns_[i].received : std::string();
  }
  // When connection i received its first byte.
  Clock::time_point FirstByteAt(int i = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    return conns_[i].first_byte_at;
  }
  End EndOf(int i = 0) {
    std::lock_guard<std::mutex> lock(mu_);
    return i < static_cast<int>(conns_.size()) ? conns_[i].end : kOpen;
  }
  // Sends data on every open connection (it is in the kernel on return).
  void Push(const std::string& data) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : conns_)
      if (c.fd >= 0) SendAll(c.fd, data);
  }
  // Sends a FIN on every open connection (shutdown(SHUT_WR)); they are
  // still read (and echoed into the void) until the peer closes.
  void ShutdownWrite() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : conns_)
      if (c.fd >= 0) shutdown(c.fd, SHUT_WR);
  }

 private:
  struct Conn {
    int fd;
    std::string received;
    Clock::time_point first_byte_at;
    End end = kOpen;
  };

  static void SendAll(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n > 0) {
        off += static_cast<size_t>(n);
      } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
        pollfd p{fd, POLLOUT, 0};
        poll(&p, 1, 100);
      } else {
        return;
      }
    }
  }

  void Run() {
    while (!stop_) {
      std::vector<pollfd> fds;
      fds.push_back({wake_[0], POLLIN, 0});
      fds.push_back({listen_fd_, POLLIN, 0});
      std::vector<size_t> index;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (size_t i = 0; i < conns_.size(); i++) {
          if (conns_[i].fd < 0) continue;
          fds.push_back({conns_[i].fd, POLLIN, 0});
          index.push_back(i);
        }
      }
      if (poll(fds.data(), fds.size(), 100) <= 0) continue;
      if (fds[1].revents & POLLIN) {
        int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0) {
          std::lock_guard<std::mutex> lock(mu_);
          conns_.push_back(Conn{fd, {}, {}, kOpen});
        }
      }
      for (size_t k = 2; k < fds.size(); k++) {
        if (!fds[k].revents) continue;
        char buf[65536];
        ssize_t n = recv(fds[k].fd, buf, sizeof buf, MSG_DONTWAIT);
        std::lock_guard<std::mutex> lock(mu_);
        Conn& c = conns_[index[k - 2]];
        if (n > 0) {
          if (c.received.empty()) c.first_byte_at = Clock::now();
          c.received.append(buf, static_cast<size_t>(n));
          SendAll(c.fd, std::string(buf, static_cast<size_t>(n)));
        } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
          c.end = n == 0 ? kEof : kError;
          close(c.fd);
          c.fd = -1;
        }
      }
    }
  }

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<Conn> conns_;
  std::thread thread_;
};

// A client socket connected to port on loopback, or -1.
int Connect(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }
  bool Send(const std::string& data) {
    return send(fd_, data.data(), data.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(data.size());
  }
  // Reads exactly n bytes, or what came before EOF, an error or the timeout.
  std::string Recv(size_t n, int timeout_ms = 5000) {
    std::string got;
    auto deadline = Clock::now() + milliseconds(timeout_ms);
    while (got.size() < n) {
      int left = static_cast<int>(
          std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count());
      pollfd p{fd_, POLLIN, 0};
      if (left <= 0 || poll(&p, 1, left) <= 0) break;
      char buf[65536];
      ssize_t r = recv(fd_, buf, std::min(sizeof buf, n - got.size()), 0);
      if (r <= 0) break;
      got.append(buf, static_cast<size_t>(r));
    }
    return got;
  }
  // Waits for the next thing to happen: > 0 bytes, 0 EOF, -errno, or
  // INT32_MIN if nothing happened within timeout_ms.
  long Next(int timeout_ms = 5000) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return INT32_MIN;
    char buf[4096];
    ssize_t r = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    return r >= 0 ? static_cast<long>(r) : -errno;
  }
  // Whether nothing at all (no byte, no EOF, no error, no hang-up) happens
  // on the socket for ms.
  bool QuietFor(int ms) {
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    int r = poll(&p, 1, ms);
    if (r != 0) return false;
    char c;
    ssize_t n = recv(fd_, &c, 1, MSG_DONTWAIT | MSG_PEEK);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

 private:
  int fd_;
};

class FaultProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    proxy_ = std::make_unique<rtm_test::FaultProxy>(echo_.address());
    ASSERT_TRUE(proxy_->started());
  }
  // A client through the proxy that has made one round trip.
  std::unique_ptr<Socket> Linked(const std::string& hello = "hello") {
    auto s = std::make_unique<Socket>(Connect(proxy_->port()));
    EXPECT_GE(s->fd(), 0);
    EXPECT_TRUE(s->Send(hello));
    EXPECT_EQ(s->Recv(hello.size()), hello);
    return s;
  }

  EchoServer echo_;
  std::unique_ptr<rtm_test::FaultProxy> proxy_;
};

TEST_F(FaultProxyTest, PassForwardsBothWays) {
  auto client = Linked("hello");
  EXPECT_EQ(echo_.Received(), "hello");
  echo_.Push("from the server");
  EXPECT_EQ(client->Recv(15), "from the server");
}

TEST_F(FaultProxyTest, PassKeepsEveryByteOfALargeTransferInOrder) {
  auto client = Linked();
  std::string data(4 * 1024 * 1024, '\0');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>((i * 131) >> 7);
  std::thread writer([&] {
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = send(client->fd(), data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += static_cast<size_t>(n);
    }
  });
  std::string back = client->Recv(data.size(), 30000);
  writer.join();
  EXPECT_EQ(back.size(), data.size());
  EXPECT_TRUE(back == data) << "the echoed bytes differ";
}

// S7 silent: both directions open, nothing delivered, no FIN or RST seen;
// after pass what was sent during the silence arrives, in order and once,
// in both directions, then new bytes.
TEST_F(FaultProxyTest, SilentStallsBothWaysThenDeliversEverythingInOrderOnce) {
  auto client = Linked("a");
  ASSERT_TRUE(proxy_->Silent());
  ASSERT_TRUE(client->Send("up-1,"));
  echo_.Push("down-1,");
  ASSERT_TRUE(client->Send("up-2,"));
  EXPECT_TRUE(client->QuietFor(1000)) << "the client saw something during the silence";
  EXPECT_EQ(echo_.Received(), "a");
  EXPECT_EQ(echo_.EndOf(), EchoServer::kOpen);
  EXPECT_EQ(proxy_->StatusField("connections"), 1);

  ASSERT_TRUE(proxy_->Pass());
  // The server wrote down-1 before it could echo anything sent during the
  // silence, so TCP's order puts it first.
  EXPECT_EQ(client->Recv(17), "down-1,up-1,up-2,");
  ASSERT_TRUE(client->Send("after"));
  EXPECT_EQ(client->Recv(5), "after");
  echo_.Push("down again");
  EXPECT_EQ(client->Recv(10), "down again");
  EXPECT_TRUE(client->QuietFor(200)) << "something arrived twice";
  EXPECT_EQ(echo_.Received(), "aup-1,up-2,after");
  EXPECT_EQ(echo_.EndOf(), EchoServer::kOpen);
}

// The proxy holds nothing itself during a silence: the senders' kernels and
// TCP's flow control do. A sender that keeps writing fills the buffers and
// then blocks (EAGAIN), as with unacknowledged data on a dead path; after
// pass everything arrives.
TEST_F(FaultProxyTest, SilentHoldsBytesByFlowControlAndLosesNone) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Silent());
  const size_t cap = 64 * 1024 * 1024;
  std::string data;
  data.reserve(cap);
  int flags = fcntl(client->fd(), F_GETFL);
  ASSERT_EQ(fcntl(client->fd(), F_SETFL, flags | O_NONBLOCK), 0);
  char block[65536];
  bool blocked = false;
  while (data.size() < cap && !blocked) {
    for (size_t i = 0; i < sizeof block; i++)
      block[i] = static_cast<char>(((data.size() + i) * 131) >> 7);
    ssize_t n = send(client->fd(), block, sizeof block, MSG_NOSIGNAL);
    if (n > 0) {
      data.append(block, static_cast<size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // The buffers may still be growing (autotuning): blocked only if
      // nothing more goes in for a while.
      pollfd p{client->fd(), POLLOUT, 0};
      blocked = poll(&p, 1, 300) == 0;
    } else {
      FAIL() << "send: " << std::strerror(errno);
    }
  }
  EXPECT_TRUE(blocked) << data.size() << " bytes went into a silent link";
  EXPECT_EQ(echo_.Received(), "hello");
  EXPECT_EQ(proxy_->StatusField("held_up_bytes"), 0);  // not read: in the kernels
  ASSERT_TRUE(proxy_->Pass());
  std::string back = client->Recv(data.size(), 30000);
  EXPECT_EQ(back.size(), data.size());
  EXPECT_TRUE(back == data) << "the echoed bytes differ";
}

// What the proxy had already read and queued (here behind a delay) is held
// through a silence, even past its time, and delivered after it.
TEST_F(FaultProxyTest, SilentHoldsWhatTheProxyHadQueued) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Delay(3000));
  auto sent = Clock::now();
  ASSERT_TRUE(client->Send("queued"));
  ASSERT_TRUE(WaitUntil([&] { return proxy_->StatusField("held_up_bytes") == 6; }));
  ASSERT_TRUE(proxy_->Silent());
  EXPECT_EQ(proxy_->StatusField("held_up_bytes"), 6);
  std::this_thread::sleep_until(sent + milliseconds(3500));
  EXPECT_EQ(echo_.Received(), "hello");
  EXPECT_EQ(proxy_->StatusField("held_up_bytes"), 6);
  ASSERT_TRUE(proxy_->Pass());
  EXPECT_EQ(client->Recv(6), "queued");
  EXPECT_EQ(echo_.Received(), "helloqueued");
  EXPECT_TRUE(WaitUntil([&] { return proxy_->StatusField("held_up_bytes") == 0; }));
}

TEST_F(FaultProxyTest, SilentAcceptsNewClientsButMovesNothingUntilPass) {
  auto first = Linked();
  ASSERT_TRUE(proxy_->Silent());
  Socket late(Connect(proxy_->port()));
  ASSERT_GE(late.fd(), 0);  // the proxy's kernel completes the handshake
  ASSERT_TRUE(late.Send("early,"));
  EXPECT_TRUE(late.QuietFor(500));
  EXPECT_EQ(echo_.accepted(), 1);

  ASSERT_TRUE(proxy_->Pass());
  ASSERT_TRUE(WaitUntil([&] { return echo_.accepted() == 2; }));
  EXPECT_EQ(late.Recv(6), "early,");
  ASSERT_TRUE(late.Send("now"));
  EXPECT_EQ(late.Recv(3), "now");
  EXPECT_EQ(echo_.Received(1), "early,now");
}

// A client that sends and closes during a silence: after pass the server
// gets its bytes, then its FIN, as TCP would retransmit both.
TEST_F(FaultProxyTest, AClientFinDuringASilenceArrivesAfterItsBytes) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Silent());
  ASSERT_TRUE(client->Send("bye"));
  ASSERT_EQ(shutdown(client->fd(), SHUT_WR), 0);
  std::this_thread::sleep_for(milliseconds(500));
  EXPECT_EQ(echo_.EndOf(), EchoServer::kOpen);
  EXPECT_EQ(echo_.Received(), "hello");
  ASSERT_TRUE(proxy_->Pass());
  EXPECT_TRUE(WaitUntil([&] { return echo_.EndOf() == EchoServer::kEof; }));
  EXPECT_EQ(echo_.Received(), "hellobye");
  // The echo server echoed, then closed in turn: the client sees both.
  EXPECT_EQ(client->Recv(3), "bye");
  EXPECT_EQ(client->Next(), 0);
  EXPECT_TRUE(WaitUntil([&] { return proxy_->StatusField("connections") == 0; }));
}

// The same from the server's side: its last bytes and its FIN reach the
// client only after pass, in that order.
TEST_F(FaultProxyTest, AServerFinDuringASilenceArrivesAfterItsBytes) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Silent());
  echo_.Push("last words");
  echo_.ShutdownWrite();
  EXPECT_TRUE(client->QuietFor(500)) << "the client saw something during the silence";
  ASSERT_TRUE(proxy_->Pass());
  EXPECT_EQ(client->Recv(10), "last words");
  EXPECT_EQ(client->Next(), 0);
  // Half-closed: the client can still send, and the server still reads.
  ASSERT_TRUE(client->Send("ok"));
  EXPECT_TRUE(WaitUntil([&] { return echo_.Received() == "hellook"; }));
}

// A client that closes a silent link outright and whose proxy side is then
// written to: its kernel answers with an RST. The server must first get
// what the client sent, then the reset.
TEST_F(FaultProxyTest, AClientThatClosedDuringASilenceIsResetAfterItsBytes) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Silent());
  ASSERT_TRUE(client->Send("going"));
  echo_.Push("unread");
  client.reset();  // close(): a FIN, and an RST for anything sent to it
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_EQ(echo_.EndOf(), EchoServer::kOpen);
  ASSERT_TRUE(proxy_->Pass());
  EXPECT_TRUE(WaitUntil([&] { return echo_.EndOf() != EchoServer::kOpen; }));
  EXPECT_EQ(echo_.Received(), "hellogoing");
  EXPECT_TRUE(WaitUntil([&] { return proxy_->StatusField("connections") == 0; }));
}

TEST_F(FaultProxyTest, SilenceCanBeRepeated) {
  auto client = Linked("1");
  for (int round = 0; round < 3; round++) {
    ASSERT_TRUE(proxy_->Silent());
    ASSERT_TRUE(client->Send("x"));
    EXPECT_TRUE(client->QuietFor(200));
    ASSERT_TRUE(proxy_->Pass());
    ASSERT_TRUE(client->Send("2"));
    EXPECT_EQ(client->Recv(2), "x2");
  }
  EXPECT_TRUE(client->QuietFor(200));
  EXPECT_EQ(echo_.Received(), "1x2x2x2");
}

// reset and close are one-shot faults: they act at once, even during a
// silence, and the silence goes on.
TEST_F(FaultProxyTest, ResetDuringASilenceResetsAtOnce) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Silent());
  ASSERT_TRUE(client->Send("held"));
  std::string reply;
  ASSERT_TRUE(proxy_->Command("reset", &reply));
  EXPECT_EQ(reply, "ok reset 1");
  EXPECT_EQ(client->Next(), -ECONNRESET);
  EXPECT_TRUE(WaitUntil([&] { return echo_.EndOf() == EchoServer::kError; }));
  EXPECT_EQ(echo_.Received(), "hello");
  EXPECT_EQ(proxy_->StatusField("connections"), 0);
  EXPECT_EQ(proxy_->Status().rfind("ok mode=silent ", 0), 0u);
}

TEST_F(FaultProxyTest, CloseDuringASilenceClosesAtOnce) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Silent());
  std::string reply;
  ASSERT_TRUE(proxy_->Command("close", &reply));
  EXPECT_EQ(reply, "ok close 1");
  EXPECT_EQ(client->Next(), 0);
  EXPECT_TRUE(WaitUntil([&] { return echo_.EndOf() == EchoServer::kEof; }));
  EXPECT_EQ(proxy_->StatusField("connections"), 0);
}

TEST_F(FaultProxyTest, ResetGivesBothSidesConnectionReset) {
  auto client = Linked();
  std::string reply;
  ASSERT_TRUE(proxy_->Command("reset", &reply));
  EXPECT_EQ(reply, "ok reset 1");
  EXPECT_EQ(client->Next(), -ECONNRESET);
  EXPECT_TRUE(WaitUntil([&] { return echo_.EndOf() == EchoServer::kError; }));
  EXPECT_EQ(proxy_->StatusField("connections"), 0);
  // One-shot: new connections pass.
  auto again = Linked("again");
}

TEST_F(FaultProxyTest, CloseGivesBothSidesEof) {
  auto client = Linked();
  std::string reply;
  ASSERT_TRUE(proxy_->Command("close", &reply));
  EXPECT_EQ(reply, "ok close 1");
  EXPECT_EQ(client->Next(), 0);
  EXPECT_TRUE(WaitUntil([&] { return echo_.EndOf() == EchoServer::kEof; }));
  EXPECT_EQ(proxy_->StatusField("connections"), 0);
  auto again = Linked("again");
}

TEST_F(FaultProxyTest, DelayAddsAtLeastTheDelayInEachDirection) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Delay(300));
  Socket fresh(Connect(proxy_->port()));
  ASSERT_TRUE(WaitUntil([&] { return echo_.accepted() == 2; }));
  auto sent = Clock::now();
  ASSERT_TRUE(fresh.Send("ping"));
  EXPECT_EQ(fresh.Recv(4, 10000), "ping");
  auto back = Clock::now();
  auto at_server = echo_.FirstByteAt(1);
  auto up = std::chrono::duration_cast<milliseconds>(at_server - sent).count();
  auto down = std::chrono::duration_cast<milliseconds>(back - at_server).count();
  EXPECT_GE(up, 300);
  EXPECT_GE(down, 300);
  EXPECT_LT(up + down, 10000);
  std::string reply;
  ASSERT_TRUE(proxy_->Command("status", &reply));
  EXPECT_NE(reply.find("mode=delay delay_ms=300"), std::string::npos) << reply;
}

TEST_F(FaultProxyTest, DelayKeepsOrderAcrossAChangeBackToPass) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Delay(300));
  ASSERT_TRUE(client->Send("1"));
  std::this_thread::sleep_for(milliseconds(50));
  ASSERT_TRUE(client->Send("2"));
  ASSERT_TRUE(proxy_->Pass());
  ASSERT_TRUE(client->Send("3"));
  EXPECT_EQ(client->Recv(3, 10000), "123");
  EXPECT_EQ(echo_.Received(), "hello123");
}

TEST_F(FaultProxyTest, RefuseResetsNewClientsUntilAccept) {
  auto existing = Linked("kept");
  ASSERT_TRUE(proxy_->Refuse());
  Socket refused(Connect(proxy_->port()));
  ASSERT_GE(refused.fd(), 0);  // the kernel completes the handshake
  EXPECT_EQ(refused.Next(), -ECONNRESET);
  EXPECT_EQ(echo_.accepted(), 1);
  EXPECT_EQ(proxy_->StatusField("refused"), 1);
  // Connections already open are untouched.
  ASSERT_TRUE(existing->Send("still"));
  EXPECT_EQ(existing->Recv(5), "still");

  ASSERT_TRUE(proxy_->Accept());
  auto again = Linked("back");
  EXPECT_EQ(echo_.accepted(), 2);
}

TEST_F(FaultProxyTest, StatusCountsConnectionsAndBytes) {
  std::string reply;
  ASSERT_TRUE(proxy_->Command("status", &reply));
  EXPECT_EQ(reply,
            "ok mode=pass delay_ms=0 refuse=off connections=0 accepted=0 refused=0 "
            "up_bytes=0 down_bytes=0 held_up_bytes=0 held_down_bytes=0");
  auto client = Linked("0123456789");
  echo_.Push("abc");
  EXPECT_EQ(client->Recv(3), "abc");
  EXPECT_EQ(proxy_->StatusField("connections"), 1);
  EXPECT_EQ(proxy_->StatusField("accepted"), 1);
  EXPECT_EQ(proxy_->StatusField("up_bytes"), 10);
  EXPECT_EQ(proxy_->StatusField("down_bytes"), 13);
  ASSERT_TRUE(proxy_->Silent());
  ASSERT_TRUE(client->Send("1234567"));
  EXPECT_TRUE(client->QuietFor(300));
  ASSERT_TRUE(proxy_->Command("status", &reply));
  EXPECT_EQ(reply.rfind("ok mode=silent ", 0), 0u) << reply;
  EXPECT_EQ(proxy_->StatusField("up_bytes"), 10);  // not read yet
  EXPECT_EQ(proxy_->StatusField("held_up_bytes"), 0);
  ASSERT_TRUE(proxy_->Pass());
  EXPECT_EQ(client->Recv(7), "1234567");
  EXPECT_EQ(proxy_->StatusField("up_bytes"), 17);
  EXPECT_EQ(proxy_->StatusField("down_bytes"), 20);
  EXPECT_EQ(proxy_->StatusField("held_up_bytes"), 0);
  EXPECT_EQ(proxy_->StatusField("held_down_bytes"), 0);
}

TEST_F(FaultProxyTest, BadCommandGetsAnErrorAndTheProxyKeepsWorking) {
  auto client = Linked();
  for (const char* bad : {"bogus", "delay", "delay x", "delay -5", "pass now", ""}) {
    std::string reply;
    EXPECT_FALSE(proxy_->Command(bad, &reply)) << bad;
    EXPECT_EQ(reply.rfind("error ", 0), 0u) << "'" << bad << "' -> '" << reply << "'";
  }
  std::string reply;
  EXPECT_FALSE(proxy_->Command(std::string(5000, 'x'), &reply));
  EXPECT_EQ(reply.rfind("error line too long", 0), 0u) << reply;
  ASSERT_TRUE(client->Send("fine"));
  EXPECT_EQ(client->Recv(4), "fine");
  EXPECT_EQ(proxy_->StatusField("connections"), 1);
}

TEST_F(FaultProxyTest, SeveralCommandsOnOneControlConnection) {
  int fd = Connect(proxy_->control_port());
  ASSERT_GE(fd, 0);
  Socket ctl(fd);
  ASSERT_TRUE(ctl.Send("silent\r\npass\nbogus\nstatus\n"));
  std::string all;
  auto deadline = Clock::now() + milliseconds(5000);
  while (std::count(all.begin(), all.end(), '\n') < 4 && Clock::now() < deadline)
    all += ctl.Recv(1, 1000);
  EXPECT_EQ(all.rfind("ok silent\nok pass\nerror unknown command 'bogus'", 0), 0u) << all;
  EXPECT_NE(all.find("\nok mode=pass "), std::string::npos) << all;
}

TEST_F(FaultProxyTest, SigtermExitsZeroWithConnectionsOpen) {
  auto client = Linked();
  ASSERT_TRUE(proxy_->Silent());
  EXPECT_EQ(proxy_->Stop(), 0);
  EXPECT_EQ(client->Next(), 0);  // closed normally on the way out
}

TEST(FaultProxyStart, ModeFlagSetsTheStartingState) {
  EchoServer echo;
  rtm_test::FaultProxy proxy(echo.address(), {"--mode", "delay 50", "--mode", "refuse"});
  ASSERT_TRUE(proxy.started());
  std::string status = proxy.Status();
  EXPECT_NE(status.find("mode=delay delay_ms=50 refuse=on"), std::string::npos) << status;
}

TEST(FaultProxyStart, UnreachableUpstreamResetsTheClient) {
  // A port that was free a moment ago: nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len), 0);
  close(fd);
  rtm_test::FaultProxy proxy("127.0.0.1:" + std::to_string(ntohs(sa.sin_port)));
  ASSERT_TRUE(proxy.started());
  Socket client(Connect(proxy.port()));
  EXPECT_EQ(client.Next(), -ECONNRESET);
  EXPECT_TRUE(WaitUntil([&] { return proxy.StatusField("connections") == 0; }));
}

// Runs the binary with args; returns its exit code (-1 if it did not exit).
int RunProxy(const std::vector<std::string>& args) {
  std::vector<std::string> all = {rtm_test::FaultProxyPath()};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, STDOUT_FILENO);
    dup2(null, STDERR_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto deadline = Clock::now() + milliseconds(5000);
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::this_thread::sleep_for(milliseconds(5));
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

TEST(FaultProxyStart, BadArgumentsExitTwo) {
  EXPECT_EQ(RunProxy({}), 2);  // --upstream is required
  EXPECT_EQ(RunProxy({"--upstream", "nonsense"}), 2);
  EXPECT_EQ(RunProxy({"--upstream", "127.0.0.1:1", "--listen", "127.0.0.1:99999"}), 2);
  EXPECT_EQ(RunProxy({"--upstream", "127.0.0.1:1", "--mode", "reset"}), 2);
  EXPECT_EQ(RunProxy({"--upstream", "127.0.0.1:1", "--mode", "delay x"}), 2);
  EXPECT_EQ(RunProxy({"--upstream", "127.0.0.1:1", "--log-level", "loud"}), 2);
  EXPECT_EQ(RunProxy({"--upstream", "127.0.0.1:1", "--bogus"}), 2);
  EXPECT_EQ(RunProxy({"--upstream"}), 2);
  EXPECT_EQ(RunProxy({"--help"}), 0);
  EXPECT_EQ(RunProxy({"--version"}), 0);
}

}  // namespace
