/*
 * logfile.h: the library's log in rotating files (setLogFile,
 * setLogFileSize).
 *
 * One file, appended to, is written until the next line would take it
 * over its size; then it is renamed PATH.1 (PATH.1 to PATH.2, ... the oldest,
 * PATH.4, dropped) and a new PATH is started. So the log takes at most
 * 5 x its size on disk. Lines are "2026-11-26T01:02:03.456Z LEVEL text".
 * Safe to call from any thread.
 */
#ifndef RTM__LOGFILE_H
#define RTM__LOGFILE_H

#include <stddef.h>

#define RTM__LOGFILE_DEFAULT "agorartm.log"
#define RTM__LOGFILE_KEEP 4 /* rotated files kept: PATH.1 .. PATH.4 */
/* setLogFileSize's range and default, in KB. */
#define RTM__LOGFILE_KB_MIN 512
#define RTM__LOGFILE_KB_MAX (1024 * 1024)
#define RTM__LOGFILE_KB_DEFAULT 10240

typedef struct rtm__logfile rtm__logfile;

rtm__logfile *rtm__logfile_new(void);
void rtm__logfile_free(rtm__logfile *lf);

/* Starts writing to path (appending to what is there). 0, or -1 when it
 * cannot be opened (the previous file, if any, stays in use). */
int rtm__logfile_open(rtm__logfile *lf, const char *path);
/* The size at which the file is rotated, in KB (checked by the caller). */
void rtm__logfile_set_kb(rtm__logfile *lf, int kb);
/* Appends a line, if a file is open. level is an RTM_LOG_* value. */
void rtm__logfile_write(rtm__logfile *lf, int level, const char *line);

#endif
