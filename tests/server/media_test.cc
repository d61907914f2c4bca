// Media transfers against a real rtmd (SPEC M1, M2, M3, M5, M6; the exchange
// of docs/PROTOCOL.md, "Media"): bytes back byte for byte, the codes of
// every refusal, the window, timeouts, cancels, a link lost mid-transfer,
// the files through a restart and their expiry.
#include <dirent.h>
#include <sys/stat.h>

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ids.h"
#include "rtm/rtm_codes.h"
#include "media_client.h"
#include "server_test.h"

namespace rtm_test {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/rtmd-media-test-XXXXXX";
  return mkdtemp(tmpl) ? tmpl : "";
}

// M1, M2: what is uploaded comes back byte for byte, whatever its size
// (none, one byte, chunks that do not divide it, a megabyte), and the
// uploader is never more than the window ahead of the acknowledgements.
TEST(Media, M1_M2_BytesComeBackByteForByte) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  for (size_t n : {size_t{0}, size_t{1}, size_t{100 * 1024 + 1}, size_t{1024 * 1024}}) {
    SCOPED_TRACE(n);
    Bytes data = RandomBytes(n, static_cast<uint32_t>(n));
    uint64_t most = 0;
    FramePtr end = Upload(a, data, &most);
    ASSERT_TRUE(end);
    ASSERT_EQ(end->media_end->code, RTM_UPLOAD_MEDIA_ERR_OK);
    std::string id = end->media_end->media_id;
    EXPECT_EQ(id.size(), 32u);
    EXPECT_LE(most, RTM__MEDIA_WINDOW);
    int code = -1;
    Bytes back = Download(b, id, &code);  // another user of the app
    EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_OK);
    EXPECT_TRUE(back == data) << "the bytes differ";
  }
}

// M1, M2 with --store mem: the media are kept in memory, the same way.
TEST(Media, M1_M2_TheMemoryStoreKeepsMediaToo) {
  RtmdProcess rtmd({"--store", "mem"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  Bytes data = RandomBytes(700 * 1024 + 3, 9);
  std::string id = UploadId(a, data);
  ASSERT_FALSE(id.empty());
  int code = -1;
  EXPECT_TRUE(Download(a, id, &code) == data);
  EXPECT_EQ(code, 0);
}

// M2: an id of another app, one never given, one of another system's form
// are NOT_EXIST; one that is not a media id at all is INVALID_ARGUMENT.
TEST(Media, M2_UnknownIdsAreNotExist) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, other;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(other, rtmd, "alice", "another-app"));
  std::string id = UploadId(a, RandomBytes(5000, 1));
  ASSERT_FALSE(id.empty());
  int code = -1;
  Download(other, id, &code);
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST) << "another app's media";
  Download(a, "00000000000000000000000000000000", &code);
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST);
  Download(a, "/vendor/style/id", &code);
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST);
  Download(a, "", &code);
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT);
  Download(a, "has space", &code);
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT);
  // The link is fine after all that.
  Download(a, id, &code);
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_OK);
}

// M1: over 30 MB is SIZE_OVERFLOW, before a byte moves; 30 MB exactly is
// begun.
TEST(Media, M1_OverThirtyMegabytesIsSizeOverflow) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  FramePtr b = BeginUpload(a, RTM__MEDIA_SIZE_MAX + 1ull);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->media_begun->code, RTM_UPLOAD_MEDIA_ERR_SIZE_OVERFLOW);
  b = BeginUpload(a, RTM__MEDIA_SIZE_MAX);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->media_begun->code, RTM_UPLOAD_MEDIA_ERR_OK);
}

// M5: a tenth upload (or download) at once is CONCURRENCY_LIMIT_EXCEEDED;
// once one ends, another may begin.
TEST(Media, M5_ATenthTransferAtOnceIsRefused) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  std::string id = UploadId(a, RandomBytes(RTM__MEDIA_WINDOW * 2, 2));
  ASSERT_FALSE(id.empty());
  std::vector<uint32_t> ups;
  for (unsigned i = 0; i < RTM__MEDIA_TRANSFERS_MAX; i++) {
    FramePtr b = BeginUpload(a, 10);
    ASSERT_TRUE(b);
    ASSERT_EQ(b->media_begun->code, 0);
    ups.push_back(b->request_id);
  }
  FramePtr b = BeginUpload(a, 10);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->media_begun->code, RTM_UPLOAD_MEDIA_ERR_CONCURRENCY_LIMIT_EXCEEDED);
  // Downloads are counted apart: nine begin (not acknowledged, they stay).
  for (unsigned i = 0; i < RTM__MEDIA_TRANSFERS_MAX; i++) {
    FramePtr d = BeginDownload(a, id);
    ASSERT_TRUE(d);
    ASSERT_EQ(d->media_begun->code, 0);
  }
  FramePtr d = BeginDownload(a, id);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->media_begun->code, RTM_DOWNLOAD_MEDIA_ERR_CONCURRENCY_LIMIT_EXCEEDED);
  ASSERT_TRUE(SendCancel(a, ups[0]));
  b = BeginUpload(a, 10);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->media_begun->code, 0) << "a canceled upload makes room";
}

// M5: no data moving for --media-idle-ms ends a transfer with TIMEOUT, an
// upload that stopped sending and a download that stopped acknowledging.
TEST(Media, M5_NoDataMovingIsTimeout) {
  RtmdProcess rtmd({"--media-idle-ms", "400"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  std::string id = UploadId(a, RandomBytes(RTM__MEDIA_WINDOW * 2, 3));
  ASSERT_FALSE(id.empty());
  FramePtr b = BeginUpload(a, 100);
  ASSERT_TRUE(b);
  Bytes half = RandomBytes(50, 4);
  ASSERT_TRUE(SendChunk(a, b->request_id, 0, half.data(), half.size()));
  auto t0 = std::chrono::steady_clock::now();
  FramePtr end = a.Expect(RTM__WIRE__FRAME__BODY_MEDIA_END, 3000);
  ASSERT_TRUE(end);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(end->media_end->transfer, b->request_id);
  EXPECT_EQ(end->media_end->code, RTM_UPLOAD_MEDIA_ERR_TIMEOUT);
  EXPECT_GE(ms, 300);
  // Its late chunks are dropped, the link stays.
  ASSERT_TRUE(SendChunk(a, b->request_id, 50, half.data(), half.size()));
  FramePtr d = BeginDownload(a, id);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->media_begun->code, 0);
  end = a.Expect(RTM__WIRE__FRAME__BODY_MEDIA_END, 3000);
  ASSERT_TRUE(end) << "a download never acknowledged";
  EXPECT_EQ(end->media_end->transfer, d->request_id);
  EXPECT_EQ(end->media_end->code, RTM_DOWNLOAD_MEDIA_ERR_TIMEOUT);
  EXPECT_EQ(a.Ping(), true);
  EXPECT_EQ(a.Join("room"), 0) << "the link carries on";
}

// The window: a download sends at most RTM__MEDIA_WINDOW bytes beyond what
// the client acknowledged, and goes on when it acknowledges.
TEST(Media, ADownloadWaitsForItsAcknowledgements) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  Bytes data = RandomBytes(RTM__MEDIA_WINDOW * 3, 5);
  std::string id = UploadId(a, data);
  ASSERT_FALSE(id.empty());
  FramePtr d = BeginDownload(a, id);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->media_begun->size, data.size());
  uint64_t got = 0;
  while (FramePtr f = a.ReadFrame(500)) {
    if (f->body_case == RTM__WIRE__FRAME__BODY_MEDIA_CHUNK) got += f->media_chunk->data.len;
  }
  EXPECT_EQ(got, RTM__MEDIA_WINDOW) << "exactly the window, then nothing";
  ASSERT_TRUE(SendAck(a, d->request_id, got));
  uint64_t more = 0;
  while (FramePtr f = a.ReadFrame(500)) {
    if (f->body_case == RTM__WIRE__FRAME__BODY_MEDIA_CHUNK) more += f->media_chunk->data.len;
  }
  EXPECT_EQ(more, RTM__MEDIA_WINDOW);
}

// Bad input: a chunk out of order or past the size ends that upload with
// FAILURE; the link stays.
TEST(Media, ABadChunkEndsItsUploadOnly) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  Bytes data = RandomBytes(RTM__MEDIA_WINDOW + 10, 6);
  struct Case {
    const char* what;
    uint64_t offset;
    size_t len;
  } cases[] = {{"out of order", 5, 10}, {"past the size", 0, 101}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    FramePtr b = BeginUpload(a, 100);
    ASSERT_TRUE(b);
    ASSERT_TRUE(SendChunk(a, b->request_id, c.offset, data.data(), c.len));
    FramePtr end = a.Expect(RTM__WIRE__FRAME__BODY_MEDIA_END);
    ASSERT_TRUE(end);
    EXPECT_EQ(end->media_end->code, RTM_UPLOAD_MEDIA_ERR_FAILURE);
  }
  // A good upload after them, on the same link.
  std::string id = UploadId(a, data);
  EXPECT_FALSE(id.empty());
  EXPECT_EQ(a.Join("room"), 0) << "the link carries on";
}

// M1, B6: a media outlives a restart of rtmd; an upload that a lost link
// cut short leaves no file; a media past --media-ttl-s is NOT_EXIST and its
// file is removed at the next start.
TEST(Media, M1_M2_B6_MediaOutliveARestartAndExpire) {
  std::string dir = TempDir();
  ASSERT_FALSE(dir.empty());
  std::string data_dir = dir + "/data", media_dir = data_dir + "/media";
  Bytes data = RandomBytes(600 * 1024, 7);
  std::string id;
  {
    RtmdProcess rtmd({"--data-dir", data_dir});
    ASSERT_TRUE(rtmd.started());
    TestClient a;
    ASSERT_TRUE(Online(a, rtmd, "alice"));
    id = UploadId(a, data);
    ASSERT_FALSE(id.empty());
    // A second upload, cut short.
    FramePtr b = BeginUpload(a, 1000);
    ASSERT_TRUE(b);
    ASSERT_TRUE(SendChunk(a, b->request_id, 0, data.data(), 500));
    ASSERT_TRUE(a.Expect(RTM__WIRE__FRAME__BODY_MEDIA_ACK));
    EXPECT_EQ(CountFiles(media_dir, ".part"), 1u);
    a.Close();
    for (int i = 0; i < 100 && CountFiles(media_dir, ".part") > 0; i++)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(CountFiles(media_dir, ".part"), 0u) << "the partial upload is gone";
    EXPECT_EQ(CountFiles(media_dir), 1u);
  }
  {
    RtmdProcess rtmd({"--data-dir", data_dir});
    ASSERT_TRUE(rtmd.started());
    TestClient b;
    ASSERT_TRUE(Online(b, rtmd, "bob"));
    int code = -1;
    Bytes back = Download(b, id, &code);
    EXPECT_EQ(code, 0);
    EXPECT_TRUE(back == data) << "the bytes differ after the restart";
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  {
    RtmdProcess rtmd({"--data-dir", data_dir, "--media-ttl-s", "1"});
    ASSERT_TRUE(rtmd.started());
    TestClient b;
    ASSERT_TRUE(Online(b, rtmd, "bob"));
    int code = -1;
    Download(b, id, &code);
    EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST);
    EXPECT_EQ(CountFiles(media_dir), 0u) << "its file went at the start";
  }
  ASSERT_EQ(0, std::system(("rm -rf '" + dir + "'").c_str()));
}

// An upload canceled once its last byte is acknowledged, while its commit
// runs, leaves no file: nobody will ever learn its id.
TEST(Media, AnUploadCanceledWhileItCommitsLeavesNoFile) {
  std::string dir = TempDir();
  ASSERT_FALSE(dir.empty());
  std::string media_dir = dir + "/data/media";
  {
    RtmdProcess rtmd({"--data-dir", dir + "/data"});
    ASSERT_TRUE(rtmd.started());
    TestClient a;
    ASSERT_TRUE(Online(a, rtmd, "alice"));
    Bytes data = RandomBytes(RTM__MEDIA_WINDOW, 10);  // one window: one burst
    for (int i = 0; i < 10; i++) {
      FramePtr b = BeginUpload(a, data.size());
      ASSERT_TRUE(b);
      uint32_t t = b->request_id;
      for (uint64_t off = 0; off < data.size(); off += RTM__MEDIA_CHUNK_MAX)
        ASSERT_TRUE(SendChunk(a, t, off, data.data() + off, RTM__MEDIA_CHUNK_MAX));
      while (FramePtr f = a.Expect(RTM__WIRE__FRAME__BODY_MEDIA_ACK)) {
        if (f->media_ack->transfer == t && f->media_ack->received == data.size()) break;
      }
      ASSERT_TRUE(SendCancel(a, t));
    }
    EXPECT_EQ(a.Join("room"), 0);
    size_t left = CountFiles(media_dir);
    for (int i = 0; i < 200 && left > 0; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      left = CountFiles(media_dir);
    }
    // Those whose MediaEnd came before the cancel are stored media; the
    // others are gone. Either way a.Expect saw an end for each stored one.
    size_t stored = 0;
    while (FramePtr f = a.ReadFrame(300))
      if (f->body_case == RTM__WIRE__FRAME__BODY_MEDIA_END && f->media_end->code == 0) stored++;
    EXPECT_EQ(left, stored) << "files of canceled uploads stayed";
  }
  ASSERT_EQ(0, std::system(("rm -rf '" + dir + "'").c_str()));
}

// M2: a media past --media-ttl-s is NOT_EXIST at once, before any sweep.
TEST(Media, M2_AnExpiredMediaIsNotExist) {
  RtmdProcess rtmd({"--media-ttl-s", "1"});
  ASSERT_TRUE(rtmd.started());
  TestClient a;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  std::string id = UploadId(a, RandomBytes(10, 8));
  ASSERT_FALSE(id.empty());
  int code = -1;
  Download(a, id, &code);
  EXPECT_EQ(code, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  Download(a, id, &code);
  EXPECT_EQ(code, RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST);
}

// M3: a file or image message travels as a peer message with its media
// described; one without a valid media id, or whose thumbnail and file name
// are over 32 KB, is INVALID_MESSAGE.
TEST(Media, M3_AMediaMessageTravelsWithItsMedia) {
  RtmdProcess rtmd;
  ASSERT_TRUE(rtmd.started());
  TestClient a, b;
  ASSERT_TRUE(Online(a, rtmd, "alice"));
  ASSERT_TRUE(Online(b, rtmd, "bob"));
  std::string thumb(1000, 't'), big(RTM__MESSAGE_MAX, 'x');
  auto send = [&](const char* media_id, const std::string& name, const std::string& th) {
    Rtm__Wire__MediaInfo m = RTM__WIRE__MEDIA_INFO__INIT;
    m.media_id = const_cast<char*>(media_id);
    m.size = 1234;
    m.file_name = const_cast<char*>(name.c_str());
    m.thumbnail.data = reinterpret_cast<uint8_t*>(const_cast<char*>(th.data()));
    m.thumbnail.len = th.size();
    m.width = 640;
    m.height = 480;
    m.thumbnail_width = 64;
    m.thumbnail_height = 48;
    Rtm__Wire__Message msg = RTM__WIRE__MESSAGE__INIT;
    msg.type = RTM__MESSAGE_TYPE_IMAGE;
    msg.media = &m;
    Rtm__Wire__PeerSend ps = RTM__WIRE__PEER_SEND__INIT;
    ps.to = const_cast<char*>("bob");
    ps.message = &msg;
    rtm__frame f = RTM__WIRE__FRAME__INIT;
    f.body_case = RTM__WIRE__FRAME__BODY_PEER_SEND;
    f.peer_send = &ps;
    FramePtr r = a.Request(f);
    return r && r->body_case == RTM__WIRE__FRAME__BODY_RESULT ? r->result->code : -1;
  };
  ASSERT_EQ(send("0123456789abcdef0123456789abcdef", "cat.png", thumb), 0);
  FramePtr d = b.Expect(RTM__WIRE__FRAME__BODY_PEER_DELIVER);
  ASSERT_TRUE(d);
  const Rtm__Wire__Message* m = d->peer_deliver->message;
  EXPECT_EQ(m->type, RTM__MESSAGE_TYPE_IMAGE);
  ASSERT_TRUE(m->media);
  EXPECT_STREQ(m->media->media_id, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(m->media->size, 1234u);
  EXPECT_STREQ(m->media->file_name, "cat.png");
  EXPECT_EQ(std::string(reinterpret_cast<char*>(m->media->thumbnail.data),
                        m->media->thumbnail.len), thumb);
  EXPECT_EQ(m->media->width, 640u);
  EXPECT_EQ(m->media->height, 480u);
  EXPECT_EQ(m->media->thumbnail_width, 64u);
  EXPECT_EQ(m->media->thumbnail_height, 48u);
  EXPECT_EQ(send("", "cat.png", thumb), RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE);
  EXPECT_EQ(send("0123456789abcdef0123456789abcdef", "cat.png", big),
            RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE);
}

}  // namespace
}  // namespace rtm_test
