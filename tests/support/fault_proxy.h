// fault_proxy.h: run rtm-faultproxy between a client and an upstream (rtmd,
// or any TCP server) for a test, and command it (docs/FAULTPROXY.md).
//
//   rtm_test::RtmdProcess rtmd;
//   rtm_test::FaultProxy proxy(rtmd.address());
//   ASSERT_TRUE(proxy.started());
//   client.Connect(proxy.host(), proxy.port());   // or proxy.address()
//   ASSERT_TRUE(proxy.Silent());                  // the link goes silent
//   ...
//   ASSERT_TRUE(proxy.Pass());
//
// The constructor runs the rtm-faultproxy built by this tree
// (RTM_FAULTPROXY_PATH, set by CMake; the environment variable
// RTM_FAULTPROXY_PATH overrides it) with `--upstream UPSTREAM --listen
// 127.0.0.1:0 --control 127.0.0.1:0 --ready-file <tmp>` followed by the extra
// arguments, and waits up to 5 s for the ready file. Its stderr goes to a
// file that Log() returns; it is printed when the test has failed. The
// destructor sends SIGTERM, waits, and expects exit code 0.
//
// Each command opens a control connection, sends one line and waits up to
// 5 s for the one reply line. When a command returns true the proxy has
// applied it: e.g. after Silent() returns, nothing more is delivered.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "child_process.h"

namespace rtm_test {

class FaultProxy {
 public:
  explicit FaultProxy(const std::string& upstream,
                      const std::vector<std::string>& extra_args = {});
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Whether the proxy wrote its ready file (a test failure was added otherwise).
  bool started() const { return port_ != 0; }
  // Where clients connect.
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  std::string address() const;  // "127.0.0.1:PORT"
  // The control channel.
  const std::string& control_host() const { return control_host_; }
  uint16_t control_port() const { return control_port_; }
  pid_t pid() const { return child_.pid(); }

  // Sends one command line; true if the reply starts with "ok". The reply
  // line (without its line end) goes to *reply; "" when none came.
  bool Command(const std::string& line, std::string* reply = nullptr,
               int timeout_ms = 5000);
  bool Pass() { return Command("pass"); }
  bool Silent() { return Command("silent"); }
  bool Reset() { return Command("reset"); }
  bool Close() { return Command("close"); }
  bool Delay(int ms) { return Command("delay " + std::to_string(ms)); }
  bool Refuse() { return Command("refuse"); }
  bool Accept() { return Command("accept"); }
  // The status line ("ok mode=... connections=N ..."), "" on failure.
  std::string Status();
  // One numeric field of the status line (e.g. "connections",
  // "up_bytes"), or -1.
  long long StatusField(const std::string& key);
  // Connection pairs open now (the status's connections=), or -1.
  int OpenConnections() { return static_cast<int>(StatusField("connections")); }

  // Sends SIGTERM and waits up to timeout_ms. Returns the exit code, 128 +
  // the signal if it died of one, or -1 if it had to be killed. After Stop()
  // the destructor checks nothing more.
  int Stop(int timeout_ms = 10000) { return child_.Stop(timeout_ms); }
  bool Running() { return child_.Running(); }

  // The proxy's stderr so far.
  std::string Log() const { return child_.Log(); }

 private:
  ChildProcess child_{"rtm-faultproxy", "proxy.log"};
  std::string host_;
  uint16_t port_ = 0;
  std::string control_host_;
  uint16_t control_port_ = 0;
};

// The rtm-faultproxy binary the tests run.
std::string FaultProxyPath();

}  // namespace rtm_test
