/* fp_command.c: one control line -> one command. */
#include "fp_command.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *word;
    fp_command_kind kind;
} fp__commands[] = {
    { "pass", FP_CMD_PASS },     { "silent", FP_CMD_SILENT }, { "delay", FP_CMD_DELAY },
    { "reset", FP_CMD_RESET },   { "close", FP_CMD_CLOSE },   { "refuse", FP_CMD_REFUSE },
    { "accept", FP_CMD_ACCEPT }, { "status", FP_CMD_STATUS }, { "help", FP_CMD_HELP },
};

static int fp__blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* The next blank-separated word of *p: its start and length; *p moves past it. */
static size_t fp__word(const char **p, const char **start)
{
    const char *s = *p;
    while (fp__blank(*s))
        s++;
    *start = s;
    while (*s && !fp__blank(*s))
        s++;
    *p = s;
    return (size_t)(s - *start);
}

int fp_command_parse(const char *line, fp_command *out, char *err, size_t errsize)
{
    const char *p = line, *w, *arg;
    size_t n = fp__word(&p, &w);
    if (n == 0) {
        snprintf(err, errsize, "empty command; commands: %s", FP_COMMAND_LIST);
        return -1;
    }
    size_t k, count = sizeof fp__commands / sizeof fp__commands[0];
    for (k = 0; k < count; k++)
        if (strlen(fp__commands[k].word) == n && memcmp(fp__commands[k].word, w, n) == 0)
            break;
    if (k == count) {
        snprintf(err, errsize, "unknown command '%.*s'; commands: %s",
                 (int)(n > 64 ? 64 : n), w, FP_COMMAND_LIST);
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->kind = fp__commands[k].kind;

    size_t argn = fp__word(&p, &arg);
    if (out->kind == FP_CMD_DELAY) {
        char digits[16];
        unsigned long v = 0;
        int ok = argn > 0 && argn < sizeof digits;
        for (size_t i = 0; ok && i < argn; i++)
            ok = arg[i] >= '0' && arg[i] <= '9';
        if (ok) {
            memcpy(digits, arg, argn);
            digits[argn] = '\0';
            v = strtoul(digits, NULL, 10);
            ok = v <= FP_DELAY_MAX_MS;
        }
        if (!ok) {
            snprintf(err, errsize, "delay: expected milliseconds from 0 to %u",
                     FP_DELAY_MAX_MS);
            return -1;
        }
        out->delay_ms = (uint32_t)v;
        argn = fp__word(&p, &arg);
    }
    if (argn != 0) {
        snprintf(err, errsize, "%s: unexpected argument '%.*s'", fp__commands[k].word,
                 (int)(argn > 64 ? 64 : argn), arg);
        return -1;
    }
    return 0;
}

int fp_command_is_setting(fp_command_kind kind)
{
    switch (kind) {
    case FP_CMD_PASS:
    case FP_CMD_SILENT:
    case FP_CMD_DELAY:
    case FP_CMD_REFUSE:
    case FP_CMD_ACCEPT:
        return 1;
    default:
        return 0;
    }
}
