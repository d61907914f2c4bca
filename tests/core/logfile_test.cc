// logfile_test.cc: the library's log files (setLogFile, setLogFileSize):
// lines appended, rotation at the size into PATH.1 .. PATH.4, nothing lost
// or reordered across files; and the C API's checks.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

extern "C" {
#include "logfile.h"
}
#include "rtm/rtm.h"

namespace {

std::vector<std::string> Lines(const std::string &path)
{
    std::vector<std::string> v;
    std::ifstream f(path);
    for (std::string l; std::getline(f, l);)
        v.push_back(l);
    return v;
}

long Size(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 ? static_cast<long>(st.st_size) : -1;
}

std::string TempPath(const char *name)
{
    std::string p = testing::TempDir() + "rtm_logfile_" + std::to_string(getpid()) + "_" + name;
    for (int i = 0; i <= RTM__LOGFILE_KEEP + 1; i++)
        unlink((i ? p + "." + std::to_string(i) : p).c_str());
    return p;
}

// Lines get a UTC time and a level; a file is appended to, not truncated.
TEST(LogFile, LinesAreStampedAndAppended)
{
    std::string path = TempPath("append.log");
    rtm__logfile *lf = rtm__logfile_new();
    ASSERT_EQ(0, rtm__logfile_open(lf, path.c_str()));
    rtm__logfile_write(lf, RTM_LOG_INFO, "one");
    rtm__logfile_free(lf);
    lf = rtm__logfile_new();
    ASSERT_EQ(0, rtm__logfile_open(lf, path.c_str()));
    rtm__logfile_write(lf, RTM_LOG_WARNING, "two");
    rtm__logfile_free(lf);
    std::vector<std::string> l = Lines(path);
    ASSERT_EQ(2u, l.size());
    // 2026-11-26T01:02:03.456Z INFO  one
    EXPECT_EQ(23u, l[0].find("Z INFO  one")) << l[0];
    EXPECT_EQ('T', l[0][10]);
    EXPECT_NE(std::string::npos, l[1].find("Z WARN  two")) << l[1];
}

// Past the size the file moves to PATH.1 (and so on); at most PATH.4 is
// kept, each file stays within the size, and reading PATH.4 .. PATH gives
// the newest lines in order.
TEST(LogFile, RotatesAtTheSizeKeepingFourOldFiles)
{
    std::string path = TempPath("rotate.log");
    rtm__logfile *lf = rtm__logfile_new();
    rtm__logfile_set_kb(lf, 1);
    ASSERT_EQ(0, rtm__logfile_open(lf, path.c_str()));
    const int n = 200;
    for (int i = 0; i < n; i++)
        rtm__logfile_write(lf, RTM_LOG_INFO, ("line " + std::to_string(i) +
                                              std::string(40, '.')).c_str());
    rtm__logfile_free(lf);
    std::vector<std::string> all;
    for (int i = RTM__LOGFILE_KEEP; i >= 0; i--) {
        std::string p = i ? path + "." + std::to_string(i) : path;
        ASSERT_GE(Size(p), 0) << p;
        EXPECT_LE(Size(p), 1024) << p;
        for (auto &l : Lines(p))
            all.push_back(l);
    }
    EXPECT_EQ(-1, Size(path + "." + std::to_string(RTM__LOGFILE_KEEP + 1)));
    ASSERT_FALSE(all.empty());
    // The last lines written, in order, none missing in between.
    int first = std::stoi(all.front().substr(all.front().find("line ") + 5));
    for (size_t i = 0; i < all.size(); i++)
        EXPECT_NE(std::string::npos,
                  all[i].find("line " + std::to_string(first + static_cast<int>(i)) + "."))
            << all[i];
    EXPECT_EQ(n - 1, first + static_cast<int>(all.size()) - 1);
}

// The C API: a client logs to the file it is given, with the filter
// applied; bad arguments are RTM_EINVAL, a path that cannot be opened
// RTM_ESYSTEM.
TEST(LogFile, ClientApi)
{
    rtm_config cfg;
    rtm_config_init(&cfg);
    cfg.app_id = "app";
    cfg.parameters = "{\"rtm.server\":\"127.0.0.1:1\"}";
    rtm_client *c = nullptr;
    ASSERT_EQ(RTM_OK, rtm_client_create(&cfg, &c));
    std::string path = TempPath("client.log");
    EXPECT_EQ(RTM_ESYSTEM, rtm_set_log_file(c, "/nonexistent-dir/x.log"));
    EXPECT_EQ(RTM_OK, rtm_set_log_file(c, path.c_str()));
    EXPECT_EQ(RTM_EINVAL, rtm_set_log_filter(c, 0x07));
    EXPECT_EQ(RTM_EINVAL, rtm_set_log_file_size(c, RTM__LOGFILE_KB_MIN - 1));
    EXPECT_EQ(RTM_EINVAL, rtm_set_log_file_size(c, RTM__LOGFILE_KB_MAX + 1));
    EXPECT_EQ(RTM_OK, rtm_set_log_file_size(c, RTM__LOGFILE_KB_MIN));
    EXPECT_EQ(RTM_OK, rtm_set_log_filter(c, RTM_LOG_FILTER_WARNING));
    rtm_client_set_parameters(c, "{\"bad\":1}"); // an ERROR line
    EXPECT_EQ(RTM_OK, rtm_set_log_filter(c, RTM_LOG_FILTER_OFF));
    rtm_client_set_parameters(c, "{\"worse\":1}"); // filtered out
    rtm_client_destroy(c);
    std::vector<std::string> l = Lines(path);
    ASSERT_EQ(2u, l.size());
    EXPECT_NE(std::string::npos, l[0].find("INFO  rtm client")) << l[0];
    EXPECT_NE(std::string::npos, l[0].find("logging to " + path)) << l[0];
    EXPECT_NE(std::string::npos, l[1].find("ERROR")) << l[1];
    EXPECT_NE(std::string::npos, l[1].find("\"bad\"")) << l[1];
}

} // namespace
