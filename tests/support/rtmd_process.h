// rtmd_process.h: start a real rtmd for a test, on a free loopback port.
//
//   rtm_test::RtmdProcess rtmd({"--heartbeat-ms", "200"});
//   ASSERT_TRUE(rtmd.started());
//   client.Connect(rtmd.host(), rtmd.port());   // or rtmd.address()
//
// The constructor runs the rtmd built by this tree (RTMD_PATH, set by CMake;
// the environment variable RTMD_PATH overrides it) with
// `--listen 127.0.0.1:0 --ready-file <tmp> --data-dir <tmp>/data` (the
// default, durable store, in the test's temporary directory), then the words
// of the environment variable RTMD_TEST_ARGS (a suite run again with other
// flags, e.g. `--engine-delay-us 300`), then the extra arguments,
// and waits up to 5 s for the ready file. rtmd's stderr goes to a file that
// Log() returns; it is printed when the test has failed. The destructor
// sends SIGTERM, waits, and expects exit code 0 (SPEC: clean shutdown).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "child_process.h"

namespace rtm_test {

class RtmdProcess {
 public:
  explicit RtmdProcess(const std::vector<std::string>& extra_args = {});
  RtmdProcess(const RtmdProcess&) = delete;
  RtmdProcess& operator=(const RtmdProcess&) = delete;

  // Whether rtmd wrote its ready file (a test failure was added otherwise).
  bool started() const { return port_ != 0; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  std::string address() const;  // "127.0.0.1:PORT"
  pid_t pid() const { return child_.pid(); }

  // Sends SIGTERM and waits up to timeout_ms. Returns the exit code, 128 +
  // the signal if it died of one, or -1 if it had to be killed. After Stop()
  // the destructor checks nothing more.
  int Stop(int timeout_ms = 10000) { return child_.Stop(timeout_ms); }
  // SIGKILL, as a crash: see ChildProcess::Kill.
  int Kill() { return child_.Kill(); }
  // Whether the process is still running.
  bool Running() { return child_.Running(); }

  // rtmd's stderr so far.
  std::string Log() const { return child_.Log(); }
  // Waits until the log contains needle; false after timeout_ms.
  bool WaitForLog(const std::string& needle, int timeout_ms = 5000) const;
  // The resident set size of rtmd, in KiB (from /proc), or -1.
  long RssKb() const;

 private:
  ChildProcess child_{"rtmd", "rtmd.log"};
  std::string host_ = "127.0.0.1";
  uint16_t port_ = 0;
};

// The rtmd binary the tests run.
std::string RtmdPath();

// A loopback port that was free a moment ago (for a server that must come
// back on the same address after a restart).
uint16_t FreeLoopbackPort();

}  // namespace rtm_test
