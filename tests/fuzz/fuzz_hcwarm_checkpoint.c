/*
 * fuzz_hcwarm_checkpoint.c: the --checkpoint file reader (hcwarm/checkpoint.c), on a whole
 * file: the file is what a run left, or what a person edited.
 *
 * Checks: a file either loads (done and malformed within its items), or is refused with a
 * message that names it (only an empty file is a fresh start); one that loads, saved again and
 * read back, gives the same state (the reader and the writer agree); nothing crashes, leaks or
 * hangs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checkpoint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The run's two files, made once: the input, and the state saved again. */
static char in_path[64], out_path[80];

static void make_paths(void)
{
    if (in_path[0] != '\0')
        return;
    snprintf(in_path, sizeof(in_path), "/tmp/hc-fuzz-ck-XXXXXX");
    int fd = mkstemp(in_path);
    if (fd < 0)
        abort();
    close(fd);
    snprintf(out_path, sizeof(out_path), "%s.out", in_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    make_paths();
    FILE *f = fopen(in_path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    struct checkpoint_state st, back;
    char err[2048] = "";
    int rc = checkpoint_load(in_path, &st, err, sizeof(err));
    if ((rc == 1) != (size == 0) || (rc < 0 && strstr(err, in_path) == NULL))
        abort(); /* only an empty file is a fresh start; a refusal names the file */
    if (rc != 0)
        return 0;
    if (memchr(st.source, '\0', sizeof(st.source)) == NULL || st.done > st.items ||
        st.malformed > st.items - st.done)
        abort();
    struct checkpoint c;
    checkpoint_init(&c, out_path, 1);
    if (checkpoint_save(&c, &st, false) != 0)
        abort();
    checkpoint_destroy(&c);
    if (checkpoint_load(out_path, &back, err, sizeof(err)) != 0)
        abort();
    if (strcmp(st.source, back.source) != 0 || st.offset != back.offset || st.line != back.line ||
        st.items != back.items || st.done != back.done || st.malformed != back.malformed)
        abort();
    unlink(out_path);
    return 0;
}
