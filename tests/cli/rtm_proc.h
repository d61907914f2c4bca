// rtm_proc.h: runs the `rtm` command-line client as a child process with
// pipes on its stdin and stdout, and reads its JSON lines (docs/CLI.md).
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <cjson/cJSON.h>

namespace rtmcli {

struct JsonDeleter {
    void operator()(cJSON *j) const { cJSON_Delete(j); }
};
using Json = std::unique_ptr<cJSON, JsonDeleter>;

// One stdout line and its parse (null when the line is not a JSON object).
struct Line {
    std::string raw;
    Json json;

    std::string event() const { return str("event"); }
    std::string str(const char *key) const;  // "" when absent or not a string
    double num(const char *key) const;       // -1 when absent or not a number
    bool has(const char *key) const;
};

using Pred = std::function<bool(const Line &)>;

class RtmProc {
public:
    // Starts RTM_CLI_PATH with args (without argv[0]).
    explicit RtmProc(std::vector<std::string> args);
    ~RtmProc();  // kills the process if it still runs
    RtmProc(const RtmProc &) = delete;
    RtmProc &operator=(const RtmProc &) = delete;

    // Writes one command line (a newline is added).
    void send(const std::string &line);
    // Closes stdin: end of input.
    void closeInput();

    // Waits for the first line after the cursor that matches pred, moves the
    // cursor past it and returns it; nullptr after timeout_ms (the cursor
    // stays). Lines are kept, so ordered expectations are a chain of next().
    const Line *next(const Pred &pred, int timeout_ms = 15000);
    // Same, from the first line on, without moving the cursor.
    const Line *find(const Pred &pred, int timeout_ms = 15000);
    // Same, from line index `from` on (a cursor() taken earlier): for a line
    // whose order among the lines after that point is not fixed.
    const Line *findFrom(size_t from, const Pred &pred, int timeout_ms = 15000);
    // Reads what arrives during ms (to check that something does NOT come).
    void settle(int ms);

    // Reads to end of output and waits for the exit; the exit status, or -1
    // after timeout_ms (the process is then killed), or 128+signal.
    int waitExit(int timeout_ms = 20000);

    const std::vector<Line> &lines() const { return lines_; }
    size_t cursor() const { return cursor_; }
    // All lines, for failure messages.
    std::string transcript() const;
    // Lines that were not JSON objects.
    std::vector<std::string> badLines() const;

private:
    // Reads one more line; false at timeout or end of output.
    bool readLine(int64_t deadline_ms);
    const Line *search(size_t from, const Pred &pred, int timeout_ms,
                       size_t *index);

    pid_t pid_ = -1;
    int in_ = -1;
    int out_ = -1;
    bool eof_ = false;
    int status_ = -1;
    std::string buf_;
    std::vector<Line> lines_;
    size_t cursor_ = 0;
    std::string name_;
};

// Matchers for next() / find().
Pred isEvent(const std::string &event);
Pred isState(const std::string &state, int state_code,
             const std::string &reason, int reason_code);
Pred isAnyState();
Pred isResult(const std::string &op);
Pred isPeerMessage(const std::string &from, const std::string &text);
Pred isChannelMessage(const std::string &channel, const std::string &from,
                      const std::string &text);
Pred isMember(const std::string &event, const std::string &channel,
              const std::string &user);

}  // namespace rtmcli
