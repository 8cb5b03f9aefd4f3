/*
 * fuzz_hcwarm_input.h: what the fuzz drivers of hcwarm's source readers share (included by
 * fuzz_hcwarm_kv.c, fuzz_hcwarm_jsonl.c and fuzz_hcwarm_resp.c, one reader format each).
 *
 * The input is a source file's bytes. It is read through struct input as hcwarm reads a
 * --from-file source (from a memfd, so the reader's own buffering and resynchronisation run),
 * and every item and malformed part is checked: items point inside the reader's buffer with
 * sane lengths, positions only move forward, a malformed part names its line, and the reader
 * ends having consumed every byte. A violation aborts.
 */
#ifndef FUZZ_HCWARM_INPUT_H
#define FUZZ_HCWARM_INPUT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hc/core.h"
#include "input.h"

static int fuzz_hcwarm_input(const uint8_t *data, size_t size, enum input_format format)
{
    int fd = memfd_create("fuzz", 0);
    if (fd < 0)
        abort();
    if (size > 0 && write(fd, data, size) != (ssize_t)size)
        abort();
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    struct input in;
    char err[1200];
    if (input_open(&in, path, format, err, sizeof(err)) != 0)
        abort();
    uint64_t last = 0;
    for (;;) {
        struct input_item it;
        int rc = input_next(&in, &it, err, sizeof(err));
        if (in.pos.offset < last || in.pos.offset > size)
            abort();
        last = in.pos.offset;
        if (rc == 0)
            break;
        if (rc == HC_ESYNTAX) {
            if (strstr(err, path) == NULL || in.item_line == 0)
                abort();
            continue;
        }
        if (rc != 1)
            abort();
        if (it.argc > 0) {
            for (int i = 0; i < it.argc; i++) {
                if (it.argvlen[i] > size || (it.argvlen[i] > 0 && it.argv[i] == NULL))
                    abort();
            }
        } else if (it.key_len == 0 || it.key == NULL || it.value == NULL ||
                   it.key_len + it.value_len > size) {
            abort();
        }
    }
    if (last != size)
        abort();
    input_close(&in);
    close(fd);
    return 0;
}

#endif
