// redis_process.cc: RedisProcess (redis_process.h).
#include "redis_process.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include <cstdlib>
#include <sstream>
#include <vector>

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

int RedisProcess::KillClients(const std::string& name) {
  redisContext* c = redisConnectUnix(socket_.c_str());
  if (c == nullptr || c->err) {
    redisFree(c);
    return -1;
  }
  // CLIENT LIST: one line per client, "id=N addr=... name=NAME ...".
  std::vector<std::string> ids;
  auto* list = static_cast<redisReply*>(redisCommand(c, "CLIENT LIST"));
  if (list != nullptr && list->type == REDIS_REPLY_STRING) {
    std::istringstream lines(std::string(list->str, list->len));
    for (std::string line; std::getline(lines, line);) {
      std::istringstream fields(line);
      std::string id, field;
      bool named = false;
      while (fields >> field) {
        if (field.rfind("id=", 0) == 0) id = field.substr(3);
        if (field == "name=" + name) named = true;
      }
      if (named && !id.empty()) ids.push_back(id);
    }
  }
  int killed = list != nullptr && list->type == REDIS_REPLY_STRING ? 0 : -1;
  freeReplyObject(list);
  for (const std::string& id : ids) {
    auto* r = static_cast<redisReply*>(redisCommand(c, "CLIENT KILL ID %s", id.c_str()));
    if (r != nullptr && r->type == REDIS_REPLY_INTEGER) killed += static_cast<int>(r->integer);
    freeReplyObject(r);
  }
  redisFree(c);
  return killed;
}

}  // namespace rtm_test
