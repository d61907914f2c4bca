/*
 * fuzz_cli_cmd.c: libFuzzer target for the CLI's command parser
 * (native/cli/cmd.h), which reads lines a user or a script types.
 *
 * The input, cut at its first NUL, is one line. A successful parse must
 * leave every string it returns inside the line (the parser works in place)
 * and its counts consistent; success or not, cli_cmd_free releases it all.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz__inside(const char *s, const char *line, size_t len)
{
    if (s == NULL)
        return;
    if (s < line || s > line + len)
        abort();
    /* The string ends within the line's buffer. */
    if (strlen(s) > (size_t)(line + len - s))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    line[size] = '\0';
    size_t len = strlen(line);

    cli_cmd cmd;
    memset(&cmd, 0, sizeof cmd);
    const char *error = NULL;
    if (cli_cmd_parse(line, &cmd, &error) == 0) {
        if (cmd.kind != CLI_CMD_NONE && cmd.word == NULL)
            abort();
        fuzz__inside(cmd.arg, line, len);
        fuzz__inside(cmd.text, line, len);
        if (cmd.count > 0 && cmd.keys == NULL)
            abort();
        for (size_t i = 0; i < cmd.count; i++) {
            if (cmd.keys[i] == NULL || cmd.keys[i][0] == '\0')
                abort();
            fuzz__inside(cmd.keys[i], line, len);
            if (cmd.values)
                fuzz__inside(cmd.values[i], line, len);
        }
        if (cmd.kind == CLI_CMD_SLEEP && (cmd.ms < 0 || cmd.ms > CLI_SLEEP_MAX_MS))
            abort();
    } else if (error == NULL) {
        abort();
    }
    cli_cmd_free(&cmd);
    free(line);
    return 0;
}
