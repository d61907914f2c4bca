// The SQLite writer (sqlite_writer.c): batches, group commit, durability
// across a SIGKILL, graceful shutdown, schema versions, bad files, run-time
// failures and the offline check. Each test runs a real libevent loop on
// real files in a fresh temporary directory; what was written is read back
// through connections of the test's own.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <event2/event.h>

extern "C" {
#include "engine/sqlite_writer.h"
}

namespace {

using Clock = std::chrono::steady_clock;

const char kSchema[] =
    "CREATE TABLE t(batch INTEGER NOT NULL, i INTEGER NOT NULL, txt TEXT, data BLOB,"
    "               PRIMARY KEY(batch, i));"
    "CREATE TABLE u(k TEXT PRIMARY KEY, v INTEGER);";

enum : unsigned {
  kInsertT = 0,    // (batch, i, txt, data)
  kInsertU = 1,    // (k, v): a second k is a constraint violation
  kNoRoom = 2,     // the database may not grow: SQLITE_FULL, as a full disk
  kRoom = 3,       // it may again
  kNStmts = 4,
};
const char* const kStmts[kNStmts] = {
    "INSERT INTO t(batch, i, txt, data) VALUES (?, ?, ?, ?)",
    "INSERT INTO u(k, v) VALUES (?, ?)",
    // Below the current size, SQLite sets the current size: no page more.
    "PRAGMA max_page_count = 1",
    "PRAGMA max_page_count = 1073741823",
};

rtmd_sqlw_config MakeConfig(const std::string& path, int version = 2,
                            rtmd_sqlw_fsync fsync = RTMD_SQLW_FSYNC_NORMAL) {
  rtmd_sqlw_config c{};
  c.path = path.c_str();
  c.fsync = fsync;
  c.schema_version = version;
  c.schema_sql = kSchema;
  c.stmts = kStmts;
  c.nstmts = kNStmts;
  return c;
}

std::string Text(uint64_t batch, uint64_t i) {
  return "b" + std::to_string(batch) + "i" + std::to_string(i);
}

// Queues one row of t: (batch, i, "b<batch>i<i>", blob_len bytes of i).
int QueueRow(rtmd_sqlw* w, uint64_t batch, uint64_t i, size_t blob_len = 8) {
  std::string txt = Text(batch, i);
  std::vector<unsigned char> blob(blob_len, (unsigned char)i);
  rtmd_sqlw_arg args[4] = {
      rtmd_sqlw_int((int64_t)batch), rtmd_sqlw_int((int64_t)i),
      rtmd_sqlw_text(txt.data(), txt.size()), rtmd_sqlw_blob(blob.data(), blob.size())};
  return rtmd_sqlw_exec(w, kInsertT, args, 4);
}

int QueueU(rtmd_sqlw* w, const std::string& k, int64_t v) {
  rtmd_sqlw_arg args[2] = {rtmd_sqlw_text(k.data(), k.size()), rtmd_sqlw_int(v)};
  return rtmd_sqlw_exec(w, kInsertU, args, 2);
}

// The callbacks a test saw, in order, and whether each ran on the loop.
struct Done {
  std::vector<std::pair<uint64_t, bool>> calls;
  pthread_t loop = pthread_self();
  bool off_loop = false;
  std::function<void(uint64_t, bool)> then;
};

void OnDone(uint64_t batch, bool ok, void* closure) {
  Done* d = static_cast<Done*>(closure);
  d->calls.emplace_back(batch, ok);
  if (!pthread_equal(pthread_self(), d->loop)) d->off_loop = true;
  if (d->then) d->then(batch, ok);
}

// A connection of the test's own, to read back (or hold a lock).
class Db {
 public:
  explicit Db(const std::string& path, int flags = SQLITE_OPEN_READONLY) {
    if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << "open " << path << ": " << sqlite3_errmsg(db_);
    }
    sqlite3_busy_timeout(db_, 5000);
  }
  ~Db() { sqlite3_close(db_); }
  int64_t Int(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    int64_t v = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return -1;
    }
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    else ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
    sqlite3_finalize(st);
    return v;
  }
  std::string Str(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    std::string v;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_);
      return v;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      v = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return v;
  }
  int Exec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr); }
  // Rows of t per batch.
  std::map<uint64_t, int64_t> RowsPerBatch() {
    std::map<uint64_t, int64_t> out;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "SELECT batch, count(*) FROM t GROUP BY batch", -1, &st,
                           nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_);
      return out;
    }
    while (sqlite3_step(st) == SQLITE_ROW)
      out[(uint64_t)sqlite3_column_int64(st, 0)] = sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    return out;
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), (std::streamsize)bytes.size());
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = (char)(rng() & 0xff);
  return s;
}

class SqliteWriter : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/rtmd-sqlw-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/rtmd.db";
    base_ = event_base_new();
    ASSERT_NE(base_, nullptr);
  }
  void TearDown() override {
    rtmd_sqlw_close(w_);
    event_base_free(base_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  bool Open(const rtmd_sqlw_config& cfg) {
    char err[512] = "x";
    int rc = rtmd_sqlw_open(base_, &cfg, &w_, err, sizeof err);
    err_ = err;
    if (rc == 0) EXPECT_EQ(err_, "");
    else EXPECT_EQ(w_, nullptr);
    return rc == 0;
  }
  bool Open(int version = 2) { return Open(MakeConfig(path_, version)); }
  void Close() {
    rtmd_sqlw_close(w_);
    w_ = nullptr;
  }

  // Runs the loop until pred holds (false after timeout_ms).
  bool RunUntil(const std::function<bool()>& pred, int timeout_ms = 10000) {
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!pred()) {
      if (Clock::now() > deadline) return false;
      struct timeval tv = {0, 10000};
      event_base_loopexit(base_, &tv);
      event_base_loop(base_, EVLOOP_ONCE);
    }
    return true;
  }
  void RunFor(int ms) {
    auto until = Clock::now() + std::chrono::milliseconds(ms);
    RunUntil([&] { return Clock::now() >= until; }, ms + 1000);
  }
  struct rtmd_sqlw_stats Stats() {
    struct rtmd_sqlw_stats st;
    rtmd_sqlw_stats(w_, &st);
    return st;
  }
  // Creates a database of schema `version` holding `rows` rows of t in
  // batch 1, and closes it.
  void MakeDatabase(int version, int rows = 0, size_t blob_len = 8) {
    ASSERT_TRUE(Open(version)) << err_;
    for (int i = 0; i < rows; i++) ASSERT_EQ(QueueRow(w_, 1, (uint64_t)i, blob_len), 0);
    ASSERT_EQ(rtmd_sqlw_sync(w_), 0);
    Close();
  }
  // Overwrites page `page` (1-based) of the file with random bytes.
  void CorruptPage(const std::string& path, int page) {
    std::string bytes = ReadFile(path);
    int64_t page_size = Db(path).Int("PRAGMA page_size");
    ASSERT_GE((int64_t)bytes.size(), page * page_size);
    std::string junk = RandomBytes((size_t)page_size, 42);
    bytes.replace((size_t)((page - 1) * page_size), (size_t)page_size, junk);
    WriteFile(path, bytes);
  }

  std::string dir_, path_, err_;
  event_base* base_ = nullptr;
  rtmd_sqlw* w_ = nullptr;
};

// ---- batches and their callbacks ---------------------------------------

TEST_F(SqliteWriter, BatchesCommitInOrderWithOneCallbackEachOnTheLoopThread) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  // Batch n holds n rows; 1-3 are flushed in one loop turn, 4 and 5 after
  // the first ones completed; 6 is empty.
  for (uint64_t n = 1; n <= 3; n++) {
    for (uint64_t i = 0; i < n; i++) ASSERT_EQ(QueueRow(w_, n, i), 0);
    EXPECT_EQ(rtmd_sqlw_flush(w_, OnDone, &d), n);
  }
  EXPECT_TRUE(d.calls.empty()) << "a callback ran inside flush";
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() >= 3; }));
  for (uint64_t n = 4; n <= 5; n++) {
    for (uint64_t i = 0; i < n; i++) ASSERT_EQ(QueueRow(w_, n, i), 0);
    EXPECT_EQ(rtmd_sqlw_flush(w_, OnDone, &d), n);
  }
  EXPECT_EQ(rtmd_sqlw_flush(w_, OnDone, &d), 6u);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() >= 6; }));
  RunFor(50);  // nothing more comes
  std::vector<std::pair<uint64_t, bool>> want;
  for (uint64_t n = 1; n <= 6; n++) want.emplace_back(n, true);
  EXPECT_EQ(d.calls, want);
  EXPECT_FALSE(d.off_loop);

  // Read back through a fresh connection, the writer still open.
  Db db(path_);
  std::map<uint64_t, int64_t> want_rows = {{1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}};
  EXPECT_EQ(db.RowsPerBatch(), want_rows);
  EXPECT_EQ(db.Str("SELECT txt FROM t WHERE batch = 5 AND i = 3"), Text(5, 3));
  EXPECT_EQ(db.Str("SELECT hex(data) FROM t WHERE batch = 4 AND i = 2"), "0202020202020202");
  Close();
  EXPECT_EQ(d.calls.size(), 6u) << "close ran a callback twice";
}

TEST_F(SqliteWriter, ArgumentsAreCopiedAtExecAndKeepTheirTypes) {
  ASSERT_TRUE(Open()) << err_;
  {
    // Every kind, in buffers that are gone before the batch runs.
    std::string txt("with\0nul", 8);
    std::string blob("\x00\x01\xff", 3);
    rtmd_sqlw_arg args[4] = {rtmd_sqlw_int(INT64_MIN), rtmd_sqlw_int(1),
                             rtmd_sqlw_text(txt.data(), txt.size()),
                             rtmd_sqlw_blob(blob.data(), blob.size())};
    ASSERT_EQ(rtmd_sqlw_exec(w_, kInsertT, args, 4), 0);
    rtmd_sqlw_arg empty[4] = {rtmd_sqlw_int(INT64_MAX), rtmd_sqlw_int(2),
                              rtmd_sqlw_text(nullptr, 0), rtmd_sqlw_blob(nullptr, 0)};
    ASSERT_EQ(rtmd_sqlw_exec(w_, kInsertT, empty, 4), 0);
    rtmd_sqlw_arg nulls[4] = {rtmd_sqlw_int(0), rtmd_sqlw_int(3), rtmd_sqlw_null(),
                              rtmd_sqlw_null()};
    ASSERT_EQ(rtmd_sqlw_exec(w_, kInsertT, nulls, 4), 0);
    txt.assign(8, 'X');
    blob.assign(3, 'X');
  }
  Done d;
  rtmd_sqlw_flush(w_, OnDone, &d);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 1; }));
  ASSERT_TRUE(d.calls[0].second);
  Db db(path_);
  EXPECT_EQ(db.Int("SELECT batch FROM t WHERE i = 1"), INT64_MIN);
  EXPECT_EQ(db.Str("SELECT hex(txt) FROM t WHERE i = 1"), "77697468006E756C");
  EXPECT_EQ(db.Str("SELECT hex(data) FROM t WHERE i = 1"), "0001FF");
  EXPECT_EQ(db.Int("SELECT batch FROM t WHERE i = 2"), INT64_MAX);
  EXPECT_EQ(db.Str("SELECT typeof(txt) || ',' || typeof(data) || ',' || length(data) "
                   "FROM t WHERE i = 2"),
            "text,blob,0");
  EXPECT_EQ(db.Str("SELECT typeof(txt) || ',' || typeof(data) FROM t WHERE i = 3"),
            "null,null");
}

TEST_F(SqliteWriter, ExecRefusesWhatWasNotPreparedAndQueuesNothing) {
  ASSERT_TRUE(Open()) << err_;
  rtmd_sqlw_arg ok[4] = {rtmd_sqlw_int(1), rtmd_sqlw_int(1), rtmd_sqlw_null(), rtmd_sqlw_null()};
  rtmd_sqlw_arg nul5[4] = {rtmd_sqlw_int(1), rtmd_sqlw_int(1), rtmd_sqlw_text(nullptr, 5),
                           rtmd_sqlw_null()};
  rtmd_sqlw_arg big[4] = {rtmd_sqlw_int(1), rtmd_sqlw_int(1), rtmd_sqlw_null(),
                          rtmd_sqlw_blob("x", (size_t)INT_MAX + 1)};
  rtmd_sqlw_arg kind[4] = {rtmd_sqlw_int(1), rtmd_sqlw_int(1), rtmd_sqlw_null(),
                           rtmd_sqlw_null()};
  kind[3].type = static_cast<rtmd_sqlw_type>(42);
  struct Case {
    const char* what;
    unsigned stmt;
    const rtmd_sqlw_arg* args;
    size_t nargs;
  } cases[] = {{"no such statement", kNStmts, ok, 4}, {"too few arguments", kInsertT, ok, 3},
               {"5 bytes at NULL", kInsertT, nul5, 4}, {"over INT_MAX bytes", kInsertT, big, 4},
               {"no such type", kInsertT, kind, 4}, {"no arguments array", kInsertT, nullptr, 4}};
  // Each on a batch of its own (a refusal poisons its batch and halts the
  // writer there): flushed, failed, resumed.
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(rtmd_sqlw_exec(w_, c.stmt, c.args, c.nargs), -1);
    EXPECT_EQ(Stats().queued_statements, 0u);
    EXPECT_EQ(rtmd_sqlw_sync(w_), -1);
    EXPECT_EQ(rtmd_sqlw_resume(w_), 0);
  }
  EXPECT_EQ(Db(path_).Int("SELECT count(*) FROM t"), 0);
}

// ---- group commit ------------------------------------------------------

// At --fsync normal, a small batch flushed while the writer thread is idle
// commits inside rtmd_sqlw_flush, on the loop thread (no wake of the
// writer, none of the loop): committed when flush returns, its callback
// still run later from the loop, in order, and the batches after it too.
TEST_F(SqliteWriter, ASmallBatchCommitsInFlushWhenTheWriterIsIdle) {
  ASSERT_TRUE(Open()) << err_;
  RunFor(20);  // the writer thread is up and waits
  Done d;
  ASSERT_EQ(QueueRow(w_, 1, 0), 0);
  uint64_t n = rtmd_sqlw_flush(w_, OnDone, &d);
  ASSERT_EQ(n, 1u);
  EXPECT_TRUE(d.calls.empty()) << "never called from inside flush";
  EXPECT_EQ(Db(path_).Int("SELECT count(*) FROM t"), 1) << "committed when flush returned";
  EXPECT_EQ(Stats().commits, 1u);
  // A big one goes to the writer thread; both report in order.
  for (uint64_t i = 0; i < 100; i++) ASSERT_EQ(QueueRow(w_, 2, i, 4096), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);
  ASSERT_EQ(QueueRow(w_, 3, 0), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 3; }));
  EXPECT_EQ(d.calls, (std::vector<std::pair<uint64_t, bool>>{{1, true}, {2, true}, {3, true}}));
  EXPECT_FALSE(d.off_loop);
  EXPECT_EQ(Db(path_).Int("SELECT count(*) FROM t"), 102);
}

TEST_F(SqliteWriter, GroupCommitBatchesFlushedWhileTheWriterIsBusyShareOneCommit) {
  ASSERT_TRUE(Open()) << err_;
  // Another connection holds the write lock (as an operator's sqlite3 or a
  // checkpoint might): the writer waits at BEGIN with whatever it took.
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  Done d;
  const uint64_t kBatches = 50;
  for (uint64_t n = 1; n <= kBatches; n++) {
    ASSERT_EQ(QueueRow(w_, n, 0), 0);
    ASSERT_EQ(QueueRow(w_, n, 1), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
    if (n == 1) RunFor(30);  // the writer takes batch 1 and blocks on the lock
  }
  RunFor(50);
  EXPECT_TRUE(d.calls.empty()) << "committed under another connection's lock";
  EXPECT_EQ(Stats().queued_statements, 2 * kBatches);
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == kBatches; }));
  for (uint64_t n = 1; n <= kBatches; n++) {
    EXPECT_EQ(d.calls[n - 1], std::make_pair(n, true));
  }
  struct rtmd_sqlw_stats st = Stats();
  EXPECT_EQ(st.batches_committed, kBatches);
  EXPECT_EQ(st.statements_committed, 2 * kBatches);
  EXPECT_LE(st.commits, 2u) << "batch 1 alone at most, then the 49 others together";
  EXPECT_GE(st.max_commit_statements, 2 * (kBatches - 1));
  EXPECT_EQ(st.commit_us_count, st.commits);
  EXPECT_GE(st.commit_us_max, 1u);
  EXPECT_GE(st.commit_us_sum, st.commit_us_max);
  EXPECT_EQ(st.queued_statements, 0u);
  EXPECT_EQ(st.batches_failed, 0u);
}

TEST_F(SqliteWriter, GroupCommitUnderLoadFewerCommitsThanBatches) {
  // fsync at every commit: the writer is slow next to the loop, and the
  // batches flushed meanwhile share its next commit.
  ASSERT_TRUE(Open(MakeConfig(path_, 2, RTMD_SQLW_FSYNC_FULL))) << err_;
  Done d;
  const uint64_t kBatches = 1000;
  for (uint64_t n = 1; n <= kBatches; n++) {
    ASSERT_EQ(QueueRow(w_, n, 0), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
  }
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == kBatches; }));
  struct rtmd_sqlw_stats st = Stats();
  EXPECT_EQ(st.batches_committed, kBatches);
  EXPECT_LT(st.commits, kBatches / 2);
  EXPECT_EQ(Db(path_).Int("SELECT count(*) FROM t"), (int64_t)kBatches);
}

// Checkpoints run beside the writer (its own thread): once the WAL passes
// 1,000 pages, the WAL's pages reach the database file while the writer
// is open, without a close, and again for what is written after.
TEST_F(SqliteWriter, CheckpointsCopyTheWalIntoTheFileBesideTheWriter) {
  rtmd_sqlw_config c = MakeConfig(path_);
  c.checkpoint_pages = 1000;
  ASSERT_TRUE(Open(c)) << err_;
  Done d;
  auto size = [](const std::string& path) {
    std::error_code ec;
    auto n = std::filesystem::file_size(path, ec);
    return ec ? 0 : (uintmax_t)n;
  };
  const uint64_t kBatches = 40;  // 40 x 40 rows of 4 KB: ~1,600 pages
  for (int round = 1; round <= 2; round++) {
    for (uint64_t n = 1; n <= kBatches; n++) {
      for (uint64_t i = 0; i < 40; i++)
        ASSERT_EQ(QueueRow(w_, (uint64_t)round * 1000 + n, i, 4096), 0);
      rtmd_sqlw_flush(w_, OnDone, &d);
    }
    ASSERT_TRUE(RunUntil([&] { return d.calls.size() == round * kBatches; }));
    // ~6.5 MB of rows per round reach the file (4 MiB, 10 MiB: margins for
    // a checkpoint that started before the last commits).
    uintmax_t want = round == 1 ? 4u << 20 : 10u << 20;
    ASSERT_TRUE(RunUntil([&] { return size(path_) > want; }, 10000))
        << "round " << round << ": the database file stayed at " << size(path_)
        << " bytes: no checkpoint";
  }
  EXPECT_EQ(Db(path_).Int("SELECT count(*) FROM t"), (int64_t)(2 * kBatches * 40));
}

// ---- durability --------------------------------------------------------

// Rows in batch n of the crash test.
uint64_t CrashBatchRows(uint64_t n) { return 1 + n % 7; }

// The child of the crash test: writes batches forever, 16 in flight, and
// writes each batch number to fd once its callback said ok. Any surprise
// ends it with a status the parent reports.
struct CrashCtx {
  rtmd_sqlw* w;
  int fd;
  uint64_t next;
};

void CrashQueue(CrashCtx* c);

void CrashDone(uint64_t batch, bool ok, void* closure) {
  auto* c = static_cast<CrashCtx*>(closure);
  if (!ok) _exit(6);
  if (write(c->fd, &batch, sizeof batch) != (ssize_t)sizeof batch) _exit(7);
  CrashQueue(c);
}

void CrashQueue(CrashCtx* c) {
  uint64_t n = c->next++;
  for (uint64_t i = 0; i < CrashBatchRows(n); i++)
    if (QueueRow(c->w, n, i, 64) != 0) _exit(5);
  if (rtmd_sqlw_flush(c->w, CrashDone, c) != n) _exit(8);
}

[[noreturn]] void CrashChild(const std::string& path, rtmd_sqlw_fsync fsync, int fd) {
  event_base* base = event_base_new();
  rtmd_sqlw_config cfg = MakeConfig(path, 2, fsync);
  CrashCtx c = {nullptr, fd, 1};
  char err[512];
  if (!base || rtmd_sqlw_open(base, &cfg, &c.w, err, sizeof err) != 0) _exit(4);
  for (int i = 0; i < 16; i++) CrashQueue(&c);
  event_base_dispatch(base);
  _exit(9);
}

TEST_F(SqliteWriter, EverythingReportedOkSurvivesASigkill) {
  uint32_t seed = std::random_device{}();
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 10; round++) {
    rtmd_sqlw_fsync fsync = round % 2 ? RTMD_SQLW_FSYNC_FULL : RTMD_SQLW_FSYNC_NORMAL;
    std::string path = dir_ + "/crash" + std::to_string(round) + ".db";
    uint64_t kill_after = 1 + rng() % 1000;
    SCOPED_TRACE("round " + std::to_string(round) + ", kill after " +
                 std::to_string(kill_after) + " ok, fsync " + (round % 2 ? "full" : "normal"));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      CrashChild(path, fsync, fds[1]);
    }
    close(fds[1]);
    std::set<uint64_t> reported;
    uint64_t n;
    while (reported.size() < kill_after && read(fds[0], &n, sizeof n) == (ssize_t)sizeof n)
      reported.insert(n);
    // Right after a callback said ok (the child may be a little further).
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped by itself: status " << status;
    ASSERT_EQ(reported.size(), kill_after);
    // What the child reported before it died is reported too.
    while (read(fds[0], &n, sizeof n) == (ssize_t)sizeof n) reported.insert(n);
    close(fds[0]);

    {
      Db db(path);
      std::map<uint64_t, int64_t> rows = db.RowsPerBatch();
      for (uint64_t b : reported) {
        ASSERT_EQ(rows.count(b), 1u) << "batch " << b << " reported ok, missing";
        EXPECT_EQ(rows[b], (int64_t)CrashBatchRows(b)) << "batch " << b;
      }
      for (auto& [b, count] : rows)  // committed, maybe unreported: whole
        EXPECT_EQ(count, (int64_t)CrashBatchRows(b)) << "batch " << b << " half there";
    }
    char report[512];
    EXPECT_EQ(rtmd_sqlw_check(path.c_str(), 2, report, sizeof report), 0) << report;
    // And rtmd starts again on it.
    ASSERT_TRUE(Open(MakeConfig(path, 2))) << err_;
    Close();
  }
}

TEST_F(SqliteWriter, SyncCommitsEverythingQueuedAndRunsTheCallbacks) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  for (uint64_t n = 1; n <= 3; n++) {
    ASSERT_EQ(QueueRow(w_, n, 0), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
  }
  for (uint64_t i = 0; i < 10; i++) ASSERT_EQ(QueueRow(w_, 4, i), 0);  // never flushed
  // The 10 of the open batch, and those of 1-3 the writer has not done yet.
  uint64_t queued = Stats().queued_statements;
  EXPECT_GE(queued, 10u);
  EXPECT_LE(queued, 13u);
  EXPECT_EQ(rtmd_sqlw_sync(w_), 0);
  std::vector<std::pair<uint64_t, bool>> want = {{1, true}, {2, true}, {3, true}};
  EXPECT_EQ(d.calls, want);
  EXPECT_EQ(Stats().queued_statements, 0u);
  std::map<uint64_t, int64_t> want_rows = {{1, 1}, {2, 1}, {3, 1}, {4, 10}};
  EXPECT_EQ(Db(path_).RowsPerBatch(), want_rows);
  // The next flush is numbered after the one sync made.
  EXPECT_EQ(rtmd_sqlw_flush(w_, OnDone, &d), 5u);
  Close();  // while d lives
  EXPECT_EQ(d.calls.back(), std::make_pair(uint64_t{5}, true));
}

TEST_F(SqliteWriter, CloseCommitsEverythingQueuedRunsPendingCallbacksAndRefusesMore) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  int exec_in_close = 0;
  uint64_t flush_in_close = 99;
  d.then = [&](uint64_t, bool) {
    exec_in_close = QueueRow(w_, 100, 0);
    flush_in_close = rtmd_sqlw_flush(w_, nullptr, nullptr);
  };
  for (uint64_t n = 1; n <= 20; n++) {
    for (uint64_t i = 0; i < 5; i++) ASSERT_EQ(QueueRow(w_, n, i), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
  }
  ASSERT_EQ(QueueRow(w_, 21, 0), 0);  // never flushed
  Close();                            // the loop never ran
  ASSERT_EQ(d.calls.size(), 20u);
  for (uint64_t n = 1; n <= 20; n++) EXPECT_EQ(d.calls[n - 1], std::make_pair(n, true));
  EXPECT_EQ(exec_in_close, -1);
  EXPECT_EQ(flush_in_close, 0u);
  // The writer checkpointed as it closed: the file holds everything alone.
  EXPECT_FALSE(std::filesystem::exists(path_ + "-wal"));
  std::map<uint64_t, int64_t> rows = Db(path_).RowsPerBatch();
  EXPECT_EQ(rows.size(), 21u);
  EXPECT_EQ(rows[21], 1);
  EXPECT_EQ(rows.count(100), 0u);
}

// Rule: close is safe from inside a done callback: the writer is freed once
// the callback returns, after every pending callback has run, in order.
TEST_F(SqliteWriter, CloseInsideADoneCallbackFreesTheWriterOnceTheCallbackReturns) {
  for (bool from_sync : {false, true}) {
    SCOPED_TRACE(from_sync ? "callback run by sync" : "callback run by the loop");
    path_ = dir_ + (from_sync ? "/sync.db" : "/loop.db");
    ASSERT_TRUE(Open(MakeConfig(path_))) << err_;
    Done d;
    int exec_after = 0;
    uint64_t flush_after = 99;
    d.then = [&](uint64_t batch, bool) {
      if (batch != 1) return;
      rtmd_sqlw* w = w_;
      Close();  // runs the callbacks of 2 and 3 inside this one
      EXPECT_EQ(d.calls.size(), 3u);
      // w lives until this callback returns, refusing.
      exec_after = QueueRow(w, 9, 0);
      flush_after = rtmd_sqlw_flush(w, OnDone, &d);
    };
    for (uint64_t n = 1; n <= 3; n++) {
      ASSERT_EQ(QueueRow(w_, n, 0), 0);
      rtmd_sqlw_flush(w_, OnDone, &d);
    }
    if (from_sync)
      EXPECT_EQ(rtmd_sqlw_sync(w_), 0);
    else
      ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 3; }));
    EXPECT_EQ(w_, nullptr);
    RunFor(20);  // the eventfd's event went with the writer
    std::vector<std::pair<uint64_t, bool>> want = {{1, true}, {2, true}, {3, true}};
    EXPECT_EQ(d.calls, want);
    EXPECT_EQ(exec_after, -1);
    EXPECT_EQ(flush_after, 0u);
    EXPECT_FALSE(std::filesystem::exists(path_ + "-wal")) << "closed, checkpointed";
    EXPECT_EQ(Db(path_).RowsPerBatch().size(), 3u);
  }
}

// ---- schema versions ---------------------------------------------------

TEST_F(SqliteWriter, SchemaFreshFileGetsTheSchemaAndItsVersionInWalMode) {
  ASSERT_TRUE(Open(7)) << err_;
  Close();
  Db db(path_);
  EXPECT_EQ(db.Int("PRAGMA user_version"), 7);
  EXPECT_EQ(db.Str("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(db.Int("SELECT count(*) FROM sqlite_master WHERE type = 'table'"), 2);
}

TEST_F(SqliteWriter, SchemaSameVersionIsReusedWithItsData) {
  MakeDatabase(2, 3);
  ASSERT_TRUE(Open(2)) << err_;
  std::vector<std::string> got;
  auto row = [](const rtmd_sqlw_arg* cols, size_t n, void* closure) -> int {
    auto* v = static_cast<std::vector<std::string>*>(closure);
    if (n != 1 || cols[0].type != RTMD_SQLW_TEXT) return -1;
    v->emplace_back(static_cast<const char*>(cols[0].v.bytes.p), cols[0].v.bytes.len);
    return 0;
  };
  ASSERT_EQ(rtmd_sqlw_query(w_, "SELECT txt FROM t ORDER BY i", nullptr, 0, row, &got), 0);
  std::vector<std::string> want = {Text(1, 0), Text(1, 1), Text(1, 2)};
  EXPECT_EQ(got, want);
}

TEST_F(SqliteWriter, SchemaNewerIsRefusedNamingBothVersionsAndLeftAlone) {
  MakeDatabase(3, 1);
  std::string before = ReadFile(path_);
  EXPECT_FALSE(Open(2));
  EXPECT_NE(err_.find("data directory was written by a newer rtmd: schema 3, this rtmd knows 2"),
            std::string::npos)
      << err_;
  EXPECT_NE(err_.find(path_), std::string::npos) << err_;
  EXPECT_EQ(ReadFile(path_), before);
}

TEST_F(SqliteWriter, SchemaOlderIsRefusedWithoutAMigration) {
  MakeDatabase(1, 1);
  EXPECT_FALSE(Open(2));
  EXPECT_NE(err_.find("older rtmd: schema 1, this rtmd knows 2"), std::string::npos) << err_;
  EXPECT_EQ(Db(path_).Int("PRAGMA user_version"), 1);
}

struct Migration {
  std::vector<std::pair<int, int>> calls;
  bool fail = false;
};

int Migrate(sqlite3* db, int from, int to, char* err, size_t errlen, void* closure) {
  auto* m = static_cast<Migration*>(closure);
  m->calls.emplace_back(from, to);
  if (sqlite3_exec(db, "ALTER TABLE u ADD COLUMN since INTEGER", nullptr, nullptr, nullptr) !=
      SQLITE_OK)
    return -1;
  if (m->fail) {
    if (sqlite3_exec(db, "CREATE TABLE half(x); INSERT INTO u(k, v) VALUES ('half', 1)", nullptr,
                     nullptr, nullptr) != SQLITE_OK)
      return -1;
    snprintf(err, errlen, "no way from %d", from);
    return -1;
  }
  return 0;
}

TEST_F(SqliteWriter, SchemaOlderIsMigratedByTheHookInOneTransaction) {
  // The failing migration writes (an ALTER, a CREATE) before it gives up:
  // that is undone with it.
  MakeDatabase(1, 1);
  Migration m;
  m.fail = true;
  rtmd_sqlw_config cfg = MakeConfig(path_, 2);
  cfg.migrate = Migrate;
  cfg.migrate_closure = &m;
  EXPECT_FALSE(Open(cfg));
  EXPECT_NE(err_.find("migrating schema 1 to 2 failed: no way from 1"), std::string::npos)
      << err_;
  {
    Db db(path_);
    EXPECT_EQ(db.Int("PRAGMA user_version"), 1) << "a failed migration stays undone";
    EXPECT_EQ(db.Int("SELECT count(*) FROM pragma_table_info('u') WHERE name = 'since'"), 0)
        << "its ALTER stays undone";
    EXPECT_EQ(db.Int("SELECT count(*) FROM sqlite_master WHERE name = 'half'"), 0)
        << "its CREATE stays undone";
    EXPECT_EQ(db.Int("SELECT count(*) FROM u"), 0) << "its INSERT stays undone";
  }

  m.fail = false;
  ASSERT_TRUE(Open(cfg)) << err_;
  Close();
  std::vector<std::pair<int, int>> want = {{1, 2}, {1, 2}};
  EXPECT_EQ(m.calls, want);
  Db db(path_);
  EXPECT_EQ(db.Int("PRAGMA user_version"), 2);
  EXPECT_EQ(db.Int("SELECT count(*) FROM pragma_table_info('u') WHERE name = 'since'"), 1);
}

TEST_F(SqliteWriter, SchemaTablesWithoutAVersionAreNotRtmdData) {
  {
    Db db(path_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ASSERT_EQ(db.Exec("CREATE TABLE other(x)"), SQLITE_OK);
  }
  EXPECT_FALSE(Open(2));
  EXPECT_NE(err_.find("no schema version"), std::string::npos) << err_;
  {
    Db db(path_, SQLITE_OPEN_READWRITE);
    ASSERT_EQ(db.Exec("PRAGMA user_version = -1"), SQLITE_OK);
  }
  EXPECT_FALSE(Open(2));
  EXPECT_NE(err_.find("schema version -1 is none of rtmd's"), std::string::npos) << err_;
}

TEST_F(SqliteWriter, OpenRefusesABadStatementNamingIt) {
  const char* stmts[2] = {"INSERT INTO u(k, v) VALUES (?, ?)", "INSERT INTO nowhere VALUES (1)"};
  rtmd_sqlw_config cfg = MakeConfig(path_);
  cfg.stmts = stmts;
  cfg.nstmts = 2;
  EXPECT_FALSE(Open(cfg));
  EXPECT_NE(err_.find("statement 1"), std::string::npos) << err_;
  EXPECT_NE(err_.find("no such table: nowhere"), std::string::npos) << err_;
  const char* two[1] = {"INSERT INTO u(k, v) VALUES (1, 1); DELETE FROM u"};
  cfg.stmts = two;
  cfg.nstmts = 1;
  EXPECT_FALSE(Open(cfg));
  EXPECT_NE(err_.find("more than one statement"), std::string::npos) << err_;
  // The writer makes the transactions: a caller's COMMIT would break them.
  for (const char* txn : {"COMMIT", "  begin immediate", "/* x */ SAVEPOINT s", "RELEASE s",
                          "ROLLBACK"}) {
    const char* one[1] = {txn};
    cfg.stmts = one;
    EXPECT_FALSE(Open(cfg)) << txn;
    EXPECT_NE(err_.find("a transaction statement"), std::string::npos) << err_;
  }
}

// Rule: the caller's statements and schema hold no pragma but the allowed
// ones (nothing that could weaken durability), and the schema no
// transaction statement.
TEST_F(SqliteWriter, OpenRefusesPragmasButTheAllowedOnesInStatementsAndSchema) {
  rtmd_sqlw_config cfg = MakeConfig(path_);
  for (const char* pragma : {"PRAGMA synchronous = OFF", "pragma main.synchronous=0",
                             "PRAGMA journal_mode = DELETE", "PRAGMA writable_schema = ON",
                             "PRAGMA foreign_keys = ON", "PRAGMA user_version = 9"}) {
    SCOPED_TRACE(pragma);
    const char* one[1] = {pragma};
    cfg.stmts = one;
    cfg.nstmts = 1;
    EXPECT_FALSE(Open(cfg));
    EXPECT_NE(err_.find("statement 0"), std::string::npos) << err_;
    EXPECT_NE(err_.find("is not allowed (only " RTMD_SQLW_PRAGMAS_ALLOWED), std::string::npos)
        << err_;
  }
  cfg.stmts = kStmts;  // holds PRAGMA max_page_count: allowed
  cfg.nstmts = kNStmts;
  int k = 0;
  for (const char* extra : {"PRAGMA synchronous = OFF;", "PRAGMA journal_mode = MEMORY;",
                            "PRAGMA writable_schema = 1;", "COMMIT; BEGIN;",
                            "SAVEPOINT s;"}) {
    SCOPED_TRACE(extra);
    std::string schema = std::string(kSchema) + extra;
    cfg.schema_sql = schema.c_str();
    path_ = dir_ + "/schema" + std::to_string(k++) + ".db";  // a fresh file each
    cfg.path = path_.c_str();
    EXPECT_FALSE(Open(cfg));
    EXPECT_NE(err_.find("creating the schema: "), std::string::npos) << err_;
    EXPECT_TRUE(err_.find("is not allowed") != std::string::npos ||
                err_.find("a transaction statement") != std::string::npos)
        << err_;
    Db db(path_);
    EXPECT_EQ(db.Int("PRAGMA user_version"), 0) << "the schema stays undone";
    EXPECT_EQ(db.Int("SELECT count(*) FROM sqlite_master"), 0) << "the schema stays undone";
    EXPECT_EQ(db.Str("PRAGMA journal_mode"), "wal");
  }
  std::string allowed = std::string(kSchema) + "PRAGMA max_page_count = 1000000;";
  cfg.schema_sql = allowed.c_str();
  EXPECT_TRUE(Open(cfg)) << err_;
}

// Rule: what follows a statement may be comments; a second statement is
// refused.
TEST_F(SqliteWriter, OpenTakesATrailingCommentAsNoSecondStatement) {
  const char* stmts[3] = {"INSERT INTO u(k, v) VALUES (?, ?) -- the key, its value",
                          "INSERT INTO u(k, v) VALUES (?, ?); /* then nothing */ ;",
                          "INSERT INTO u(k, v) VALUES (?, ?) -- last\n"};
  rtmd_sqlw_config cfg = MakeConfig(path_);
  cfg.stmts = stmts;
  cfg.nstmts = 3;
  ASSERT_TRUE(Open(cfg)) << err_;
  for (unsigned i = 0; i < 3; i++) {
    std::string k = "k" + std::to_string(i);
    rtmd_sqlw_arg args[2] = {rtmd_sqlw_text(k.data(), k.size()), rtmd_sqlw_int(i)};
    ASSERT_EQ(rtmd_sqlw_exec(w_, i, args, 2), 0);
  }
  ASSERT_EQ(rtmd_sqlw_sync(w_), 0);
  Close();
  EXPECT_EQ(Db(path_).Int("SELECT count(*) FROM u"), 3);
  for (const char* two : {"INSERT INTO u(k, v) VALUES (1, 1); -- c\nDELETE FROM u",
                          "INSERT INTO u(k, v) VALUES (1, 1) /* c */; SELECT 1"}) {
    const char* one[1] = {two};
    cfg.stmts = one;
    cfg.nstmts = 1;
    EXPECT_FALSE(Open(cfg)) << two;
    EXPECT_NE(err_.find("more than one statement"), std::string::npos) << err_;
  }
}

// ---- files that cannot be used -----------------------------------------

TEST_F(SqliteWriter, RandomBytesFileIsAClearErrorAtOpenAndLeftAlone) {
  std::string junk = RandomBytes(16384, 7);
  WriteFile(path_, junk);
  EXPECT_FALSE(Open(2));
  EXPECT_NE(err_.find("not an SQLite database"), std::string::npos) << err_;
  EXPECT_EQ(ReadFile(path_), junk);
}

TEST_F(SqliteWriter, OverwrittenPageIsAClearErrorAtOpen) {
  MakeDatabase(2, 300, 200);  // a few dozen pages
  CorruptPage(path_, 2);      // the root of t
  EXPECT_FALSE(Open(2));
  EXPECT_NE(err_.find("corrupt"), std::string::npos) << err_;
}

TEST_F(SqliteWriter, PathUnderAMissingDirectoryIsAClearError) {
  path_ = dir_ + "/no/such/dir/rtmd.db";
  EXPECT_FALSE(Open(2));
  EXPECT_NE(err_.find("cannot open"), std::string::npos) << err_;
  EXPECT_NE(err_.find(path_), std::string::npos) << err_;
}

TEST_F(SqliteWriter, PathThatIsADirectoryIsAClearError) {
  path_ = dir_;
  EXPECT_FALSE(Open(2));
  EXPECT_NE(err_.find("cannot open"), std::string::npos) << err_;
  EXPECT_NE(err_.find("Is a directory"), std::string::npos) << err_;
}

// Opens path in a child that drops from root to nobody (root writes
// whatever the permission bits say), and returns the error it got ("" when
// it opened). Callers skip unless root.
std::string OpenAsNobody(const std::string& path) {
  int fds[2];
  if (pipe(fds) != 0) return "pipe";
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    struct passwd* pw = getpwnam("nobody");
    uid_t uid = pw ? pw->pw_uid : 65534;
    gid_t gid = pw ? pw->pw_gid : 65534;
    if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(3);
    event_base* base = event_base_new();
    rtmd_sqlw_config cfg = MakeConfig(path);
    rtmd_sqlw* w = nullptr;
    char err[512] = "";
    if (rtmd_sqlw_open(base, &cfg, &w, err, sizeof err) == 0) rtmd_sqlw_close(w);
    ssize_t len = (ssize_t)strlen(err);
    _exit(write(fds[1], err, (size_t)len) == len ? 0 : 4);
  }
  close(fds[1]);
  std::string out;
  char buf[256];
  ssize_t got;
  while ((got = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, (size_t)got);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return "child failed: status " + std::to_string(status);
  return out;
}

TEST_F(SqliteWriter, FileTheUserCannotWriteIsAClearErrorAtOpen) {
  // The child drops to nobody, which only root can; anyone else owns the
  // file and may write it whatever its mode says.
  if (getuid() != 0) GTEST_SKIP() << "needs root (to drop to nobody)";
  MakeDatabase(2, 1);
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(path_.c_str(), 0644), 0);  // root's, read-only to others
  std::string err = OpenAsNobody(path_);
  EXPECT_NE(err.find("cannot be written"), std::string::npos) << err;
  // The same file as its owner would see it: sound, and opened.
  ASSERT_EQ(chmod(path_.c_str(), 0666), 0);
  ASSERT_EQ(chmod(dir_.c_str(), 0777), 0);
  EXPECT_EQ(OpenAsNobody(path_), "");
}

TEST_F(SqliteWriter, DirectoryTheUserCannotWriteIsAClearErrorAtOpen) {
  if (getuid() != 0) GTEST_SKIP() << "needs root (to drop to nobody)";
  // The file may be written, but not its WAL, which goes beside it.
  MakeDatabase(2, 1);
  ASSERT_EQ(chmod(dir_.c_str(), 0755), 0);
  ASSERT_EQ(chmod(path_.c_str(), 0666), 0);
  std::string err = OpenAsNobody(path_);
  EXPECT_NE(err.find(path_ + ": cannot be written"), std::string::npos) << err;
}

// ---- failures while running --------------------------------------------

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1))
    n++;
  return n;
}

// Rule: the file is a prefix of the caller's history. A batch that fails
// lets the batches before it in its transaction commit; it and every later
// batch fail without running, and exec refuses, until resume.
TEST_F(SqliteWriter, FailedBatchCommitsThoseBeforeItAndHaltsTheWriterUntilResume) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  ASSERT_EQ(QueueU(w_, "taken", 1), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 1
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 1; }));
  struct rtmd_sqlw_stats before = Stats();

  testing::internal::CaptureStderr();
  // 2, 3 and 4 are flushed while another connection holds the lock: 2
  // waits alone at BEGIN or shares the transaction of 3 and 4.
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  ASSERT_EQ(QueueRow(w_, 2, 0), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 2
  RunFor(30);
  ASSERT_EQ(QueueRow(w_, 3, 0), 0);  // fine, but in the failing batch
  ASSERT_EQ(QueueU(w_, "taken", 2), 0);
  ASSERT_EQ(QueueRow(w_, 3, 1), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 3
  ASSERT_EQ(QueueRow(w_, 4, 0), 0);  // fine, but after the failing batch
  rtmd_sqlw_flush(w_, OnDone, &d);  // 4
  ASSERT_EQ(QueueRow(w_, 5, 0), 0);  // queued before the halt, flushed after
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 4; }));
  EXPECT_TRUE(Stats().halted);
  EXPECT_EQ(QueueRow(w_, 5, 1), -1) << "exec while halted";
  EXPECT_EQ(rtmd_sqlw_resume(w_), -1) << "the open batch holds a statement of before the halt";
  rtmd_sqlw_flush(w_, OnDone, &d);  // 5
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 5; }));
  // The caller re-syncs (nothing in flight, then reads), then resumes.
  ASSERT_EQ(rtmd_sqlw_sync(w_), 0);
  EXPECT_EQ(rtmd_sqlw_resume(w_), 0);
  EXPECT_FALSE(Stats().halted);
  ASSERT_EQ(QueueRow(w_, 6, 0), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 6
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 6; }));
  std::string log = testing::internal::GetCapturedStderr();

  std::vector<std::pair<uint64_t, bool>> want = {{1, true},  {2, true},  {3, false},
                                                 {4, false}, {5, false}, {6, true}};
  EXPECT_EQ(d.calls, want);
  struct rtmd_sqlw_stats st = Stats();
  // 2 (alone or as the prefix of 3 and 4), then 6; 3's rollback is none.
  EXPECT_EQ(st.commits - before.commits, 2u);
  EXPECT_EQ(st.batches_failed, 3u);
  EXPECT_EQ(st.failures, 1u);
  EXPECT_FALSE(st.broken);
  Db db(path_);
  std::map<uint64_t, int64_t> want_rows = {{2, 1}, {6, 1}};
  EXPECT_EQ(db.RowsPerBatch(), want_rows) << "3's good rows, 4 or 5 in the file";
  EXPECT_EQ(db.Int("SELECT v FROM u WHERE k = 'taken'"), 1);
  EXPECT_EQ(Count(log, "the writer halts: batch 3 and every later batch"), 1u) << log;
  EXPECT_EQ(Count(log, "UNIQUE constraint failed"), 1u) << log;
  EXPECT_EQ(Count(log, "the writer resumes (halted at batch 3)"), 1u) << log;
}

// Rule: a batch already queued to the writer thread behind the failed one
// fails without running, and so does one flushed before resume that the
// writer reaches after it.
TEST_F(SqliteWriter, BatchesQueuedBehindAFailedOneFailWithoutRunningEvenAfterResume) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  // 1 fills a transaction (RTMD_SQLW_GROUP_MAX_STATEMENTS) and fails at
  // its end; 2 waits behind it for the next transaction.
  for (uint64_t i = 0; i + 1 < RTMD_SQLW_GROUP_MAX_STATEMENTS; i++)
    ASSERT_EQ(QueueRow(w_, 1, i, 0), 0);
  ASSERT_EQ(QueueRow(w_, 1, 0, 0), 0);  // (1, 0) again: fails
  rtmd_sqlw_flush(w_, OnDone, &d);  // 1
  ASSERT_EQ(QueueU(w_, "k", 2), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 2: no statement of its own fails
  ASSERT_EQ(QueueRow(w_, 3, 0), 0);  // queued before the halt
  // As soon as 1 has failed: 3 is flushed and the writer resumed, maybe
  // before it took 2 or 3.
  d.then = [&](uint64_t batch, bool) {
    if (batch != 1) return;
    EXPECT_EQ(rtmd_sqlw_flush(w_, OnDone, &d), 3u);
    EXPECT_EQ(rtmd_sqlw_resume(w_), 0);
    EXPECT_EQ(QueueRow(w_, 4, 0), 0);
    EXPECT_EQ(rtmd_sqlw_flush(w_, OnDone, &d), 4u);
  };
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 4; }));
  std::vector<std::pair<uint64_t, bool>> want = {{1, false}, {2, false}, {3, false}, {4, true}};
  EXPECT_EQ(d.calls, want);
  Db db(path_);
  std::map<uint64_t, int64_t> want_rows = {{4, 1}};
  EXPECT_EQ(db.RowsPerBatch(), want_rows);
  EXPECT_EQ(db.Int("SELECT count(*) FROM u"), 0) << "batch 2 ran";
  EXPECT_EQ(Stats().failures, 1u) << "2 and 3 halted nothing more";
}

// Rule: a refused exec poisons its batch, which fails at its flush without
// running any of its statements, and halts the writer; the batches before
// it in its transaction commit.
TEST_F(SqliteWriter, RefusedExecPoisonsItsBatchWhichFailsWithoutRunningAndHalts) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  ASSERT_EQ(QueueRow(w_, 1, 0), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 1
  ASSERT_EQ(QueueRow(w_, 2, 0), 0);  // fine, but in the poisoned batch
  rtmd_sqlw_arg three[3] = {rtmd_sqlw_int(2), rtmd_sqlw_int(1), rtmd_sqlw_null()};
  EXPECT_EQ(rtmd_sqlw_exec(w_, kInsertT, three, 3), -1) << "wrong count";
  EXPECT_EQ(QueueRow(w_, 2, 2), -1) << "into a poisoned batch";
  EXPECT_EQ(rtmd_sqlw_resume(w_), -1) << "the open batch is poisoned";
  EXPECT_EQ(rtmd_sqlw_flush(w_, OnDone, &d), 2u);
  EXPECT_EQ(rtmd_sqlw_flush(w_, OnDone, &d), 3u);  // empty, after the poisoned one
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 3; }));
  std::vector<std::pair<uint64_t, bool>> want = {{1, true}, {2, false}, {3, false}};
  EXPECT_EQ(d.calls, want);
  EXPECT_TRUE(Stats().halted);
  std::map<uint64_t, int64_t> want_rows = {{1, 1}};
  EXPECT_EQ(Db(path_).RowsPerBatch(), want_rows) << "a statement of the poisoned batch ran";
  EXPECT_EQ(rtmd_sqlw_resume(w_), 0);
  ASSERT_EQ(QueueRow(w_, 4, 0), 0);
  EXPECT_EQ(rtmd_sqlw_sync(w_), 0);
}

// Rule: commits counts transactions that committed, not a rollback.
TEST_F(SqliteWriter, CommitsCountOnlyTransactionsThatCommitted) {
  ASSERT_TRUE(Open()) << err_;
  ASSERT_EQ(QueueU(w_, "k", 1), 0);
  ASSERT_EQ(rtmd_sqlw_sync(w_), 0);
  ASSERT_EQ(QueueU(w_, "k", 2), 0);  // fails: the transaction has nothing to commit
  ASSERT_EQ(rtmd_sqlw_sync(w_), -1);
  struct rtmd_sqlw_stats st = Stats();
  EXPECT_EQ(st.commits, 1u);
  EXPECT_EQ(st.commit_us_count, 1u);
  EXPECT_EQ(st.batches_committed, 1u);
  EXPECT_EQ(st.batches_failed, 1u);
}

TEST_F(SqliteWriter, DiskFullLosesItsTransactionHaltsAndTheWriterResumesOnceThereIsRoom) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  ASSERT_EQ(rtmd_sqlw_exec(w_, kNoRoom, nullptr, 0), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 1: the database may not grow
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 1; }));

  // 3 and 4 share a transaction (the writer waits with 2 on another
  // connection's lock while they are flushed); 4 needs pages, 3 does not.
  // SQLite answers SQLITE_FULL by rolling the transaction back: 3 is lost
  // with 4.
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  ASSERT_EQ(QueueU(w_, "first", 1), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 2
  RunFor(30);
  ASSERT_EQ(QueueU(w_, "small", 2), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 3
  for (uint64_t i = 0; i < 50; i++) ASSERT_EQ(QueueRow(w_, 4, i, 1000), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 4
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 4; }));
  EXPECT_EQ(d.calls[1], std::make_pair(uint64_t{2}, true)) << "fits in the pages there are";
  EXPECT_EQ(d.calls[2], std::make_pair(uint64_t{3}, false));
  EXPECT_EQ(d.calls[3], std::make_pair(uint64_t{4}, false));
  EXPECT_TRUE(Stats().halted);
  EXPECT_EQ(rtmd_sqlw_exec(w_, kRoom, nullptr, 0), -1) << "exec while halted";

  // Resumed, still full: another big one fails on its own and halts again.
  EXPECT_EQ(rtmd_sqlw_resume(w_), 0);
  for (uint64_t i = 0; i < 50; i++) ASSERT_EQ(QueueRow(w_, 5, i, 1000), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 5
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 5; }));
  EXPECT_EQ(d.calls[4], std::make_pair(uint64_t{5}, false));
  // Room comes back.
  EXPECT_EQ(rtmd_sqlw_resume(w_), 0);
  ASSERT_EQ(rtmd_sqlw_exec(w_, kRoom, nullptr, 0), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 6
  for (uint64_t i = 0; i < 50; i++) ASSERT_EQ(QueueRow(w_, 7, i, 1000), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);  // 7
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 7; }));
  EXPECT_EQ(d.calls[5], std::make_pair(uint64_t{6}, true));
  EXPECT_EQ(d.calls[6], std::make_pair(uint64_t{7}, true));

  struct rtmd_sqlw_stats st = Stats();
  EXPECT_EQ(st.batches_failed, 3u);
  EXPECT_EQ(st.failures, 2u) << "two halts";
  EXPECT_FALSE(st.broken);
  EXPECT_FALSE(st.halted);
  Db db(path_);
  std::map<uint64_t, int64_t> want_rows = {{7, 50}};
  EXPECT_EQ(db.RowsPerBatch(), want_rows);
  EXPECT_EQ(db.Str("SELECT group_concat(k) FROM u"), "first");
}

// Rule: a file moved or deleted under the writer halts it for good (SQLite
// does not say so in WAL mode: commits would go to an inode no restart
// opens).
TEST_F(SqliteWriter, MovedOrDeletedFileHaltsTheWriterForGood) {
  for (bool remove : {false, true}) {
    SCOPED_TRACE(remove ? "deleted" : "moved");
    path_ = dir_ + (remove ? "/deleted.db" : "/moved.db");
    ASSERT_TRUE(Open(MakeConfig(path_))) << err_;
    Done d;
    ASSERT_EQ(QueueRow(w_, 1, 0), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
    ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 1; }));
    std::string elsewhere = path_ + ".elsewhere";
    if (remove)
      ASSERT_EQ(unlink(path_.c_str()), 0);
    else
      ASSERT_EQ(rename(path_.c_str(), elsewhere.c_str()), 0);
    ASSERT_EQ(QueueRow(w_, 2, 0), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
    ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 2; }));
    EXPECT_EQ(d.calls[1], std::make_pair(uint64_t{2}, false));
    struct rtmd_sqlw_stats st = Stats();
    EXPECT_TRUE(st.broken);
    EXPECT_TRUE(st.halted);
    EXPECT_EQ(rtmd_sqlw_resume(w_), -1);
    EXPECT_EQ(QueueRow(w_, 3, 0), -1);
    Close();
    if (!remove) {
      // SQLite does not checkpoint a moved file as it closes: its WAL stays
      // under the old name. Moved back, it holds 1 and not 2.
      ASSERT_EQ(rename(elsewhere.c_str(), path_.c_str()), 0);
      std::map<uint64_t, int64_t> want_rows = {{1, 1}};
      EXPECT_EQ(Db(path_).RowsPerBatch(), want_rows);
    }
  }
}

// Rule: BUSY at BEGIN IMMEDIATE (nothing written yet) is waited out, with
// a backoff, and the group keeps its batches.
TEST_F(SqliteWriter, BusyDatabaseAtBeginIsTriedAgainAndTheGroupKeepsItsBatches) {
  rtmd_sqlw_config cfg = MakeConfig(path_);
  cfg.busy_timeout_ms = 20;
  ASSERT_TRUE(Open(cfg)) << err_;
  Done d;
  testing::internal::CaptureStderr();
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  for (uint64_t n = 1; n <= 5; n++) {
    ASSERT_EQ(QueueRow(w_, n, 0), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
    RunFor(40);  // each busy timeout (20 ms) passes with batches waiting
  }
  RunFor(100);
  EXPECT_TRUE(d.calls.empty()) << "a batch completed under another connection's lock";
  EXPECT_GE(Stats().busy_retries, 3u);
  EXPECT_FALSE(Stats().halted);
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 5; }));
  std::string log = testing::internal::GetCapturedStderr();
  for (uint64_t n = 1; n <= 5; n++) EXPECT_EQ(d.calls[n - 1], std::make_pair(n, true));
  struct rtmd_sqlw_stats st = Stats();
  EXPECT_EQ(st.batches_failed, 0u);
  EXPECT_EQ(st.failures, 0u);
  EXPECT_EQ(Db(path_).RowsPerBatch().size(), 5u);
  // Tried again and again, logged once (one line a second at most), and
  // once when it worked.
  EXPECT_EQ(Count(log, "the database is busy"), 1u) << log;
  EXPECT_EQ(Count(log, "the database is free again"), 1u) << log;
}

// Rule: once close has begun, a busy database fails the group (after one
// busy timeout) rather than being waited out for ever.
TEST_F(SqliteWriter, CloseDoesNotWaitOutABusyDatabase) {
  rtmd_sqlw_config cfg = MakeConfig(path_);
  cfg.busy_timeout_ms = 20;
  ASSERT_TRUE(Open(cfg)) << err_;
  Done d;
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  ASSERT_EQ(QueueRow(w_, 1, 0), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);
  RunFor(100);  // tried again and again
  auto t0 = Clock::now();
  Close();
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(2));
  std::vector<std::pair<uint64_t, bool>> want = {{1, false}};
  EXPECT_EQ(d.calls, want);
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
}

// Rule: at most RTMD_SQLW_GROUP_MAX_STATEMENTS statements per transaction;
// one batch bigger than that still goes, alone.
TEST_F(SqliteWriter, GroupIsBoundedInStatements) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  const uint64_t kPer = RTMD_SQLW_GROUP_MAX_STATEMENTS * 2 / 5;  // 4000
  for (uint64_t n = 1; n <= 4; n++) {
    for (uint64_t i = 0; i < kPer; i++) ASSERT_EQ(QueueRow(w_, n, i, 0), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
  }
  for (uint64_t i = 0; i <= RTMD_SQLW_GROUP_MAX_STATEMENTS; i++)
    ASSERT_EQ(QueueRow(w_, 5, i, 0), 0);
  rtmd_sqlw_flush(w_, OnDone, &d);
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 5; }, 60000));
  for (uint64_t n = 1; n <= 5; n++) EXPECT_EQ(d.calls[n - 1], std::make_pair(n, true));
  struct rtmd_sqlw_stats st = Stats();
  // [1] or [1, 2], then pairs: never three of 4000 in one transaction.
  EXPECT_GE(st.commits, 3u);
  EXPECT_EQ(st.last_commit_statements, RTMD_SQLW_GROUP_MAX_STATEMENTS + 1) << "5 alone";
  EXPECT_EQ(st.statements_committed, 4 * kPer + RTMD_SQLW_GROUP_MAX_STATEMENTS + 1);
}

// Rule: at most RTMD_SQLW_GROUP_MAX_BYTES bytes of arguments per
// transaction.
TEST_F(SqliteWriter, GroupIsBoundedInBytes) {
  ASSERT_TRUE(Open()) << err_;
  Done d;
  Db holder(path_, SQLITE_OPEN_READWRITE);
  ASSERT_EQ(holder.Exec("BEGIN IMMEDIATE"), SQLITE_OK);
  const size_t kBlob = RTMD_SQLW_GROUP_MAX_BYTES * 3 / 8;  // 6 MiB: two fit, three do not
  for (uint64_t n = 1; n <= 4; n++) {
    ASSERT_EQ(QueueRow(w_, n, 0, kBlob), 0);
    rtmd_sqlw_flush(w_, OnDone, &d);
  }
  ASSERT_EQ(holder.Exec("ROLLBACK"), SQLITE_OK);
  ASSERT_TRUE(RunUntil([&] { return d.calls.size() == 4; }, 60000));
  for (uint64_t n = 1; n <= 4; n++) EXPECT_EQ(d.calls[n - 1], std::make_pair(n, true));
  struct rtmd_sqlw_stats st = Stats();
  EXPECT_EQ(st.max_commit_statements, 2u);
  EXPECT_GE(st.commits, 2u);
}

// ---- query and stats ---------------------------------------------------

TEST_F(SqliteWriter, QueryIsRefusedWhileWritesAreQueuedOrInFlight) {
  ASSERT_TRUE(Open()) << err_;
  int rows = 0;
  auto count = [](const rtmd_sqlw_arg*, size_t, void* closure) -> int {
    ++*static_cast<int*>(closure);
    return 0;
  };
  const char* sql = "SELECT * FROM t";
  ASSERT_EQ(rtmd_sqlw_query(w_, sql, nullptr, 0, count, &rows), 0);
  ASSERT_EQ(QueueRow(w_, 1, 0), 0);
  EXPECT_EQ(rtmd_sqlw_query(w_, sql, nullptr, 0, count, &rows), -1) << "queued";
  rtmd_sqlw_flush(w_, nullptr, nullptr);
  EXPECT_EQ(rtmd_sqlw_query(w_, sql, nullptr, 0, count, &rows), -1) << "in flight";
  ASSERT_EQ(rtmd_sqlw_sync(w_), 0);
  EXPECT_EQ(rtmd_sqlw_query(w_, sql, nullptr, 0, count, &rows), 0);
  EXPECT_EQ(rows, 1);
}

TEST_F(SqliteWriter, QueryBindsArgumentsAndReturnsEveryColumnType) {
  ASSERT_TRUE(Open()) << err_;
  std::string blob("\x00\x01", 2);
  rtmd_sqlw_arg args[4] = {rtmd_sqlw_int(-5), rtmd_sqlw_int(9), rtmd_sqlw_text("hé", 3),
                           rtmd_sqlw_blob(blob.data(), 2)};
  ASSERT_EQ(rtmd_sqlw_exec(w_, kInsertT, args, 4), 0);
  ASSERT_EQ(rtmd_sqlw_sync(w_), 0);
  struct Row {
    std::vector<rtmd_sqlw_type> types;
    int64_t i = 0;
    double r = 0;
    std::string txt, blob;
    int rows = 0;
  } row;
  auto fn = [](const rtmd_sqlw_arg* c, size_t n, void* closure) -> int {
    auto* r = static_cast<Row*>(closure);
    r->rows++;
    for (size_t k = 0; k < n; k++) r->types.push_back(c[k].type);
    if (n != 5) return -1;
    r->i = c[0].v.i;
    r->r = c[1].v.r;
    r->txt.assign(static_cast<const char*>(c[2].v.bytes.p), c[2].v.bytes.len);
    r->blob.assign(static_cast<const char*>(c[3].v.bytes.p), c[3].v.bytes.len);
    return 0;
  };
  rtmd_sqlw_arg q[1] = {rtmd_sqlw_int(9)};
  ASSERT_EQ(rtmd_sqlw_query(w_, "SELECT batch, batch * 0.5, txt, data, NULL FROM t WHERE i = ?",
                            q, 1, fn, &row),
            0);
  EXPECT_EQ(row.rows, 1);
  std::vector<rtmd_sqlw_type> want = {RTMD_SQLW_INT, RTMD_SQLW_REAL, RTMD_SQLW_TEXT,
                                      RTMD_SQLW_BLOB, RTMD_SQLW_NULL};
  EXPECT_EQ(row.types, want);
  EXPECT_EQ(row.i, -5);
  EXPECT_EQ(row.r, -2.5);
  EXPECT_EQ(row.txt, "hé");
  EXPECT_EQ(row.blob, blob);
  // A row function that stops makes the query fail; a bad query fails.
  auto stop = [](const rtmd_sqlw_arg*, size_t, void*) -> int { return 1; };
  EXPECT_EQ(rtmd_sqlw_query(w_, "SELECT 1", nullptr, 0, stop, nullptr), -1);
  EXPECT_EQ(rtmd_sqlw_query(w_, "SELECT nope FROM t", nullptr, 0, fn, &row), -1);
  EXPECT_EQ(rtmd_sqlw_query(w_, "SELECT ?", nullptr, 0, fn, &row), -1) << "argument missing";
}

// Rule: query checks its arguments as exec does (a length with no bytes
// behind it was read past: ASan's global-buffer-overflow).
TEST_F(SqliteWriter, QueryChecksItsArgumentsAsExecDoes) {
  ASSERT_TRUE(Open()) << err_;
  int64_t len = -1;
  auto fn = [](const rtmd_sqlw_arg* c, size_t n, void* closure) -> int {
    if (n == 1 && c[0].type == RTMD_SQLW_INT) *static_cast<int64_t*>(closure) = c[0].v.i;
    return 0;
  };
  // The concatenation copies the bytes (memcpy: ASan sees the read).
  const char* sql = "SELECT length(CAST(? || '' AS BLOB))";
  rtmd_sqlw_arg bad[] = {rtmd_sqlw_text(nullptr, 5), rtmd_sqlw_blob(nullptr, 1),
                         rtmd_sqlw_text("x", (size_t)INT_MAX + 1), rtmd_sqlw_null()};
  bad[3].type = static_cast<rtmd_sqlw_type>(42);
  for (const rtmd_sqlw_arg& a : bad) {
    EXPECT_EQ(rtmd_sqlw_query(w_, sql, &a, 1, fn, &len), -1) << "type " << a.type;
    EXPECT_EQ(len, -1) << "a row came back";
  }
  EXPECT_EQ(rtmd_sqlw_query(w_, sql, nullptr, 1, fn, &len), -1) << "no arguments array";
  rtmd_sqlw_arg empty = rtmd_sqlw_text(nullptr, 0);
  EXPECT_EQ(rtmd_sqlw_query(w_, sql, &empty, 1, fn, &len), 0);
  EXPECT_EQ(len, 0);
}

TEST_F(SqliteWriter, StatsCountQueuedStatementsCommitsAndBytesOnDisk) {
  ASSERT_TRUE(Open()) << err_;
  struct rtmd_sqlw_stats st = Stats();
  EXPECT_EQ(st.commits, 0u);
  EXPECT_GT(st.bytes_on_disk, 0u);
  for (uint64_t i = 0; i < 3; i++) ASSERT_EQ(QueueRow(w_, 1, i, 10000), 0);
  EXPECT_EQ(Stats().queued_statements, 3u);
  ASSERT_EQ(rtmd_sqlw_sync(w_), 0);
  st = Stats();
  EXPECT_EQ(st.queued_statements, 0u);
  EXPECT_EQ(st.batches_committed, 1u);
  EXPECT_EQ(st.statements_committed, 3u);
  EXPECT_EQ(st.commits, 1u);
  EXPECT_EQ(st.last_commit_statements, 3u);
  EXPECT_EQ(st.max_commit_statements, 3u);
  EXPECT_EQ(st.commit_us_count, 1u);
  EXPECT_GE(st.bytes_on_disk, 30000u);
  EXPECT_EQ(st.failures, 0u);
  EXPECT_EQ(st.busy_retries, 0u);
  EXPECT_FALSE(st.halted);
}

// ---- the offline check -------------------------------------------------

TEST_F(SqliteWriter, CheckReportsASoundFileAsSound) {
  MakeDatabase(2, 100);
  char report[512];
  EXPECT_EQ(rtmd_sqlw_check(path_.c_str(), 2, report, sizeof report), 0) << report;
  EXPECT_NE(std::string(report).find("ok (schema 2"), std::string::npos) << report;
}

TEST_F(SqliteWriter, CheckReportsACorruptFileAsNotSound) {
  MakeDatabase(2, 300, 200);
  CorruptPage(path_, 3);
  char report[512];
  EXPECT_EQ(rtmd_sqlw_check(path_.c_str(), 2, report, sizeof report), 1) << report;
  EXPECT_NE(std::string(report).find("corrupt"), std::string::npos) << report;
  WriteFile(path_, RandomBytes(8192, 3));
  EXPECT_EQ(rtmd_sqlw_check(path_.c_str(), 2, report, sizeof report), 1) << report;
  EXPECT_NE(std::string(report).find("not an SQLite database"), std::string::npos) << report;
}

TEST_F(SqliteWriter, CheckReportsAnotherSchemaVersionAsNotSound) {
  MakeDatabase(3, 1);
  char report[512];
  EXPECT_EQ(rtmd_sqlw_check(path_.c_str(), 2, report, sizeof report), 1) << report;
  EXPECT_NE(std::string(report).find("newer rtmd: schema 3, this rtmd knows 2"),
            std::string::npos)
      << report;
}

TEST_F(SqliteWriter, CheckCannotOpenAMissingFileOrADirectory) {
  char report[512];
  EXPECT_EQ(rtmd_sqlw_check((dir_ + "/missing.db").c_str(), 2, report, sizeof report), 2);
  EXPECT_NE(std::string(report).find("No such file"), std::string::npos) << report;
  EXPECT_EQ(rtmd_sqlw_check(dir_.c_str(), 2, report, sizeof report), 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/missing.db")) << "the check created it";
}

// ---- a measurement, not a test (run with --gtest_also_run_disabled_tests)

struct Load {
  rtmd_sqlw* w;
  uint64_t per_batch;
  uint64_t next = 1;
  uint64_t done = 0;
  bool failed = false;
  Clock::time_point until;
};

void LoadQueue(Load* l);

void LoadDone(uint64_t, bool ok, void* closure) {
  auto* l = static_cast<Load*>(closure);
  l->done++;
  if (!ok) l->failed = true;
  if (Clock::now() < l->until) LoadQueue(l);
}

void LoadQueue(Load* l) {
  uint64_t n = l->next++;
  for (uint64_t i = 0; i < l->per_batch; i++) QueueRow(l->w, n, i, 32);
  rtmd_sqlw_flush(l->w, LoadDone, l);
}

TEST_F(SqliteWriter, DISABLED_MeasureStatementsPerSecond) {
  struct Case {
    rtmd_sqlw_fsync fsync;
    uint64_t per_batch, in_flight;
  };
  const Case cases[] = {
      {RTMD_SQLW_FSYNC_NORMAL, 1, 1}, {RTMD_SQLW_FSYNC_NORMAL, 100, 1},
      {RTMD_SQLW_FSYNC_NORMAL, 1, 256}, {RTMD_SQLW_FSYNC_FULL, 1, 1},
      {RTMD_SQLW_FSYNC_FULL, 100, 1}, {RTMD_SQLW_FSYNC_FULL, 1, 256},
  };
  int k = 0;
  for (const Case& c : cases) {
    std::string path = dir_ + "/m" + std::to_string(k++) + ".db";
    ASSERT_TRUE(Open(MakeConfig(path, 2, c.fsync))) << err_;
    Load l{w_, c.per_batch};
    auto t0 = Clock::now();
    l.until = t0 + std::chrono::seconds(2);
    for (uint64_t i = 0; i < c.in_flight; i++) LoadQueue(&l);
    ASSERT_TRUE(RunUntil([&] { return l.done + 1 == l.next; }, 30000));
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    struct rtmd_sqlw_stats st = Stats();
    EXPECT_FALSE(l.failed);
    printf("fsync %-6s %3llu stmt/batch %3llu in flight: %8.0f stmt/s %7.0f batch/s, "
           "%6llu commits, %5.1f batches/commit, commit %.0f us avg %llu us max\n",
           c.fsync == RTMD_SQLW_FSYNC_FULL ? "full" : "normal",
           (unsigned long long)c.per_batch, (unsigned long long)c.in_flight,
           (double)st.statements_committed / s, (double)st.batches_committed / s,
           (unsigned long long)st.commits,
           st.commits ? (double)st.batches_committed / (double)st.commits : 0.0,
           st.commit_us_count ? (double)st.commit_us_sum / (double)st.commit_us_count : 0.0,
           (unsigned long long)st.commit_us_max);
    Close();
  }
}

}  // namespace
