/*
 * fuzz_hcwarm_kv.c: hcwarm's reader of key/value lines (hcwarm/input.c), on a whole file.
 *
 * The checks are those of fuzz_hcwarm_input.h, for this format.
 */
#include "fuzz_hcwarm_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_hcwarm_input(data, size, INPUT_KV);
}
