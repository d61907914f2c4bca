// child_process.cc: see child_process.h.
#include "child_process.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace rtm_test {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadWhole(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

int RemoveEntry(const char* path, const struct stat*, int, struct FTW*) {
  remove(path);  // best effort: go on
  return 0;
}

int ExitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

ChildProcess::ChildProcess(const std::string& name, const std::string& log_name)
    : name_(name) {
  std::string tmpl = "/tmp/" + name + "-test-XXXXXX";
  if (!mkdtemp(tmpl.data())) {
    ADD_FAILURE() << "mkdtemp: " << std::strerror(errno);
    return;
  }
  dir_ = tmpl;
  log_path_ = dir_ + "/" + log_name;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !stopped_) {
    int rc = Stop();
    EXPECT_EQ(rc, 0) << name_ << " did not exit cleanly on SIGTERM";
  }
  if (::testing::Test::HasFailure() && !log_path_.empty())
    std::fprintf(stderr, "---- %s log ----\n%s---- end of %s log ----\n",
                 name_.c_str(), Log().c_str(), name_.c_str());
  // The whole directory: the program may keep data there (rtmd's store).
  if (!dir_.empty()) nftw(dir_.c_str(), RemoveEntry, 16, FTW_DEPTH | FTW_PHYS);
}

std::string ChildProcess::Start(const std::vector<std::string>& args,
                                int ready_timeout_ms) {
  if (dir_.empty() || args.empty()) return std::string();
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    ADD_FAILURE() << "open " << log_path_ << ": " << std::strerror(errno);
    return std::string();
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
    return std::string();
  }

  auto deadline = Clock::now() + std::chrono::milliseconds(ready_timeout_ms);
  while (Clock::now() < deadline) {
    std::string content = ReadWhole(ready_path());
    if (!content.empty() && content.back() == '\n') return content;
    if (!Running()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ADD_FAILURE() << name_ << " did not become ready within "
                << ready_timeout_ms / 1000.0 << " s; its log:\n" << Log();
  return std::string();
}

bool ChildProcess::Running() {
  if (pid_ <= 0 || stopped_) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    stopped_ = true;
    return false;
  }
  return r == 0;
}

int ChildProcess::Stop(int timeout_ms) {
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

int ChildProcess::Kill() {
  if (pid_ <= 0 || stopped_) return -1;
  stopped_ = true;
  kill(pid_, SIGKILL);
  int status = 0;
  return waitpid(pid_, &status, 0) == pid_ ? ExitStatus(status) : -1;
}

std::string ChildProcess::Log() const {
  return log_path_.empty() ? std::string() : ReadWhole(log_path_);
}

}  // namespace rtm_test
