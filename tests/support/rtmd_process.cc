// rtmd_process.cc: see rtmd_process.h.
#include "rtmd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#ifndef RTMD_PATH
#error "RTMD_PATH must be defined by the build"
#endif

namespace rtm_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadWhole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int ExitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string RtmdPath() {
  const char* env = std::getenv("RTMD_PATH");
  return env && *env ? env : RTMD_PATH;
}

RtmdProcess::RtmdProcess(const std::vector<std::string>& extra_args) {
  char tmpl[] = "/tmp/rtmd-test-XXXXXX";
  if (!mkdtemp(tmpl)) {
    ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    return;
  }
  dir_ = tmpl;
  log_path_ = dir_ + "/rtmd.log";
  std::string ready = dir_ + "/ready";

  std::vector<std::string> args = {RtmdPath(), "--listen", "127.0.0.1:0",
                                   "--ready-file", ready};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    ADD_FAILURE() << "open " << log_path_ << ": " << std::strerror(errno);
    return;
  }
  pid_ = fork();
  if (pid_ == 0) {
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execv(argv[0], argv.data());
    std::fprintf(stderr, "exec %s: %s\n", argv[0], std::strerror(errno));
    _exit(127);
  }
  close(log_fd);
  if (pid_ < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return;
  }

  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    std::string content = ReadWhole(ready);
    if (!content.empty() && content.back() == '\n') {
      auto colon = content.rfind(':');
      host_ = content.substr(0, colon);
      port_ = static_cast<uint16_t>(std::atoi(content.c_str() + colon + 1));
      return;
    }
    if (!Running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << "rtmd did not become ready within 5 s; its log:\n" << Log();
}

RtmdProcess::~RtmdProcess() {
  if (pid_ > 0 && !stopped_) {
    int rc = Stop();
    EXPECT_EQ(rc, 0) << "rtmd did not exit cleanly on SIGTERM";
  }
  if (::testing::Test::HasFailure() && !log_path_.empty())
    std::fprintf(stderr, "---- rtmd log ----\n%s---- end of rtmd log ----\n",
                 Log().c_str());
  if (!dir_.empty()) {
    unlink((dir_ + "/ready").c_str());
    unlink((dir_ + "/ready.tmp").c_str());
    unlink(log_path_.c_str());
    rmdir(dir_.c_str());
  }
}

std::string RtmdProcess::address() const {
  return host_ + ":" + std::to_string(port_);
}

bool RtmdProcess::Running() {
  if (pid_ <= 0 || stopped_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    stopped_ = true;
    return false;
  }
  return r == 0;
}

int RtmdProcess::Stop(int timeout_ms) {
  if (pid_ <= 0 || stopped_) return -1;
  stopped_ = true;
  kill(pid_, SIGTERM);
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (Clock::now() < deadline) {
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) return ExitStatus(status);
    if (r < 0) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, &status, 0);
  return -1;
}

std::string RtmdProcess::Log() const {
  return log_path_.empty() ? std::string() : ReadWhole(log_path_);
}

bool RtmdProcess::WaitForLog(const std::string& needle, int timeout_ms) const {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  do {
    if (Log().find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  } while (Clock::now() < deadline);
  return false;
}

long RtmdProcess::RssKb() const {
  std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

}  // namespace rtm_test
