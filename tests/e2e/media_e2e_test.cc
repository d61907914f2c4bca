// End-to-end tests of file and image messages (SPEC M1-M6): the C API of two
// clients against a real rtmd over loopback, some links through
// rtm-faultproxy. What a user sees: the bytes back byte for byte (memory and
// file, up to 30 MB), progress that never goes back and ends at the total
// before the result, every refusal with its code, images' sizes read from
// their headers, media messages to peers and channels, cancels, timeouts, a
// lost link (INTERRUPTED), and chat and heartbeats going on beside a 30 MB
// transfer.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "fault_proxy.h"
#include "rtm/rtm.h"
#include "rtmd_process.h"

namespace {

using namespace std::chrono;
using Bytes = std::string;
constexpr uint64_t kMax = 30ull * 1024 * 1024;  // SPEC M1

Bytes RandomBytes(size_t n, uint32_t seed)
{
    std::mt19937 g(seed);
    Bytes b(n, '\0');
    for (auto &c : b)
        c = static_cast<char>(g());
    return b;
}

struct TempDir {
    TempDir()
    {
        char tmpl[] = "/tmp/rtm-media-e2e-XXXXXX";
        path = mkdtemp(tmpl) ? tmpl : "";
    }
    ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
    std::string Write(const std::string &name, const Bytes &data) const
    {
        std::string p = path + "/" + name;
        std::ofstream(p, std::ios::binary) << data;
        return p;
    }
    std::string path;
};

Bytes ReadFile(const std::string &p)
{
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

// What an upload or a download ended with.
struct Outcome {
    int code = -1;
    uint64_t request_id = 0;
    std::string media_id, file_name;
    uint64_t size = 0;
    int width = 0, height = 0, type = 0;
    Bytes data;
};

struct Progress {
    uint64_t current, total;
    bool after_result;  // came after the transfer's result (must never)
};

// One C API client that records what it is told.
class MediaClient {
  public:
    MediaClient(const std::string &server, const std::string &params = "")
    {
        rtm_config cfg;
        rtm_config_init(&cfg);
        rtm_client_callbacks cbs;
        rtm_client_callbacks_init(&cbs);
        cfg.app_id = "media-app";
        cbs.on_connection_state_changed = OnState;
        cbs.on_message_received = OnMessage;
        cbs.on_media_message_received = OnMedia;
        cbs.on_media_uploading_progress = OnUpProgress;
        cbs.on_media_downloading_progress = OnDownProgress;
        cfg.callbacks = &cbs;
        cfg.closure = this;
        std::string p = "{\"rtm.server\":\"" + server + "\"" + (params.empty() ? "" : ",") +
                        params + "}";
        cfg.parameters = p.c_str();
        EXPECT_EQ(RTM_OK, rtm_client_create(&cfg, &c_));
    }
    ~MediaClient()
    {
        if (ch_ != nullptr)
            rtm_channel_release(ch_);
        rtm_client_destroy(c_);
    }
    rtm_client *get() { return c_; }

    int Login(const std::string &user)
    {
        return Wait([&](Slot *s) { return rtm_login(c_, nullptr, user.c_str(), Done, s); });
    }
    int Join(const std::string &channel)
    {
        rtm_channel_callbacks cb;
        rtm_channel_callbacks_init(&cb);
        cb.on_media_message_received = OnChannelMedia;
        cb.on_message_received = OnChannelMessage;
        ch_ = rtm_channel_create(c_, channel.c_str(), &cb, this);
        return Wait([&](Slot *s) { return rtm_channel_join(ch_, Done, s); });
    }
    rtm_channel *channel() { return ch_; }

    // Starts an upload; its outcome comes to Result(request_id).
    int StartUpload(const std::string &path, int type, uint64_t *rid)
    {
        int rc = rtm_upload_media(c_, path.c_str(), type, OnUploaded, this, rid);
        Track(*rid);
        return rc;
    }
    int StartDownload(const std::string &id, const std::string *path, uint64_t *rid)
    {
        int rc = path ? rtm_download_media_to_file(c_, id.c_str(), path->c_str(), OnDownloaded,
                                                   this, rid)
                      : rtm_download_media_to_memory(c_, id.c_str(), OnDownloaded, this, rid);
        Track(*rid);
        return rc;
    }
    Outcome Upload(const std::string &path, int type = RTM_MESSAGE_TYPE_FILE)
    {
        uint64_t rid = 0;
        int rc = StartUpload(path, type, &rid);
        Outcome o = Result(rid);
        if (rc != 0) {
            EXPECT_EQ(rc, o.code) << "return value and callback disagree";
        }
        return o;
    }
    Outcome Download(const std::string &id, const std::string *path = nullptr)
    {
        uint64_t rid = 0;
        int rc = StartDownload(id, path, &rid);
        Outcome o = Result(rid);
        if (rc != 0) {
            EXPECT_EQ(rc, o.code) << "return value and callback disagree";
        }
        return o;
    }
    int Cancel(uint64_t rid, bool upload)
    {
        return Wait([&](Slot *s) {
            return upload ? rtm_cancel_media_upload(c_, rid, Done, s)
                          : rtm_cancel_media_download(c_, rid, Done, s);
        });
    }
    int SendMedia(const std::string &peer, const rtm_media_message &m)
    {
        return Wait([&](Slot *s) {
            return rtm_send_peer_media_message(c_, peer.c_str(), &m, nullptr, Done, s);
        });
    }
    int SendChannelMedia(const rtm_media_message &m)
    {
        return Wait([&](Slot *s) { return rtm_channel_send_media_message(ch_, &m, Done, s); });
    }
    // A message sent without waiting for its result; sent_ok() counts the
    // OK results.
    int SendTextNoWait(const std::string &peer, const std::string &text)
    {
        rtm_message m = {};
        m.type = RTM_MESSAGE_TYPE_TEXT;
        m.text = text.c_str();
        return rtm_send_peer_message(c_, peer.c_str(), &m, CountOk, this);
    }
    int sent_ok() const { return sent_ok_.load(); }

    // The outcome of request rid, once it came (code -1 after 60 s).
    Outcome Result(uint64_t rid, seconds wait = seconds(60))
    {
        std::unique_lock<std::mutex> lk(mu_);
        cv_.wait_for(lk, wait, [&] { return outcomes_.count(rid) > 0; });
        return outcomes_.count(rid) ? outcomes_[rid] : Outcome{};
    }
    bool Ended(uint64_t rid)
    {
        std::lock_guard<std::mutex> lk(mu_);
        return outcomes_.count(rid) > 0;
    }
    std::vector<Progress> ProgressOf(uint64_t rid)
    {
        std::lock_guard<std::mutex> lk(mu_);
        return progress_[rid];
    }
    bool WaitProgress(uint64_t rid, seconds wait = seconds(10))
    {
        std::unique_lock<std::mutex> lk(mu_);
        return cv_.wait_for(lk, wait, [&] { return !progress_[rid].empty(); });
    }
    std::vector<std::pair<int, int>> States()
    {
        std::lock_guard<std::mutex> lk(mu_);
        return states_;
    }
    bool WaitState(int state, seconds wait = seconds(10))
    {
        std::unique_lock<std::mutex> lk(mu_);
        return cv_.wait_for(lk, wait, [&] {
            return !states_.empty() && states_.back().first == state;
        });
    }
    // The media messages received (peer and channel), with their sender.
    struct Received {
        std::string from, media_id, file_name, thumbnail, text;
        bool channel;
        int type, width, height, tw, th;
        uint64_t size;
    };
    std::vector<Received> Media()
    {
        std::lock_guard<std::mutex> lk(mu_);
        return media_;
    }
    bool WaitMedia(size_t n)
    {
        std::unique_lock<std::mutex> lk(mu_);
        return cv_.wait_for(lk, seconds(10), [&] { return media_.size() >= n; });
    }
    using Clock = steady_clock;
    // The texts received, with when they arrived.
    std::vector<std::pair<std::string, Clock::time_point>> Texts()
    {
        std::lock_guard<std::mutex> lk(mu_);
        return texts_;
    }

  private:
    struct Slot {
        std::mutex mu;
        std::condition_variable cv;
        int code = -1;
        bool done = false;
    };
    template <typename F> int Wait(F start)
    {
        Slot s;
        int rc = start(&s);
        std::unique_lock<std::mutex> lk(s.mu);
        s.cv.wait_for(lk, seconds(20), [&] { return s.done; });
        if (rc != 0) {
            EXPECT_EQ(rc, s.code) << "return value and callback disagree";
        }
        return s.done ? s.code : -1;
    }
    std::atomic<int> sent_ok_{0};
    static void CountOk(rtm_client *, int code, void *closure)
    {
        if (code == 0)
            static_cast<MediaClient *>(closure)->sent_ok_++;
    }
    static void Done(rtm_client *, int code, void *closure)
    {
        auto *s = static_cast<Slot *>(closure);
        std::lock_guard<std::mutex> lk(s->mu);
        s->code = code;
        s->done = true;
        s->cv.notify_all();
    }
    void Track(uint64_t rid)
    {
        std::lock_guard<std::mutex> lk(mu_);
        progress_[rid];
    }
    void Finish(uint64_t rid, Outcome o)
    {
        std::lock_guard<std::mutex> lk(mu_);
        o.request_id = rid;
        outcomes_[rid] = o;
        cv_.notify_all();
    }
    static MediaClient *Of(void *p) { return static_cast<MediaClient *>(p); }
    static void OnUploaded(rtm_client *, int code, const rtm_media_message *m, uint64_t rid,
                           void *closure)
    {
        Outcome o;
        o.code = code;
        if (m != nullptr) {
            o.media_id = m->media_id;
            o.file_name = m->file_name ? m->file_name : "";
            o.size = m->file_size;
            o.width = m->width;
            o.height = m->height;
            o.type = m->type;
        }
        EXPECT_EQ(code == 0, m != nullptr) << "a message exactly on success";
        Of(closure)->Finish(rid, o);
    }
  public:
    // Downloads into memory are compared with this in their callback, as
    // an application would use them there, instead of copied out.
    const Bytes *expect = nullptr;

  private:
    static void OnDownloaded(rtm_client *, int code, const void *data, size_t len,
                             uint64_t rid, void *closure)
    {
        Outcome o;
        o.code = code;
        const Bytes *want = Of(closure)->expect;
        if (data != nullptr && want != nullptr)
            o.data = want->size() == len && std::memcmp(want->data(), data, len) == 0
                         ? "same" : "different";
        else if (data != nullptr)
            o.data.assign(static_cast<const char *>(data), len);
        o.size = len;
        Of(closure)->Finish(rid, o);
    }
    void OnProgressOf(uint64_t rid, uint64_t cur, uint64_t total)
    {
        std::lock_guard<std::mutex> lk(mu_);
        progress_[rid].push_back({cur, total, outcomes_.count(rid) > 0});
        cv_.notify_all();
    }
    static void OnUpProgress(rtm_client *, uint64_t rid, uint64_t cur, uint64_t total, void *p)
    {
        Of(p)->OnProgressOf(rid, cur, total);
    }
    static void OnDownProgress(rtm_client *, uint64_t rid, uint64_t cur, uint64_t total,
                               void *p)
    {
        Of(p)->OnProgressOf(rid, cur, total);
    }
    static void OnState(rtm_client *, int state, int reason, void *p)
    {
        std::lock_guard<std::mutex> lk(Of(p)->mu_);
        Of(p)->states_.push_back({state, reason});
        Of(p)->cv_.notify_all();
    }
    static void OnMessage(rtm_client *, const rtm_message *m, const char *from, void *p)
    {
        std::lock_guard<std::mutex> lk(Of(p)->mu_);
        Of(p)->texts_.push_back({m->text ? m->text : "", Clock::now()});
        Of(p)->cv_.notify_all();
    }
    void Record(const rtm_media_message *m, const char *from, bool channel)
    {
        std::lock_guard<std::mutex> lk(mu_);
        media_.push_back({from, m->media_id, m->file_name,
                          std::string(static_cast<const char *>(m->thumbnail), m->thumbnail_len),
                          m->text, channel, m->type, m->width, m->height, m->thumbnail_width,
                          m->thumbnail_height, m->file_size});
        cv_.notify_all();
    }
    static void OnMedia(rtm_client *, const rtm_media_message *m, const char *from, void *p)
    {
        Of(p)->Record(m, from, false);
    }
    static void OnChannelMedia(rtm_channel *, const rtm_media_message *m, const char *from,
                               void *p)
    {
        Of(p)->Record(m, from, true);
    }
    static void OnChannelMessage(rtm_channel *, const rtm_message *, const char *, void *) {}

    rtm_client *c_ = nullptr;
    rtm_channel *ch_ = nullptr;
    std::mutex mu_;
    std::condition_variable cv_;
    std::map<uint64_t, Outcome> outcomes_;
    std::map<uint64_t, std::vector<Progress>> progress_;
    std::vector<std::pair<int, int>> states_;
    std::vector<Received> media_;
    std::vector<std::pair<std::string, Clock::time_point>> texts_;
};

// Progress never goes back, stays within the total, ends at it, and all of
// it comes before the result.
void ExpectGoodProgress(const std::vector<Progress> &p, uint64_t total)
{
    ASSERT_FALSE(p.empty()) << "no progress at all";
    uint64_t last = 0;
    for (const Progress &e : p) {
        EXPECT_GE(e.current, last) << "progress went back";
        EXPECT_LE(e.current, total);
        EXPECT_EQ(e.total, total);
        EXPECT_FALSE(e.after_result) << "progress after the result";
        last = e.current;
    }
    EXPECT_EQ(p.back().current, total) << "progress does not end at the total";
}

// M1, M2: files of 0 B, 1 B, 1 MB + 7 and 30 MB come back byte for byte,
// into memory and into a file, with progress as M1 says.
TEST(MediaE2E, M1_M2_FilesComeBackByteForByte)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    MediaClient alice(rtmd.address()), bob(rtmd.address());
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    TempDir dir;
    for (uint64_t n : {uint64_t{0}, uint64_t{1}, uint64_t{1024 * 1024 + 7}, kMax}) {
        SCOPED_TRACE(n);
        Bytes data = RandomBytes(n, static_cast<uint32_t>(n));
        std::string path = dir.Write("file-" + std::to_string(n) + ".bin", data);
        auto t0 = steady_clock::now();
        Outcome up = alice.Upload(path);
        double up_s = duration<double>(steady_clock::now() - t0).count();
        ASSERT_EQ(0, up.code);
        EXPECT_EQ(n, up.size);
        EXPECT_EQ("file-" + std::to_string(n) + ".bin", up.file_name);
        EXPECT_EQ(RTM_MESSAGE_TYPE_FILE, up.type);
        ExpectGoodProgress(alice.ProgressOf(up.request_id), n);
        t0 = steady_clock::now();
        Outcome mem = bob.Download(up.media_id);
        double down_s = duration<double>(steady_clock::now() - t0).count();
        ASSERT_EQ(0, mem.code);
        EXPECT_TRUE(mem.data == data) << "the bytes in memory differ";
        ExpectGoodProgress(bob.ProgressOf(mem.request_id), n);
        std::string out = dir.path + "/out-" + std::to_string(n);
        Outcome file = bob.Download(up.media_id, &out);
        ASSERT_EQ(0, file.code);
        EXPECT_TRUE(file.data.empty());
        EXPECT_TRUE(ReadFile(out) == data) << "the file differs";
        if (n == kMax)
            std::printf("[ figures ] 30 MB: upload %.2f s (%.0f MB/s), download to memory "
                        "%.2f s (%.0f MB/s)\n", up_s, 30 / up_s, down_s, 30 / down_s);
    }
}

// M1, M2, M5: what is refused, with which code, before anything moves.
TEST(MediaE2E, M1_M2_M5_RefusalsHaveTheirCodes)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    MediaClient alice(rtmd.address());
    TempDir dir;
    std::string small = dir.Write("small", "hello");
    // Not logged in.
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_NOT_LOGGED_IN, alice.Upload(small).code);
    EXPECT_EQ(RTM_CANCEL_MEDIA_ERR_NOT_LOGGED_IN, alice.Cancel(1, true));
    EXPECT_EQ(RTM_DOWNLOAD_MEDIA_ERR_NOT_LOGGED_IN,
              alice.Download("0123456789abcdef0123456789abcdef").code);
    ASSERT_EQ(0, alice.Login("alice"));
    // Over 30 MB, at once (the file is sparse: nothing is read).
    std::string big = dir.path + "/big";
    {
        std::FILE *f = std::fopen(big.c_str(), "wb");
        ASSERT_NE(nullptr, f);
        ASSERT_EQ(0, ftruncate(fileno(f), static_cast<off_t>(kMax + 1)));
        std::fclose(f);
    }
    uint64_t rid = 0;
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_SIZE_OVERFLOW,
              rtm_upload_media(alice.get(), big.c_str(), RTM_MESSAGE_TYPE_FILE, nullptr,
                               nullptr, &rid));
    EXPECT_NE(0u, rid) << "a request id even for a refusal";
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_SIZE_OVERFLOW, alice.Upload(big).code);
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_INVALID_ARGUMENT, alice.Upload(dir.path + "/none").code);
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_INVALID_ARGUMENT, alice.Upload(dir.path).code)
        << "a directory";
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_INVALID_ARGUMENT,
              alice.Upload(small, RTM_MESSAGE_TYPE_TEXT).code);
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_NOT_INITIALIZED,
              rtm_upload_media(nullptr, small.c_str(), RTM_MESSAGE_TYPE_FILE, nullptr,
                               nullptr, nullptr));
    // Downloads.
    EXPECT_EQ(RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT, alice.Download("").code);
    EXPECT_EQ(RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT, alice.Download("a b").code);
    EXPECT_EQ(RTM_DOWNLOAD_MEDIA_ERR_NOT_EXIST,
              alice.Download("0123456789abcdef0123456789abcdef").code);
    std::string nowhere = dir.path + "/no/such/dir/file";
    Outcome up = alice.Upload(small);
    ASSERT_EQ(0, up.code);
    EXPECT_EQ(RTM_DOWNLOAD_MEDIA_ERR_INVALID_ARGUMENT, alice.Download(up.media_id, &nowhere).code);
    // Cancels of nothing.
    EXPECT_EQ(RTM_CANCEL_MEDIA_ERR_NOT_EXIST, alice.Cancel(12345, true));
    EXPECT_EQ(RTM_CANCEL_MEDIA_ERR_NOT_EXIST, alice.Cancel(up.request_id, true))
        << "an upload that ended";
}

// M4: an image upload's width and height come from the file's header.
TEST(MediaE2E, M4_AnImagesSizeComesFromItsHeader)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    MediaClient alice(rtmd.address());
    ASSERT_EQ(0, alice.Login("alice"));
    struct Case {
        const char *file;
        int w, h;
    } cases[] = {{"baseline-33x17.jpg", 33, 17},
                 {"progressive-640x3.jpg", 640, 3},
                 {"rgb-41x9.png", 41, 9},
                 {"v3-12x34.bmp", 12, 34}};
    for (const Case &c : cases) {
        SCOPED_TRACE(c.file);
        Outcome o = alice.Upload(std::string(RTM_TEST_IMAGES) + "/" + c.file,
                                 RTM_MESSAGE_TYPE_IMAGE);
        ASSERT_EQ(0, o.code);
        EXPECT_EQ(RTM_MESSAGE_TYPE_IMAGE, o.type);
        EXPECT_EQ(c.w, o.width);
        EXPECT_EQ(c.h, o.height);
    }
    TempDir dir;
    Outcome o = alice.Upload(dir.Write("not-an-image.png", "plain text"),
                             RTM_MESSAGE_TYPE_IMAGE);
    ASSERT_EQ(0, o.code);
    EXPECT_EQ(0, o.width);
    EXPECT_EQ(0, o.height);
}

// M3: file and image messages reach a peer and a channel's members with
// everything they describe; the media they name can be fetched.
TEST(MediaE2E, M3_MediaMessagesReachPeersAndChannels)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    MediaClient alice(rtmd.address()), bob(rtmd.address());
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    ASSERT_EQ(0, alice.Join("room"));
    ASSERT_EQ(0, bob.Join("room"));
    Outcome up = alice.Upload(std::string(RTM_TEST_IMAGES) + "/rgb-41x9.png",
                              RTM_MESSAGE_TYPE_IMAGE);
    ASSERT_EQ(0, up.code);
    rtm_media_message m;
    rtm_media_message_init(&m, RTM_MESSAGE_TYPE_IMAGE);
    m.media_id = up.media_id.c_str();
    m.file_size = up.size;
    m.file_name = "rgb.png";
    std::string thumb(500, 't');
    m.thumbnail = thumb.data();
    m.thumbnail_len = thumb.size();
    m.width = up.width;
    m.height = up.height;
    m.thumbnail_width = 8;
    m.thumbnail_height = 4;
    m.text = "a cat";
    ASSERT_EQ(0, alice.SendMedia("bob", m));
    ASSERT_EQ(0, alice.SendChannelMedia(m));
    ASSERT_TRUE(bob.WaitMedia(2));
    for (const auto &r : bob.Media()) {
        SCOPED_TRACE(r.channel ? "channel" : "peer");
        EXPECT_EQ("alice", r.from);
        EXPECT_EQ(up.media_id, r.media_id);
        EXPECT_EQ("rgb.png", r.file_name);
        EXPECT_EQ(thumb, r.thumbnail);
        EXPECT_EQ("a cat", r.text);
        EXPECT_EQ(RTM_MESSAGE_TYPE_IMAGE, r.type);
        EXPECT_EQ(41, r.width);
        EXPECT_EQ(9, r.height);
        EXPECT_EQ(8, r.tw);
        EXPECT_EQ(4, r.th);
        EXPECT_EQ(up.size, r.size);
    }
    Outcome d = bob.Download(bob.Media()[0].media_id);
    EXPECT_EQ(0, d.code);
    EXPECT_EQ(ReadFile(std::string(RTM_TEST_IMAGES) + "/rgb-41x9.png"), d.data);
    // M3: over 32 KB of thumbnail and name, or no media id: INVALID_MESSAGE.
    std::string big(32 * 1024, 'x');
    m.thumbnail = big.data();
    m.thumbnail_len = big.size();
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE, alice.SendMedia("bob", m));
    m.thumbnail_len = 0;
    m.media_id = "";
    EXPECT_EQ(RTM_PEER_MESSAGE_ERR_INVALID_MESSAGE, alice.SendMedia("bob", m));
    EXPECT_EQ(RTM_CHANNEL_MESSAGE_ERR_INVALID_MESSAGE, alice.SendChannelMedia(m));
}

// M5: nine uploads at once, the tenth CONCURRENCY_LIMIT_EXCEEDED; a link
// that goes silent then dies ends the nine with INTERRUPTED, and uploads
// work again once the client is back.
TEST(MediaE2E, M5_TheTenthAtOnceIsRefusedAndALostLinkInterrupts)
{
    rtm_test::RtmdProcess rtmd({"--heartbeat-ms", "100", "--idle-timeout-ms", "300"});
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    MediaClient alice(proxy.address(),
                      "\"rtm.heartbeat_ms\":100,\"rtm.link_timeout_ms\":600,"
                      "\"rtm.reconnect_min_ms\":50,\"rtm.reconnect_max_ms\":200");
    ASSERT_EQ(0, alice.Login("alice"));
    TempDir dir;
    std::string path = dir.Write("f", RandomBytes(1024 * 1024, 1));
    ASSERT_TRUE(proxy.Silent());
    std::vector<uint64_t> rids;
    for (unsigned i = 0; i < 9; i++) {
        uint64_t rid = 0;
        EXPECT_EQ(0, alice.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &rid));
        rids.push_back(rid);
    }
    uint64_t tenth = 0;
    alice.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &tenth);
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_CONCURRENCY_LIMIT_EXCEEDED, alice.Result(tenth).code);
    for (uint64_t rid : rids)
        EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_INTERRUPTED, alice.Result(rid, seconds(10)).code);
    ASSERT_TRUE(proxy.Pass());
    ASSERT_TRUE(alice.WaitState(RTM_CONNECTION_STATE_CONNECTED));
    Outcome again = alice.Upload(path);
    EXPECT_EQ(0, again.code);
}

// M5: a cancel ends its transfer with INTERRUPTED at once; the server
// forgets it; a second cancel is NOT_EXIST.
TEST(MediaE2E, M5_ACancelEndsItsTransfer)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    MediaClient alice(proxy.address());
    ASSERT_EQ(0, alice.Login("alice"));
    TempDir dir;
    std::string path = dir.Write("f", RandomBytes(kMax, 2));
    ASSERT_TRUE(proxy.Delay(50));  // slow enough to cancel midway
    uint64_t rid = 0;
    ASSERT_EQ(0, alice.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &rid));
    ASSERT_TRUE(alice.WaitProgress(rid));
    EXPECT_EQ(0, alice.Cancel(rid, true));
    Outcome o = alice.Result(rid);
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_INTERRUPTED, o.code);
    EXPECT_EQ(RTM_CANCEL_MEDIA_ERR_NOT_EXIST, alice.Cancel(rid, true));
    ASSERT_TRUE(proxy.Pass());
    // A download canceled the same way.
    Outcome up = alice.Upload(dir.Write("g", RandomBytes(1024 * 1024, 3)));
    ASSERT_EQ(0, up.code);
    ASSERT_TRUE(proxy.Delay(50));
    uint64_t d = 0;
    ASSERT_EQ(0, alice.StartDownload(up.media_id, nullptr, &d));
    EXPECT_EQ(0, alice.Cancel(d, false));
    EXPECT_EQ(RTM_DOWNLOAD_MEDIA_ERR_INTERRUPTED, alice.Result(d).code);
    // Into a file: a canceled download leaves nothing, not even its
    // temporary file beside the path.
    std::string out = dir.path + "/sub";
    ASSERT_EQ(0, mkdir(out.c_str(), 0700));
    std::string copy = out + "/copy";
    ASSERT_EQ(0, alice.StartDownload(up.media_id, &copy, &d));
    ASSERT_TRUE(alice.WaitProgress(d));
    EXPECT_EQ(0, alice.Cancel(d, false));
    EXPECT_EQ(RTM_DOWNLOAD_MEDIA_ERR_INTERRUPTED, alice.Result(d).code);
    for (int i = 0; i < 100 && rmdir(out.c_str()) != 0; i++)
        std::this_thread::sleep_for(milliseconds(20));
    EXPECT_NE(0, access(out.c_str(), F_OK)) << "files left in " << out;
    ASSERT_TRUE(proxy.Pass());
    EXPECT_EQ(0, alice.Download(up.media_id).code) << "the link carries on";
}

// A client destroyed while transfers to and from files run is freed
// cleanly (its file thread ends after it, touching nothing of it), five
// times in a row, the default loop going with each.
TEST(MediaE2E, ADestroyDuringTransfersIsClean)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    TempDir dir;
    Bytes data = RandomBytes(8 * 1024 * 1024, 11);
    std::string in = dir.Write("in", data);
    std::string id;
    {
        MediaClient a(rtmd.address());
        ASSERT_EQ(0, a.Login("alice"));
        Outcome up = a.Upload(in);
        ASSERT_EQ(0, up.code);
        id = up.media_id;
    }
    for (int i = 0; i < 5; i++) {
        auto *c = new MediaClient(rtmd.address());
        ASSERT_EQ(0, c->Login("bob"));
        uint64_t d = 0, u = 0;
        std::string out = dir.path + "/out" + std::to_string(i);
        ASSERT_EQ(0, c->StartDownload(id, &out, &d));
        ASSERT_EQ(0, c->StartUpload(in, RTM_MESSAGE_TYPE_FILE, &u));
        ASSERT_TRUE(c->WaitProgress(d));
        delete c; // rtm_client_destroy with both under way
    }
}

// A logout during an upload, then uploads again on the next login: they
// are paced by the new link (nothing of the old one's is kept).
TEST(MediaE2E, UploadsAfterALogoutDuringOneGoOn)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    MediaClient a(rtmd.address(), "\"rtm.media_idle_ms\":3000");
    TempDir dir;
    std::string path = dir.Write("f", RandomBytes(8 * 1024 * 1024, 12));
    ASSERT_EQ(0, a.Login("alice"));
    uint64_t rid = 0;
    ASSERT_EQ(0, a.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &rid));
    ASSERT_TRUE(a.WaitProgress(rid));
    ASSERT_EQ(0, rtm_logout(a.get(), nullptr, nullptr));
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_INTERRUPTED, a.Result(rid).code);
    ASSERT_TRUE(a.WaitState(RTM_CONNECTION_STATE_DISCONNECTED));
    std::this_thread::sleep_for(milliseconds(1100)); // A2: the login rate
    ASSERT_EQ(0, a.Login("alice"));
    for (int round = 0; round < 4; round++) {
        SCOPED_TRACE(round);
        uint64_t r1 = 0, r2 = 0;
        ASSERT_EQ(0, a.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &r1));
        ASSERT_EQ(0, a.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &r2));
        EXPECT_EQ(0, a.Result(r1).code);
        EXPECT_EQ(0, a.Result(r2).code);
    }
}

// A transfer whose begin timed out on the client (rtm.request_timeout_ms)
// is given up on the server too when its MediaBegun comes late: the link's
// nine transfers are free again at once, not after rtmd's idle time.
TEST(MediaE2E, ALateBeginIsGivenUp)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    MediaClient a(proxy.address(), "\"rtm.request_timeout_ms\":400");
    ASSERT_EQ(0, a.Login("alice"));
    TempDir dir;
    std::string path = dir.Write("f", RandomBytes(1000, 13));
    ASSERT_TRUE(proxy.Delay(1000));
    std::vector<uint64_t> late;
    for (int i = 0; i < 9; i++) {
        uint64_t rid = 0;
        ASSERT_EQ(0, a.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &rid));
        late.push_back(rid);
    }
    for (uint64_t rid : late)
        EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_TIMEOUT, a.Result(rid).code);
    ASSERT_TRUE(proxy.Pass());
    std::this_thread::sleep_for(milliseconds(3000)); // the late answers, and the cancels
    std::vector<uint64_t> again;
    for (int i = 0; i < 9; i++) {
        uint64_t rid = 0;
        ASSERT_EQ(0, a.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &rid));
        again.push_back(rid);
    }
    for (uint64_t rid : again)
        EXPECT_EQ(0, a.Result(rid).code) << "the server still held the late ones";
}

// M5: no data moving for rtm.media_idle_ms ends a transfer with TIMEOUT.
TEST(MediaE2E, M5_NoDataMovingIsTimeout)
{
    rtm_test::RtmdProcess rtmd;
    ASSERT_TRUE(rtmd.started());
    rtm_test::FaultProxy proxy(rtmd.address());
    ASSERT_TRUE(proxy.started());
    MediaClient alice(proxy.address(), "\"rtm.media_idle_ms\":500,\"rtm.link_timeout_ms\":5000");
    ASSERT_EQ(0, alice.Login("alice"));
    TempDir dir;
    std::string path = dir.Write("f", RandomBytes(4 * 1024 * 1024, 4));
    uint64_t rid = 0;
    ASSERT_TRUE(proxy.Delay(20));
    ASSERT_EQ(0, alice.StartUpload(path, RTM_MESSAGE_TYPE_FILE, &rid));
    ASSERT_TRUE(alice.WaitProgress(rid));
    ASSERT_TRUE(proxy.Silent());
    auto t0 = steady_clock::now();
    Outcome o = alice.Result(rid, seconds(10));
    auto ms = duration_cast<milliseconds>(steady_clock::now() - t0).count();
    EXPECT_EQ(RTM_UPLOAD_MEDIA_ERR_TIMEOUT, o.code);
    EXPECT_LT(ms, 3000) << "TIMEOUT, not the link's end";
}

// M6: 30 MB downloads go on while the same client gets bursts of 1,000
// messages (and two other clients chat), with its
// heartbeats every 100 ms and its link declared dead after 300 ms of
// silence: the connection never leaves CONNECTED, every message arrives in
// order, the bytes arrive whole. The chat's delays with and without the
// transfer are printed (measured, not asserted: the machine is shared).
TEST(MediaE2E, M6_ChatAndHeartbeatsGoOnBesideA30MBTransfer)
{
    // Bursts of 1,000 messages twice within 3 s: over the default rate.
    rtm_test::RtmdProcess rtmd({"--heartbeat-ms", "100", "--idle-timeout-ms", "300", "--rate",
                                "messages=0/1"});
    ASSERT_TRUE(rtmd.started());
    const std::string fast = "\"rtm.heartbeat_ms\":100,\"rtm.link_timeout_ms\":300";
    MediaClient alice(rtmd.address(), fast), bob(rtmd.address(), fast);
    MediaClient carol(rtmd.address(), fast), dave(rtmd.address(), fast);
    ASSERT_EQ(0, alice.Login("alice"));
    ASSERT_EQ(0, bob.Login("bob"));
    ASSERT_EQ(0, carol.Login("carol"));
    ASSERT_EQ(0, dave.Login("dave"));
    TempDir dir;
    Bytes data = RandomBytes(kMax, 5);
    Outcome up = alice.Upload(dir.Write("big", data));
    ASSERT_EQ(0, up.code);
    // A burst of n messages from -> to ("to" its user id), sent without
    // waiting: the delay of each, sorted, in ms, having checked that all came
    // and in order.
    auto chat = [&](MediaClient &from, MediaClient &to, const std::string &to_id, int n,
                    const std::string &tag) {
        std::vector<MediaClient::Clock::time_point> sent;
        size_t before = to.Texts().size();
        int ok_before = from.sent_ok();
        for (int i = 0; i < n; i++) {
            sent.push_back(MediaClient::Clock::now());
            EXPECT_EQ(0, from.SendTextNoWait(to_id, tag + std::to_string(i)));
        }
        auto deadline = MediaClient::Clock::now() + seconds(10);
        while (to.Texts().size() < before + n && MediaClient::Clock::now() < deadline)
            std::this_thread::sleep_for(milliseconds(5));
        auto texts = to.Texts();
        std::vector<double> ms;
        for (int i = 0; i < n && before + i < texts.size(); i++) {
            EXPECT_EQ(tag + std::to_string(i), texts[before + i].first) << "out of order";
            ms.push_back(duration<double, std::milli>(texts[before + i].second - sent[i])
                             .count());
        }
        EXPECT_EQ(static_cast<size_t>(n), ms.size()) << "messages lost";
        while (from.sent_ok() < ok_before + n && MediaClient::Clock::now() < deadline)
            std::this_thread::sleep_for(milliseconds(5));
        EXPECT_EQ(ok_before + n, from.sent_ok()) << "sends not answered OK";
        std::sort(ms.begin(), ms.end());
        return ms;
    };
    auto quiet = chat(alice, bob, "bob", 1000, "q");
    auto quiet_other = chat(carol, dave, "dave", 1000, "q");
    size_t states = bob.States().size(), other_states = dave.States().size();
    // Bob downloads the 30 MB again and again while alice chats with him and
    // carol with dave, on the same rtmd.
    std::atomic<bool> chatting{true};
    std::atomic<int> downloads{0};
    // Into memory, compared in the callback: the callbacks of a client run
    // one at a time, and the chat's wait behind a download's result only
    // as long as the application's own work there takes.
    bob.expect = &data;
    std::thread mover([&] {
        while (chatting) {
            Outcome d = bob.Download(up.media_id);
            EXPECT_EQ(0, d.code);
            EXPECT_EQ("same", d.data);
            downloads++;
        }
    });
    std::vector<double> busy_other;
    std::this_thread::sleep_for(milliseconds(30)); // the first download under way
    std::thread others([&] { busy_other = chat(carol, dave, "dave", 1000, "b"); });
    auto busy = chat(alice, bob, "bob", 1000, "b");
    others.join();
    chatting = false;
    mover.join();
    EXPECT_EQ(states, bob.States().size()) << "the downloader's connection changed state";
    EXPECT_EQ(other_states, dave.States().size()) << "another connection changed state";
    auto pct = [](const std::vector<double> &v, double p) {
        return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
    };
    std::printf("[ figures ] bursts of 1,000 messages beside 30 MB downloads (%d of them): "
                "to the downloading client p50 %.2f ms, p99 %.2f ms (without: %.2f, %.2f); "
                "between two other clients p50 %.2f ms, p99 %.2f ms (without: %.2f, %.2f)\n",
                downloads.load(), pct(busy, 0.5), pct(busy, 0.99), pct(quiet, 0.5),
                pct(quiet, 0.99), pct(busy_other, 0.5), pct(busy_other, 0.99),
                pct(quiet_other, 0.5), pct(quiet_other, 0.99));
}

}  // namespace
