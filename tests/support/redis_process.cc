// redis_process.cc: RedisProcess (redis_process.h).
#include "redis_process.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace rtm_test {

std::string RedisServerPath() {
  const char* env = std::getenv("REDIS_SERVER");
  return env != nullptr && *env ? env : "/usr/bin/redis-server";
}

RedisProcess::RedisProcess() : child_(std::make_unique<ChildProcess>("redis", "redis.log")) {
  // The data lives beside the process's own directory, so that a restart
  // (a new ChildProcess, a new directory) finds it.
  data_dir_ = child_->dir() + "-data";
  if (mkdir(data_dir_.c_str(), 0700) != 0) {
    ADD_FAILURE() << "cannot create " << data_dir_;
    return;
  }
  socket_ = data_dir_ + "/redis.sock";
  started_ = Start();
}

bool RedisProcess::Start() {
  std::string ready = child_->Start({RedisServerPath(), "--port", "0", "--unixsocket", socket_,
                                     "--unixsocketperm", "700", "--dir", data_dir_,
                                     "--appendonly", "yes", "--appendfsync", "always",
                                     "--maxmemory-policy", "noeviction", "--save", "",
                                     "--daemonize", "no", "--pidfile", child_->ready_path()});
  if (ready.empty())
    return false;
  // The pid file is written once the socket listens; the data may still
  // be loading (answers are -LOADING until then): wait for the socket file.
  for (int i = 0; i < 500 && access(socket_.c_str(), F_OK) != 0; i++)
    usleep(10000);
  return access(socket_.c_str(), F_OK) == 0;
}

RedisProcess::~RedisProcess() {
  child_.reset();  // stopped (SIGTERM, exit 0 expected), its directory removed
  if (!data_dir_.empty())
    std::system(("rm -rf '" + data_dir_ + "'").c_str());
}

bool RedisProcess::Restart() {
  child_ = std::make_unique<ChildProcess>("redis", "redis.log");
  unlink(socket_.c_str());
  started_ = Start();
  return started_;
}

}  // namespace rtm_test
