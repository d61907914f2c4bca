// child_process.h: run a program of this tree for a test, the way
// RtmdProcess and FaultProxy do, in a fresh temporary directory.
//
//   rtm_test::ChildProcess child("rtmd", "rtmd.log");
//   std::string ready = child.Start({RtmdPath(), "--listen", "127.0.0.1:0",
//                                    "--ready-file", child.ready_path()});
//   if (!ready.empty()) ...   // the ready file's line, '\n' included
//
// The constructor makes /tmp/NAME-test-XXXXXX. Start() runs args[0] with the
// arguments args[1..], its stdout and stderr going to a file in that
// directory that Log() returns, and waits for the program to write its ready
// file (a line ending in '\n'). The destructor sends SIGTERM, waits, and
// expects exit code 0 (unless Stop() was called); it prints the log when the
// test has failed, and removes the directory with all it holds.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace rtm_test {

class ChildProcess {
 public:
  // name names the program in messages and in the directory's name; the log
  // is the file log_name in the directory.
  ChildProcess(const std::string& name, const std::string& log_name);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // The program's temporary directory (removed by the destructor).
  const std::string& dir() const { return dir_; }
  // Where the program is to write its ready file (pass it in args).
  std::string ready_path() const { return dir_ + "/ready"; }
  pid_t pid() const { return pid_; }

  // Runs the program and waits up to ready_timeout_ms for its ready file.
  // Returns the file's content, line end included, or "" (and a test
  // failure was added) if the program could not be run or was not ready.
  std::string Start(const std::vector<std::string>& args,
                    int ready_timeout_ms = 5000);

  // Sends SIGTERM and waits up to timeout_ms. Returns the exit code, 128 +
  // the signal if it died of one, or -1 if it had to be killed. After Stop()
  // the destructor checks nothing more.
  int Stop(int timeout_ms = 10000);
  // Sends SIGKILL (a crash, no chance to clean up) and waits. Returns 128 +
  // 9, or -1 if it was not running. The destructor checks nothing more.
  int Kill();
  // Whether the process is still running.
  bool Running();

  // The program's stdout and stderr so far.
  std::string Log() const;

 private:
  std::string name_;
  std::string dir_;
  std::string log_path_;
  pid_t pid_ = -1;
  bool stopped_ = false;
};

}  // namespace rtm_test
