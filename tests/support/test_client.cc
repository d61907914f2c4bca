// test_client.cc: see test_client.h.
#include "test_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace rtm_test {
namespace {

using Clock = std::chrono::steady_clock;

// The test client accepts anything the server could send.
constexpr size_t kReadMax = 64u * 1024u * 1024u;

// Pointers to the strings of v, for repeated string fields; valid while v is.
std::vector<char*> CStrings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const std::string& s : v) out.push_back(const_cast<char*>(s.c_str()));
  return out;
}

int Remaining(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now())
                .count();
  return ms > 0 ? static_cast<int>(ms) : 0;
}

}  // namespace

Rtm__Wire__Message TextMessage(const std::string& text) {
  Rtm__Wire__Message m = RTM__WIRE__MESSAGE__INIT;
  m.type = 1;
  m.text = const_cast<char*>(text.c_str());
  return m;
}

TestClient::~TestClient() { Close(); }

bool TestClient::Connect(const std::string& host, uint16_t port, int timeout_ms,
                         const std::string& source) {
  Close();
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) return false;
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return false;
  if (!source.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (inet_pton(AF_INET, source.c_str(), &local.sin_addr) != 1 ||
        bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      Close();
      return false;
    }
  }
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    if (errno != EINPROGRESS) {
      Close();
      return false;
    }
    pollfd p{fd_, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof err;
    if (poll(&p, 1, timeout_ms) != 1 ||
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      Close();
      return false;
    }
  }
  return true;
}

void TestClient::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  rbuf_.clear();
  kept_.clear();
}

void TestClient::ShutdownWrite() {
  if (fd_ >= 0) shutdown(fd_, SHUT_WR);
}

bool TestClient::SendRaw(const void* data, size_t len) {
  if (fd_ < 0) return false;
  const uint8_t* p = static_cast<const uint8_t*>(data);
  auto deadline = Clock::now() + std::chrono::milliseconds(kWaitMs);
  while (len > 0) {
    ssize_t n = send(fd_, p, len, MSG_NOSIGNAL);
    if (n > 0) {
      p += n;
      len -= static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd pf{fd_, POLLOUT, 0};
      if (poll(&pf, 1, Remaining(deadline)) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

bool TestClient::SendFrame(const rtm__frame& f) {
  std::vector<uint8_t> buf(rtm__frame_encoded_size(&f));
  size_t n = rtm__frame_encode(&f, buf.data());
  return SendRaw(buf.data(), n);
}

FramePtr TestClient::ReadFromSocket(int timeout_ms, ReadStatus* status) {
  ReadStatus ignored;
  if (!status) status = &ignored;
  if (fd_ < 0) {
    *status = ReadStatus::kError;
    return nullptr;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    rtm__frame* f = nullptr;
    size_t used = 0;
    rtm__frame_status st =
        rtm__frame_decode(rbuf_.data(), rbuf_.size(), kReadMax, &f, &used);
    if (st == RTM__FRAME_OK) {
      rbuf_.erase(rbuf_.begin(), rbuf_.begin() + static_cast<long>(used));
      *status = ReadStatus::kFrame;
      return FramePtr(f);
    }
    if (st != RTM__FRAME_NEED_MORE) {
      *status = ReadStatus::kBadFrame;
      return nullptr;
    }
    pollfd p{fd_, POLLIN, 0};
    int r = poll(&p, 1, Remaining(deadline));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      *status = ReadStatus::kTimeout;
      return nullptr;
    }
    uint8_t chunk[16384];
    ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
    if (n > 0) {
      rbuf_.insert(rbuf_.end(), chunk, chunk + n);
      continue;
    }
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    *status = (n == 0 || errno == ECONNRESET) ? ReadStatus::kEof : ReadStatus::kError;
    return nullptr;
  }
}

FramePtr TestClient::ReadFrame(int timeout_ms, ReadStatus* status) {
  if (!kept_.empty()) {
    FramePtr f = std::move(kept_.front());
    kept_.pop_front();
    if (status) *status = ReadStatus::kFrame;
    return f;
  }
  return ReadFromSocket(timeout_ms, status);
}

FramePtr TestClient::Expect(Rtm__Wire__Frame__BodyCase body, int timeout_ms) {
  for (auto it = kept_.begin(); it != kept_.end(); ++it) {
    if ((*it)->body_case == body) {
      FramePtr f = std::move(*it);
      kept_.erase(it);
      return f;
    }
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    FramePtr f = ReadFromSocket(Remaining(deadline), nullptr);
    if (!f) return nullptr;
    if (f->body_case == body) return f;
    if (f->body_case != RTM__WIRE__FRAME__BODY_PING) kept_.push_back(std::move(f));
  }
}

bool TestClient::WaitClosed(int timeout_ms) {
  kept_.clear();
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    ReadStatus st;
    FramePtr f = ReadFromSocket(Remaining(deadline), &st);
    if (f) continue;
    if (st == ReadStatus::kEof) return true;
    if (st == ReadStatus::kBadFrame) {
      rbuf_.clear();  // keep reading to the EOF
      continue;
    }
    return false;
  }
}

// Pings and member counts come on their own timers (the counts at most once
// a second after a membership change): QuietFor looks past them.
static bool Background(const rtm__frame& f) {
  return f.body_case == RTM__WIRE__FRAME__BODY_PING ||
         f.body_case == RTM__WIRE__FRAME__BODY_MEMBER_COUNT_EVENT;
}

bool TestClient::QuietFor(int ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(ms);
  for (auto& f : kept_)
    if (!Background(*f)) return false;
  kept_.clear();
  for (;;) {
    int left = Remaining(deadline);
    if (left == 0) return true;
    ReadStatus st;
    FramePtr f = ReadFromSocket(left, &st);
    if (f && !Background(*f)) {
      kept_.push_back(std::move(f));
      return false;
    }
    if (!f) return st == ReadStatus::kTimeout;
  }
}

FramePtr TestClient::Request(rtm__frame& f, int timeout_ms) {
  f.request_id = next_request_id_++;
  if (!SendFrame(f)) return nullptr;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (auto it = kept_.begin(); it != kept_.end(); ++it) {
    if ((*it)->request_id == f.request_id) {
      FramePtr r = std::move(*it);
      kept_.erase(it);
      return r;
    }
  }
  for (;;) {
    FramePtr r = ReadFromSocket(Remaining(deadline), nullptr);
    if (!r) return nullptr;
    if (r->request_id == f.request_id) return r;
    // The link is ending: no answer will come. The Close is kept.
    if (r->body_case == RTM__WIRE__FRAME__BODY_CLOSE) {
      kept_.push_back(std::move(r));
      return nullptr;
    }
    if (r->body_case != RTM__WIRE__FRAME__BODY_PING) kept_.push_back(std::move(r));
  }
}

FramePtr TestClient::Hello(uint32_t version, uint32_t heartbeat_ms) {
  Rtm__Wire__Hello h = RTM__WIRE__HELLO__INIT;
  h.version = version;
  h.heartbeat_ms = heartbeat_ms;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_HELLO;
  f.hello = &h;
  return Request(f);
}

int TestClient::Login(const std::string& app, const std::string& user, uint64_t instance,
                      const std::string& token, bool* resumed) {
  Rtm__Wire__Login l = RTM__WIRE__LOGIN__INIT;
  l.app_id = const_cast<char*>(app.c_str());
  l.user_id = const_cast<char*>(user.c_str());
  l.token = const_cast<char*>(token.c_str());
  l.instance_id = instance;
  l.session_id = session_id_;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
  f.login = &l;
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_LOGIN_RESULT) return -1;
  if (r->login_result->code == 0) session_id_ = r->login_result->session_id;
  if (resumed) *resumed = r->login_result->resumed;
  return r->login_result->code;
}

FramePtr TestClient::LoginWith(const std::string& app, const std::string& user,
                               uint64_t instance, const ResumeCursors& cursors) {
  Rtm__Wire__Login l = RTM__WIRE__LOGIN__INIT;
  l.app_id = const_cast<char*>(app.c_str());
  l.user_id = const_cast<char*>(user.c_str());
  l.token = const_cast<char*>("");
  l.instance_id = instance;
  l.session_id = session_id_;
  l.peer_received = cursors.peer_received;
  std::vector<Rtm__Wire__ChannelCursor> cs(cursors.channels.size());
  std::vector<Rtm__Wire__ChannelCursor*> ptrs;
  for (size_t i = 0; i < cs.size(); i++) {
    rtm__wire__channel_cursor__init(&cs[i]);
    cs[i].channel = const_cast<char*>(cursors.channels[i].first.c_str());
    cs[i].last_seq = cursors.channels[i].second;
    ptrs.push_back(&cs[i]);
  }
  l.n_channels = ptrs.size();
  l.channels = ptrs.data();
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_LOGIN;
  f.login = &l;
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_LOGIN_RESULT) return nullptr;
  if (r->login_result->code == 0) session_id_ = r->login_result->session_id;
  return r;
}

int TestClient::HelloLogin(const std::string& app, const std::string& user,
                           uint64_t instance) {
  FramePtr ack = Hello();
  if (!ack || ack->body_case != RTM__WIRE__FRAME__BODY_HELLO_ACK) return -1;
  return Login(app, user, instance);
}

int TestClient::ResultCode(rtm__frame& f) {
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_RESULT) return -1;
  return r->result->code;
}

int TestClient::Logout() {
  Rtm__Wire__Logout lo = RTM__WIRE__LOGOUT__INIT;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_LOGOUT;
  f.logout = &lo;
  return ResultCode(f);
}

int TestClient::RenewToken(const std::string& token) {
  Rtm__Wire__RenewToken r = RTM__WIRE__RENEW_TOKEN__INIT;
  r.token = const_cast<char*>(token.c_str());
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_RENEW_TOKEN;
  f.renew_token = &r;
  return ResultCode(f);
}

int TestClient::PeerSend(const std::string& to, const std::string& text,
                         bool enable_offline, uint64_t send_seq) {
  Rtm__Wire__Message m = TextMessage(text);
  Rtm__Wire__PeerSend ps = RTM__WIRE__PEER_SEND__INIT;
  ps.to = const_cast<char*>(to.c_str());
  ps.message = &m;
  ps.enable_offline = enable_offline;
  ps.send_seq = send_seq;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_PEER_SEND;
  f.peer_send = &ps;
  return ResultCode(f);
}

int TestClient::Join(const std::string& channel) { return Rejoin(channel, false, 0); }

int TestClient::Rejoin(const std::string& channel, bool replay, uint64_t last_seq) {
  Rtm__Wire__Join j = RTM__WIRE__JOIN__INIT;
  j.channel = const_cast<char*>(channel.c_str());
  j.replay = replay;
  j.last_seq = last_seq;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_JOIN;
  f.join = &j;
  return ResultCode(f);
}

int TestClient::Leave(const std::string& channel) {
  Rtm__Wire__Leave l = RTM__WIRE__LEAVE__INIT;
  l.channel = const_cast<char*>(channel.c_str());
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_LEAVE;
  f.leave = &l;
  return ResultCode(f);
}

int TestClient::ChannelSend(const std::string& channel, const std::string& text,
                            uint64_t send_seq) {
  Rtm__Wire__Message m = TextMessage(text);
  Rtm__Wire__ChannelSend cs = RTM__WIRE__CHANNEL_SEND__INIT;
  cs.channel = const_cast<char*>(channel.c_str());
  cs.message = &m;
  cs.send_seq = send_seq;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_CHANNEL_SEND;
  f.channel_send = &cs;
  return ResultCode(f);
}

FramePtr TestClient::GetMembers(const std::string& channel) {
  Rtm__Wire__GetMembers g = RTM__WIRE__GET_MEMBERS__INIT;
  g.channel = const_cast<char*>(channel.c_str());
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_GET_MEMBERS;
  f.get_members = &g;
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_MEMBERS) return nullptr;
  return r;
}

FramePtr TestClient::GetMemberCount(const std::vector<std::string>& channels) {
  std::vector<char*> ptrs = CStrings(channels);
  Rtm__Wire__GetMemberCount g = RTM__WIRE__GET_MEMBER_COUNT__INIT;
  g.channels = ptrs.data();
  g.n_channels = ptrs.size();
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_GET_MEMBER_COUNT;
  f.get_member_count = &g;
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_MEMBER_COUNTS) return nullptr;
  return r;
}

FramePtr TestClient::QueryPeers(const std::vector<std::string>& users) {
  std::vector<char*> ptrs = CStrings(users);
  Rtm__Wire__QueryPeers q = RTM__WIRE__QUERY_PEERS__INIT;
  q.n_users = ptrs.size();
  q.users = ptrs.data();
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_QUERY_PEERS;
  f.query_peers = &q;
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_PEER_STATES) return nullptr;
  return r;
}

int TestClient::Subscribe(const std::vector<std::string>& users, bool unsubscribe) {
  std::vector<char*> ptrs = CStrings(users);
  Rtm__Wire__Subscribe s = RTM__WIRE__SUBSCRIBE__INIT;
  s.n_users = ptrs.size();
  s.users = ptrs.data();
  s.unsubscribe = unsubscribe;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_SUBSCRIBE;
  f.subscribe = &s;
  return ResultCode(f);
}

FramePtr TestClient::GetSubscribed() {
  Rtm__Wire__GetSubscribed g = RTM__WIRE__GET_SUBSCRIBED__INIT;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_GET_SUBSCRIBED;
  f.get_subscribed = &g;
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_PEER_STATES) return nullptr;
  return r;
}

namespace {
// The storage behind a SetAttributes: valid while it lives.
struct SetAttrs {
  SetAttrs(int op, const Attrs& attributes, const std::vector<std::string>& keys)
      : as(attributes.size()) {
    for (size_t i = 0; i < as.size(); i++) {
      rtm__wire__attribute__init(&as[i]);
      as[i].key = const_cast<char*>(attributes[i].first.c_str());
      as[i].value = const_cast<char*>(attributes[i].second.c_str());
      aptrs.push_back(&as[i]);
    }
    kptrs = CStrings(keys);
    sa.op = static_cast<Rtm__Wire__SetAttributes__Op>(op);
    sa.n_attributes = aptrs.size();
    sa.attributes = aptrs.data();
    sa.n_keys = kptrs.size();
    sa.keys = kptrs.data();
  }
  std::vector<Rtm__Wire__Attribute> as;
  std::vector<Rtm__Wire__Attribute*> aptrs;
  std::vector<char*> kptrs;
  Rtm__Wire__SetAttributes sa = RTM__WIRE__SET_ATTRIBUTES__INIT;
};
}  // namespace

int TestClient::SetAttributes(int op, const Attrs& attributes,
                              const std::vector<std::string>& keys) {
  SetAttrs sa(op, attributes, keys);
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_SET_ATTRIBUTES;
  f.set_attributes = &sa.sa;
  return ResultCode(f);
}

int TestClient::SetChannelAttributes(const std::string& channel, int op,
                                     const Attrs& attributes,
                                     const std::vector<std::string>& keys, bool notify) {
  SetAttrs sa(op, attributes, keys);
  Rtm__Wire__SetChannelAttributes sc = RTM__WIRE__SET_CHANNEL_ATTRIBUTES__INIT;
  sc.channel = const_cast<char*>(channel.c_str());
  sc.change = &sa.sa;
  sc.notify = notify;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_SET_CHANNEL_ATTRIBUTES;
  f.set_channel_attributes = &sc;
  return ResultCode(f);
}

FramePtr TestClient::GetChannelAttributes(const std::string& channel,
                                          const std::vector<std::string>& keys) {
  std::vector<char*> kptrs = CStrings(keys);
  Rtm__Wire__GetChannelAttributes g = RTM__WIRE__GET_CHANNEL_ATTRIBUTES__INIT;
  g.channel = const_cast<char*>(channel.c_str());
  g.n_keys = kptrs.size();
  g.keys = kptrs.data();
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_GET_CHANNEL_ATTRIBUTES;
  f.get_channel_attributes = &g;
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_CHANNEL_ATTRIBUTES) return nullptr;
  return r;
}

FramePtr TestClient::GetAttributes(const std::string& user,
                                   const std::vector<std::string>& keys) {
  std::vector<char*> kptrs = CStrings(keys);
  Rtm__Wire__GetAttributes g = RTM__WIRE__GET_ATTRIBUTES__INIT;
  g.user = const_cast<char*>(user.c_str());
  g.n_keys = kptrs.size();
  g.keys = kptrs.data();
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_GET_ATTRIBUTES;
  f.get_attributes = &g;
  FramePtr r = Request(f);
  if (!r || r->body_case != RTM__WIRE__FRAME__BODY_ATTRIBUTES) return nullptr;
  return r;
}

bool TestClient::PeerAck(uint64_t seq) {
  Rtm__Wire__PeerAck a = RTM__WIRE__PEER_ACK__INIT;
  a.seq = seq;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_PEER_ACK;
  f.peer_ack = &a;
  return SendFrame(f);
}

bool TestClient::Ping() {
  Rtm__Wire__Ping p = RTM__WIRE__PING__INIT;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_PING;
  f.ping = &p;
  return SendFrame(f);
}

}  // namespace rtm_test
