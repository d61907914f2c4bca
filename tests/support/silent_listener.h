// silent_listener.h: a loopback listening socket that accepts connections
// and never answers, for the client's LOGIN_TIMEOUT tests (SPEC S5).
//
//   rtm_test::SilentListener silent;
//   ... connect a client to silent.address() ...
//   EXPECT_GE(silent.accepted(), 1);
//
// A background thread accepts and holds the connections (reading nothing,
// writing nothing) until the listener is destroyed.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace rtm_test {

class SilentListener {
 public:
  SilentListener();
  ~SilentListener();
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  bool ok() const { return port_ != 0; }
  std::string host() const { return "127.0.0.1"; }
  uint16_t port() const { return port_; }
  std::string address() const;  // "127.0.0.1:PORT"
  // Connections accepted so far.
  int accepted() const { return accepted_.load(); }
  // Closes every accepted connection (the listener keeps listening).
  void DropConnections();

 private:
  void Run();

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  uint16_t port_ = 0;
  std::atomic<int> accepted_{0};
  std::mutex mu_;
  std::vector<int> conns_;
  std::thread thread_;
};

}  // namespace rtm_test
