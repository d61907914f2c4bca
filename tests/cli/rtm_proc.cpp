// rtm_proc.cpp: the `rtm` child process and its JSON lines.
#include "rtm_proc.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#ifndef RTM_CLI_PATH
#error "RTM_CLI_PATH must name the rtm binary"
#endif

extern char **environ;

namespace rtmcli {

static int64_t nowMs()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

std::string Line::str(const char *key) const
{
    const cJSON *v = json ? cJSON_GetObjectItemCaseSensitive(json.get(), key) : nullptr;
    return cJSON_IsString(v) ? std::string(v->valuestring) : std::string();
}

double Line::num(const char *key) const
{
    const cJSON *v = json ? cJSON_GetObjectItemCaseSensitive(json.get(), key) : nullptr;
    return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

bool Line::has(const char *key) const
{
    return json && cJSON_HasObjectItem(json.get(), key);
}

RtmProc::RtmProc(std::vector<std::string> args)
{
    signal(SIGPIPE, SIG_IGN);
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");

    std::vector<std::string> all{RTM_CLI_PATH};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char *> argv;
    for (auto &a : all)
        argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    for (auto &a : args)
        name_ += (name_.empty() ? "" : " ") + a;

    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    int rc = posix_spawn(&pid_, RTM_CLI_PATH, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        throw std::runtime_error(std::string("cannot start ") + RTM_CLI_PATH +
                                 ": " + strerror(rc));
    }
    in_ = in[1];
    out_ = out[0];
}

RtmProc::~RtmProc()
{
    closeInput();
    if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0)
        close(out_);
}

void RtmProc::send(const std::string &line)
{
    std::string l = line + "\n";
    size_t off = 0;
    while (in_ >= 0 && off < l.size()) {
        ssize_t n = write(in_, l.data() + off, l.size() - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        off += (size_t)n;
    }
}

void RtmProc::closeInput()
{
    if (in_ >= 0) {
        close(in_);
        in_ = -1;
    }
}

bool RtmProc::readLine(int64_t deadline_ms)
{
    for (;;) {
        size_t nl = buf_.find('\n');
        if (nl != std::string::npos) {
            Line l;
            l.raw = buf_.substr(0, nl);
            buf_.erase(0, nl + 1);
            cJSON *j = cJSON_Parse(l.raw.c_str());
            if (j != nullptr && !cJSON_IsObject(j)) {
                cJSON_Delete(j);
                j = nullptr;
            }
            l.json.reset(j);
            lines_.push_back(std::move(l));
            return true;
        }
        if (eof_)
            return false;
        int64_t left = deadline_ms - nowMs();
        if (left < 0)
            left = 0;
        struct pollfd p = {out_, POLLIN, 0};
        int r = poll(&p, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        char chunk[4096];
        ssize_t n = read(out_, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            eof_ = true;
            if (!buf_.empty())
                buf_ += '\n';  // a last line without newline is still a line
            continue;
        }
        buf_.append(chunk, (size_t)n);
    }
}

const Line *RtmProc::search(size_t from, const Pred &pred, int timeout_ms,
                            size_t *index)
{
    int64_t deadline = nowMs() + timeout_ms;
    for (size_t i = from;; i++) {
        while (i >= lines_.size())
            if (!readLine(deadline))
                return nullptr;
        if (lines_[i].json && pred(lines_[i])) {
            *index = i;
            return &lines_[i];
        }
    }
}

const Line *RtmProc::next(const Pred &pred, int timeout_ms)
{
    size_t i;
    const Line *l = search(cursor_, pred, timeout_ms, &i);
    if (l != nullptr)
        cursor_ = i + 1;
    return l;
}

const Line *RtmProc::find(const Pred &pred, int timeout_ms)
{
    return findFrom(0, pred, timeout_ms);
}

const Line *RtmProc::findFrom(size_t from, const Pred &pred, int timeout_ms)
{
    size_t i;
    return search(from, pred, timeout_ms, &i);
}

void RtmProc::settle(int ms)
{
    int64_t deadline = nowMs() + ms;
    while (nowMs() < deadline)
        if (!readLine(deadline) && eof_)
            break;
}

int RtmProc::waitExit(int timeout_ms)
{
    int64_t deadline = nowMs() + timeout_ms;
    while (readLine(deadline))
        ;
    if (pid_ <= 0)
        return status_;
    for (;;) {
        int st;
        pid_t r = waitpid(pid_, &st, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
            return status_;
        }
        if (nowMs() >= deadline) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
            return -1;
        }
        usleep(10000);
    }
}

std::string RtmProc::transcript() const
{
    std::string s = "rtm " + name_ + " printed:\n";
    for (size_t i = 0; i < lines_.size(); i++)
        s += (i < cursor_ ? "  = " : "  > ") + lines_[i].raw + "\n";
    return s;
}

std::vector<std::string> RtmProc::badLines() const
{
    std::vector<std::string> bad;
    for (auto &l : lines_)
        if (!l.json)
            bad.push_back(l.raw);
    return bad;
}

Pred isEvent(const std::string &event)
{
    return [=](const Line &l) { return l.event() == event; };
}

Pred isState(const std::string &state, int state_code,
             const std::string &reason, int reason_code)
{
    return [=](const Line &l) {
        return l.event() == "state" && l.str("state") == state &&
               l.num("state_code") == state_code && l.str("reason") == reason &&
               l.num("reason_code") == reason_code;
    };
}

Pred isAnyState()
{
    return isEvent("state");
}

Pred isResult(const std::string &op)
{
    return [=](const Line &l) { return l.event() == "result" && l.str("op") == op; };
}

Pred isPeerMessage(const std::string &from, const std::string &text)
{
    return [=](const Line &l) {
        return l.event() == "peer_message" && l.str("from") == from &&
               l.str("text") == text;
    };
}

Pred isChannelMessage(const std::string &channel, const std::string &from,
                      const std::string &text)
{
    return [=](const Line &l) {
        return l.event() == "channel_message" && l.str("channel") == channel &&
               l.str("from") == from && l.str("text") == text;
    };
}

Pred isMember(const std::string &event, const std::string &channel,
              const std::string &user)
{
    return [=](const Line &l) {
        return l.event() == event && l.str("channel") == channel &&
               l.str("user") == user;
    };
}

}  // namespace rtmcli
