// redis_process.h: a real redis-server (Debian's) for a test, on a unix
// socket in the test's own directory, durable as rtmd's Redis engine needs
// it (docs/SERVER.md will say why: AOF, fsync at every write, no eviction).
//
//   rtm_test::RedisProcess redis;
//   ASSERT_TRUE(redis.started());
//   redisContext *c = redisConnectUnix(redis.socket().c_str());
//
// The constructor runs `redis-server --port 0 --unixsocket DIR/redis.sock
// --dir DIR --appendonly yes --appendfsync always --maxmemory-policy
// noeviction --save "" --pidfile DIR/ready` (no TCP port: nothing but this
// test can reach it) and waits up to 5 s for its pid file, written once
// its socket listens. Restart() starts it again on the same directory, so
// that what it made durable comes back. The environment variable
// REDIS_SERVER names another binary. The destructor stops it (SIGTERM)
// and expects exit code 0.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "child_process.h"

namespace rtm_test {

class RedisProcess {
 public:
  RedisProcess();
  ~RedisProcess();
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  bool started() const { return started_; }
  // The unix socket it listens on.
  const std::string& socket() const { return socket_; }
  pid_t pid() const { return child_->pid(); }
  // SIGKILL, as a crash; then Restart() brings it back on its data.
  int Kill() { return child_->Kill(); }
  // Starts it again on the same data directory; true once it listens.
  bool Restart();
  // Closes (CLIENT KILL) every client connection CLIENT SETNAME named
  // `name`; how many it closed, or -1 when Redis could not be asked.
  int KillClients(const std::string& name);
  std::string Log() const { return child_->Log(); }

 private:
  bool Start();

  std::unique_ptr<ChildProcess> child_;
  std::string data_dir_, socket_;
  bool started_ = false;
};

// The redis-server binary the tests run.
std::string RedisServerPath();

}  // namespace rtm_test
