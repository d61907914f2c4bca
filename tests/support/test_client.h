// test_client.h: a tiny blocking client speaking rtmd's wire protocol over a
// raw TCP socket, for tests. Not thread-safe; one per test thread.
//
//   rtm_test::TestClient a;
//   ASSERT_TRUE(a.Connect(rtmd.host(), rtmd.port()));
//   ASSERT_EQ(a.HelloLogin("app", "alice"), 0);        // LoginResult.code
//   EXPECT_EQ(a.Join("room"), 0);                      // Result.code
//   rtm_test::FramePtr ev = b.Expect(RTM__WIRE__FRAME__BODY_MEMBER_EVENT);
//
// Reading: frames that arrive while a helper waits for something else are
// kept, in order, for the next ReadFrame()/Expect(). Expect() skips Ping
// frames unless it is asked for a Ping. Every wait has a timeout (ms); a
// helper that times out returns nullptr / -1 and never blocks forever.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "frame.h"

namespace rtm_test {

struct FrameDeleter {
  void operator()(rtm__frame* f) const { rtm__frame_free(f); }
};
using FramePtr = std::unique_ptr<rtm__frame, FrameDeleter>;

// Generous, for a noisy machine: waits end as soon as the thing happens.
constexpr int kWaitMs = 5000;

// What a resuming client tells the server in its Login (SPEC S9, S10).
struct ResumeCursors {
  uint64_t peer_received = 0;                               // Login.peer_received
  std::vector<std::pair<std::string, uint64_t>> channels;  // Login.channels
};

using Attrs = std::vector<std::pair<std::string, std::string>>;

enum class ReadStatus {
  kFrame,     // a frame was read
  kTimeout,   // nothing whole within the timeout
  kEof,       // the server closed (FIN or reset)
  kBadFrame,  // bytes that are not a frame
  kError      // not connected, or a socket error
};

class TestClient {
 public:
  TestClient() = default;
  ~TestClient();
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  // Connects (blocking, with a timeout). True on success.
  // source: the local address to connect from ("127.0.0.2"), or "" for any.
  bool Connect(const std::string& host, uint16_t port, int timeout_ms = kWaitMs,
               const std::string& source = "");
  void Close();
  // Half-closes: the server sees EOF, we can still read.
  void ShutdownWrite();
  int fd() const { return fd_; }

  // ---- raw frames ----
  bool SendFrame(const rtm__frame& f);
  bool SendRaw(const void* data, size_t len);
  // The next frame (kept ones first). *status says why on nullptr.
  FramePtr ReadFrame(int timeout_ms = kWaitMs, ReadStatus* status = nullptr);
  // The next frame with this body; others are kept (Pings are dropped
  // unless body is PING). nullptr on timeout or EOF.
  FramePtr Expect(Rtm__Wire__Frame__BodyCase body, int timeout_ms = kWaitMs);
  // Reads and drops frames until the server closes the link. True on EOF
  // (or reset), false on timeout. Kept frames are dropped too.
  bool WaitClosed(int timeout_ms = kWaitMs);
  // Whether no frame other than Ping arrives within ms.
  // Whether nothing but pings and member counts (which come on timers)
  // arrives for ms.
  bool QuietFor(int ms);

  // ---- requests: assign request_id, send, wait for the answer with it ----
  // The answer to f (its request_id is set here); nullptr on timeout, EOF,
  // or when a Close came instead (it is kept for Expect()).
  FramePtr Request(rtm__frame& f, int timeout_ms = kWaitMs);
  uint32_t last_request_id() const { return next_request_id_ - 1; }
  // The session the last successful login got (LoginResult.session_id); the
  // next Login names it, as a client does, to resume that session.
  uint64_t session_id() const { return session_id_; }
  void set_session_id(uint64_t id) { session_id_ = id; }

  // Hello{version, heartbeat_ms}; returns the HelloAck, or nullptr.
  FramePtr Hello(uint32_t version = 1, uint32_t heartbeat_ms = 1000);
  // Login; returns LoginResult.code, or -1 when no LoginResult came.
  int Login(const std::string& app, const std::string& user, uint64_t instance = 1,
            const std::string& token = "", bool* resumed = nullptr);
  // Login with resume cursors; the LoginResult frame, or nullptr.
  FramePtr LoginWith(const std::string& app, const std::string& user, uint64_t instance,
                     const ResumeCursors& cursors);
  // Hello then Login; the login code (or -1).
  int HelloLogin(const std::string& app, const std::string& user, uint64_t instance = 1);
  // Each returns the Result.code of the answer, or -1 when none came.
  int Logout();
  int RenewToken(const std::string& token);
  // send_seq 0: none (SPEC B1 de-duplication not asked for).
  int PeerSend(const std::string& to, const std::string& text, bool enable_offline = false,
               uint64_t send_seq = 0);
  int Join(const std::string& channel);
  // A Join with Join.replay and a cursor (SPEC S10 after S13); the
  // replayed frames and ReplayDone follow the Result.
  int Rejoin(const std::string& channel, bool replay, uint64_t last_seq);
  int Leave(const std::string& channel);
  int ChannelSend(const std::string& channel, const std::string& text,
                  uint64_t send_seq = 0);
  // SetAttributes{op (Rtm__Wire__SetAttributes__Op), attributes, keys}.
  int SetAttributes(int op, const Attrs& attributes, const std::vector<std::string>& keys = {});
  // Attributes{code, user, attributes}, or nullptr.
  FramePtr GetAttributes(const std::string& user, const std::vector<std::string>& keys = {});
  // SetChannelAttributes{channel, change = SetAttributes{...}, notify}.
  int SetChannelAttributes(const std::string& channel, int op, const Attrs& attributes,
                           const std::vector<std::string>& keys = {}, bool notify = false);
  // ChannelAttributes{code, channel, attributes}, or nullptr.
  FramePtr GetChannelAttributes(const std::string& channel,
                                const std::vector<std::string>& keys = {});
  // Members{code, users}, or nullptr.
  FramePtr GetMembers(const std::string& channel);
  // GetMemberCount; the MemberCounts frame, or nullptr.
  FramePtr GetMemberCount(const std::vector<std::string>& channels);
  // Presence (SPEC A8). QueryPeers and GetSubscribed: PeerStates{code,
  // peers}, or nullptr. Subscribe: the Result.code (the PeerStateEvent that
  // follows an OK subscribe is left for Expect()).
  FramePtr QueryPeers(const std::vector<std::string>& users);
  int Subscribe(const std::vector<std::string>& users, bool unsubscribe = false);
  FramePtr GetSubscribed();
  // Fire-and-forget frames (request_id 0).
  bool PeerAck(uint64_t seq);
  bool Ping();

 private:
  FramePtr ReadFromSocket(int timeout_ms, ReadStatus* status);
  int ResultCode(rtm__frame& f);

  int fd_ = -1;
  std::vector<uint8_t> rbuf_;
  std::deque<FramePtr> kept_;
  uint32_t next_request_id_ = 1;
  uint64_t session_id_ = 0;
};

// A text message (type 1) for frames built by hand; text must outlive it.
Rtm__Wire__Message TextMessage(const std::string& text);

}  // namespace rtm_test
