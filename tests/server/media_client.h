// media_client.h: a media transfer as a client does it, over TestClient's
// frames (docs/PROTOCOL.md, "Media"), for the tests that move media:
// uploads within the window, downloads acknowledging each chunk.
#pragma once

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ids.h"
#include "rtm/rtm_codes.h"
#include "server_test.h"

namespace rtm_test {

using Bytes = std::vector<uint8_t>;

inline Bytes RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 g(seed);
  Bytes b(n);
  for (auto& c : b) c = static_cast<uint8_t>(g());
  return b;
}

// MediaUpload{size}; the MediaBegun answer (nullptr if none).
inline FramePtr BeginUpload(TestClient& c, uint64_t size) {
  Rtm__Wire__MediaUpload up = RTM__WIRE__MEDIA_UPLOAD__INIT;
  up.size = size;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_UPLOAD;
  f.media_upload = &up;
  return c.Request(f);
}

inline FramePtr BeginDownload(TestClient& c, const std::string& id) {
  Rtm__Wire__MediaDownload d = RTM__WIRE__MEDIA_DOWNLOAD__INIT;
  d.media_id = const_cast<char*>(id.c_str());
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_DOWNLOAD;
  f.media_download = &d;
  return c.Request(f);
}

inline bool SendChunk(TestClient& c, uint32_t transfer, uint64_t offset, const uint8_t* p, size_t n) {
  Rtm__Wire__MediaChunk ch = RTM__WIRE__MEDIA_CHUNK__INIT;
  ch.transfer = transfer;
  ch.offset = offset;
  ch.data.data = const_cast<uint8_t*>(p);
  ch.data.len = n;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_CHUNK;
  f.media_chunk = &ch;
  return c.SendFrame(f);
}

inline bool SendAck(TestClient& c, uint32_t transfer, uint64_t received) {
  Rtm__Wire__MediaAck a = RTM__WIRE__MEDIA_ACK__INIT;
  a.transfer = transfer;
  a.received = received;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_ACK;
  f.media_ack = &a;
  return c.SendFrame(f);
}

inline bool SendCancel(TestClient& c, uint32_t transfer) {
  Rtm__Wire__MediaCancel x = RTM__WIRE__MEDIA_CANCEL__INIT;
  x.transfer = transfer;
  rtm__frame f = RTM__WIRE__FRAME__INIT;
  f.body_case = RTM__WIRE__FRAME__BODY_MEDIA_CANCEL;
  f.media_cancel = &x;
  return c.SendFrame(f);
}

// Uploads data as a client does: chunks of RTM__MEDIA_CHUNK_MAX, never more
// than the window beyond what was acknowledged. The MediaEnd frame, or
// nullptr; *max_unacked: the most ever sent beyond the acknowledgements.
inline FramePtr Upload(TestClient& c, const Bytes& data, uint64_t* max_unacked = nullptr) {
  FramePtr b = BeginUpload(c, data.size());
  if (!b || b->body_case != RTM__WIRE__FRAME__BODY_MEDIA_BEGUN || b->media_begun->code != 0) {
    ADD_FAILURE() << "upload not begun";
    return nullptr;
  }
  uint32_t t = b->request_id;
  uint64_t sent = 0, acked = 0, most = 0;
  while (true) {
    while (sent < data.size() && sent - acked < RTM__MEDIA_WINDOW) {
      size_t n = std::min<uint64_t>({RTM__MEDIA_CHUNK_MAX, data.size() - sent,
                                     RTM__MEDIA_WINDOW - (sent - acked)});
      if (!SendChunk(c, t, sent, data.data() + sent, n)) return nullptr;
      sent += n;
      most = std::max(most, sent - acked);
    }
    FramePtr f = c.ReadFrame();
    if (!f) return nullptr;
    if (f->body_case == RTM__WIRE__FRAME__BODY_MEDIA_ACK && f->media_ack->transfer == t) {
      EXPECT_GE(f->media_ack->received, acked) << "acknowledgements never go back";
      EXPECT_LE(f->media_ack->received, sent) << "nor past what was sent";
      acked = f->media_ack->received;
    } else if (f->body_case == RTM__WIRE__FRAME__BODY_MEDIA_END &&
               f->media_end->transfer == t) {
      EXPECT_EQ(acked, data.size()) << "ended before every byte was acknowledged";
      if (max_unacked) *max_unacked = most;
      return f;
    }
  }
}

inline std::string UploadId(TestClient& c, const Bytes& data) {
  FramePtr end = Upload(c, data);
  if (!end) return "";
  EXPECT_EQ(end->media_end->code, RTM_UPLOAD_MEDIA_ERR_OK);
  return end->media_end->media_id;
}

// Downloads id, acknowledging each chunk once read. The bytes, with the
// code of MediaBegun in *code (-1: no answer).
inline Bytes Download(TestClient& c, const std::string& id, int* code) {
  Bytes out;
  FramePtr b = BeginDownload(c, id);
  *code = b && b->body_case == RTM__WIRE__FRAME__BODY_MEDIA_BEGUN ? b->media_begun->code : -1;
  if (*code != 0) return out;
  uint32_t t = b->request_id;
  uint64_t size = b->media_begun->size;
  while (out.size() < size) {
    FramePtr f = c.Expect(RTM__WIRE__FRAME__BODY_MEDIA_CHUNK);
    if (!f) {
      ADD_FAILURE() << "no chunk after " << out.size() << " of " << size << " bytes";
      break;
    }
    EXPECT_EQ(f->media_chunk->transfer, t);
    EXPECT_EQ(f->media_chunk->offset, out.size()) << "chunks come in order";
    EXPECT_LE(f->media_chunk->data.len, RTM__MEDIA_CHUNK_MAX);
    out.insert(out.end(), f->media_chunk->data.data,
               f->media_chunk->data.data + f->media_chunk->data.len);
    SendAck(c, t, out.size());
  }
  return out;
}

// Files under dir, recursively, whose name ends with suffix ("" for all).
inline size_t CountFiles(const std::string& dir, const std::string& suffix = "") {
  size_t n = 0;
  DIR* d = opendir(dir.c_str());
  if (!d) return 0;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    std::string path = dir + "/" + name;
    struct stat sb;
    if (stat(path.c_str(), &sb) != 0) continue;
    if (S_ISDIR(sb.st_mode))
      n += CountFiles(path, suffix);
    else if (name.size() >= suffix.size() &&
             name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      n++;
  }
  closedir(d);
  return n;
}

}  // namespace rtm_test
