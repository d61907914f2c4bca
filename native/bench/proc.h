/*
 * proc.h: the processes rtm-bench starts (servers, its own idle workers) and
 * what it reads about them from /proc.
 */
#ifndef RTM_BENCH_PROC_H
#define RTM_BENCH_PROC_H

#include <stdint.h>
#include <sys/types.h>

/* Starts argv[0] (a path) with argv, stdout and stderr appended to
 * log_path (NULL: inherited). Returns its pid, or -1 with a message. */
pid_t bench_spawn(char *const argv[], const char *log_path);

/* Starts argv[0] with argv, its stdin and stdout pipes to this process:
 * *to_child writes to its stdin, *from_child reads its stdout (both
 * close-on-exec here); stderr is inherited. Returns its pid, or -1. */
pid_t bench_spawn_piped(char *const argv[], int *to_child, int *from_child);

/* Waits until 127.0.0.1:port accepts a TCP connection, or pid exited, or
 * timeout_ms passed. 0 when it accepts, -1 otherwise (with a message). */
int bench_wait_port(int port, pid_t pid, int timeout_ms);

/* SIGTERM, then SIGKILL after 5 s; reaps it. */
void bench_stop(pid_t pid);

/*
 * The server half every driver shares (bench.h): starts argv, its output
 * appended to log_path, and returns once 127.0.0.1:port accepts; `name`
 * is for the message when it does not. 0, or -1 (with a message).
 */
struct bench_server;
int bench_server_spawn(char *const argv[], const char *log_path, int port,
                       const char *name, struct bench_server **out);
void bench_server_stop(struct bench_server *server);
pid_t bench_server_pid(const struct bench_server *server);
/* The port it was started on. */
int bench_server_port(const struct bench_server *server);

/* Makes `companion` (another server process of the same system, e.g. a
 * second node or its database) part of `server`: bench_server_stop stops
 * it after the server, companions in the order attached, before it removes
 * the server's directory. */
void bench_server_attach(struct bench_server *server, struct bench_server *companion);

/* Makes `dir` (a scratch directory the server writes, e.g. its data) the
 * server's: bench_server_stop removes it, with everything in it, once the
 * process is gone. 0, or -1 (out of memory; nothing changed). */
int bench_server_own_dir(struct bench_server *server, const char *dir);

/* rm -rf path: 0 when it is gone (or was never there), -1 otherwise. */
int bench_remove_tree(const char *path);

/* A free TCP port on 127.0.0.1, below the ephemeral range, or -1. */
int bench_free_port(void);

/* Resident set size in bytes (VmRSS), or -1. pid 0: this process. */
int64_t bench_rss(pid_t pid);

/* User plus system CPU time in ns (utime + stime, all threads), or -1. */
int64_t bench_cpu_ns(pid_t pid);

/* Number of threads (Threads: in status), or -1. */
int bench_threads(pid_t pid);

/* CLOCK_MONOTONIC in ns. */
int64_t bench_now_ns(void);

/* Sleeps ms milliseconds, through signals. */
void bench_sleep_ms(int ms);

/* Raises RLIMIT_NOFILE's soft limit to the hard one; returns the limit. */
long bench_raise_nofile(void);

#endif
