/*
 * fuzz_http_response.c: the HTTP parser on arbitrary bytes, as hcload reads responses.
 * The driver is fuzz_http_request.c's, built for responses: see that file for the invariants
 * checked and the input layout (byte 0 bit 2 makes every response answer a HEAD request).
 */
#define FUZZ_HTTP_RESPONSE 1
#include "fuzz_http_request.c"
