/*
 * replay.c: run a fuzz driver's corpus as an ordinary test.
 *
 * Built with gcc in place of libFuzzer's main: every file named on the command line, or found
 * in a directory named there, is read whole and passed once to LLVMFuzzerTestOneInput. A driver
 * that crashes or trips a sanitizer fails the test; an empty corpus fails it too, since a replay
 * that replays nothing proves nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096;
    size_t len = 0;
    uint8_t *data = malloc(cap);
    if (data == NULL)
        abort();
    size_t n;
    while ((n = fread(data + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            cap *= 2;
            data = realloc(data, cap);
            if (data == NULL)
                abort();
        }
    }
    fclose(f);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
    return 0;
}

static int replay_path(const char *path, int *count)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        (*count)++;
        return replay_file(path);
    }
    DIR *dir = opendir(path);
    if (dir == NULL) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char child[4096];
        int w = snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
        if (w < 0 || (size_t)w >= sizeof(child))
            continue;
        rc = replay_path(child, count);
    }
    closedir(dir);
    return rc;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int i = 1; i < argc; i++) {
        if (replay_path(argv[i], &count) != 0)
            return 1;
    }
    if (count == 0) {
        fprintf(stderr, "replay: no corpus files found\n");
        return 1;
    }
    printf("replay: %d inputs, no crash\n", count);
    return 0;
}
