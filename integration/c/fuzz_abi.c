/*
 * fuzz_abi.c — throws NULL pointers, absurd sizes, strides, bands, formats, margins and struct
 * sizes at every function of stylefilter.h, seeded and bounded, and checks that each call
 * returns a status (the host is never aborted) and that the statuses are the documented ones.
 * Built with -fsanitize=address,undefined by the test suite, so an out-of-bounds access on the
 * C side of a call fails the run too.
 *
 *   fuzz_abi STYLE_IMAGE PRESET_DIR SEED CALLS
 */
#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stylefilter.h>

static int failures = 0;

#define EXPECT(cond, ...)                                        \
    do {                                                         \
        if (!(cond)) {                                           \
            fprintf(stderr, "fuzz_abi: FAILED %s: ", #cond);     \
            fprintf(stderr, __VA_ARGS__);                        \
            fprintf(stderr, "\n");                               \
            failures++;                                          \
        }                                                        \
    } while (0)

static uint64_t state;
static uint64_t next(void) { /* splitmix64 */
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static int pick(const int *values, int count) { return values[next() % (uint64_t)count]; }

static int valid_status(sf_status s) { return s >= SF_OK && s <= SF_ERROR_FAILED; }

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: fuzz_abi STYLE_IMAGE PRESET_DIR SEED CALLS\n");
        return 2;
    }
    state = strtoull(argv[3], NULL, 10);
    int calls = atoi(argv[4]);

    /* NULL everywhere. */
    EXPECT(sf_context_create(NULL, NULL) == SF_ERROR_ARGUMENT, "create(NULL, NULL)");
    EXPECT(sf_context_last_error(NULL) != NULL, "last_error(NULL)");
    sf_context_destroy(NULL);
    sf_options_init(NULL);
    EXPECT(sf_context_load_preset(NULL, "x", NULL) == SF_ERROR_ARGUMENT, "load_preset(NULL ctx)");
    EXPECT(sf_context_load_style(NULL, argv[1]) == SF_ERROR_ARGUMENT, "load_style(NULL ctx)");
    EXPECT(sf_stylize(NULL, NULL, NULL) == SF_ERROR_ARGUMENT, "stylize(NULL…)");
    EXPECT(sf_stylize_masked(NULL, NULL, NULL, NULL) == SF_ERROR_ARGUMENT, "stylize_masked(NULL…)");
    EXPECT(sf_stylize_tile(NULL, NULL, 0, NULL) == SF_ERROR_ARGUMENT, "stylize_tile(NULL…)");

    /* Wrong struct sizes. */
    sf_options options;
    sf_options_init(&options);
    /* Shorter than the first release's struct (which ended at progress_user_data), or absurd. */
    const size_t sizes[] = {0, 1, offsetof(sf_options, max_memory) - 1, (size_t)1 << 20, SIZE_MAX};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        sf_options o = options;
        o.struct_size = sizes[i];
        sf_context *c = NULL;
        EXPECT(sf_context_create(&o, &c) == SF_ERROR_ARGUMENT, "struct_size %zu", sizes[i]);
        sf_context_destroy(c);
    }
    /* Bad settings. */
    const int bad_ints[] = {-1, 15, 16385, INT32_MAX, INT32_MIN};
    for (size_t i = 0; i < 5; i++) {
        sf_options o = options;
        o.style_size = bad_ints[i];
        sf_context *c = NULL;
        EXPECT(sf_context_create(&o, &c) == SF_ERROR_ARGUMENT, "style_size %d", bad_ints[i]);
        sf_context_destroy(c);
    }
    {
        sf_options o = options;
        o.style_weight = 3e38f;
        sf_context *c = NULL;
        EXPECT(sf_context_create(&o, &c) == SF_ERROR_ARGUMENT, "style_weight 3e38");
        sf_context_destroy(c);
    }

    options.iterations = 1;
    options.style_size = 64;
    sf_context *ctx = NULL;
    sf_status s = sf_context_create(&options, &ctx);
    if (s != SF_OK) {
        fprintf(stderr, "fuzz_abi: create failed: %s\n", sf_context_last_error(ctx));
        return 1;
    }
    /* Before a style: NO_STYLE for a good buffer. */
    uint8_t small[32 * 32 * 4];
    memset(small, 100, sizeof small);
    sf_image good = {small, 32, 32, 32 * 3, 3, SF_FORMAT_U8};
    EXPECT(sf_stylize(ctx, &good, &good) == SF_ERROR_NO_STYLE, "stylize before a style");
    EXPECT(sf_stylize_masked(ctx, &good, NULL, &good) == SF_ERROR_ARGUMENT, "stylize_masked with a NULL mask");
    sf_image bad_mask = {small, 32, 32, 32 * 2, 2, SF_FORMAT_U8};
    EXPECT(sf_stylize_masked(ctx, &good, &bad_mask, &good) == SF_ERROR_ARGUMENT, "a 2-band mask");

    /* A preset that does not exist, and one that is not JSON: the header's STYLE status. */
    EXPECT(sf_context_load_preset(ctx, NULL, NULL) == SF_ERROR_ARGUMENT, "preset NULL");
    EXPECT(sf_context_load_preset(ctx, "no-such-preset", argv[2]) == SF_ERROR_STYLE, "missing preset: %s", sf_context_last_error(ctx));
    EXPECT(sf_context_load_preset(ctx, "broken", argv[2]) == SF_ERROR_STYLE, "broken preset: %s", sf_context_last_error(ctx));
    EXPECT(sf_context_load_preset(ctx, "../../etc/passwd", argv[2]) == SF_ERROR_STYLE, "path preset");
    EXPECT(sf_context_load_style(ctx, NULL) == SF_ERROR_ARGUMENT, "style NULL");
    EXPECT(sf_context_load_style(ctx, "/dev/zero") == SF_ERROR_STYLE, "style /dev/zero");
    EXPECT(sf_context_load_style(ctx, argv[1]) == SF_OK, "style: %s", sf_context_last_error(ctx));

    /* A buffer inside the header's limits that no process could optimize: an error, not an abort. */
    size_t huge_size = (size_t)16384 * 16384 * 3;
    uint8_t *huge = calloc(huge_size, 1); /* untouched pages: costs address space only */
    if (huge) {
        sf_image in = {huge, 16384, 16384, 16384 * 3, 3, SF_FORMAT_U8};
        sf_status hs = sf_stylize(ctx, &in, &in);
        EXPECT(hs == SF_ERROR_ARGUMENT || hs == SF_ERROR_FAILED, "16384² buffer: %d", hs);
        EXPECT(strstr(sf_context_last_error(ctx), "needs about") != NULL, "16384² message: %s", sf_context_last_error(ctx));
        free(huge);
    }

    /* Random geometry. Buffers are real and as large as each claim, up to 4 MiB; larger claims
     * are only made with geometry the library must refuse before touching the pixels. */
    const int dims[] = {-7, 0, 1, 15, 16, 17, 20, 33, 16384, 16385, INT32_MAX, INT32_MIN};
    const int bandses[] = {-1, 0, 1, 2, 3, 4, 5, 255};
    const int formats[] = {0, 1, 2, 3, 4, -1, 1000};
    const int margins[] = {-1, 0, 1, 2, 7, 8, 9, 100, INT32_MAX, INT32_MIN};
    int ran = 0;
    const int sane_dims[] = {16, 17, 20, 33};
    const int sane_bands[] = {3, 4};
    const int sane_formats[] = {1, 2, 3};
    const int sane_margins[] = {0, 1, 2, 7};
    for (int i = 0; i < calls; i++) {
        /* Half the calls are well-formed (so the whole path runs, every format and band count),
         * half draw every field from the edge values. */
        int sane = (int)(next() % 2);
        sf_image in, out;
        in.width = sane ? pick(sane_dims, 4) : pick(dims, 12);
        in.height = sane ? pick(sane_dims, 4) : pick(dims, 12);
        in.bands = sane ? pick(sane_bands, 2) : pick(bandses, 8);
        in.format = (sf_format)(sane ? pick(sane_formats, 3) : pick(formats, 7));
        int sample = in.format == SF_FORMAT_U16 ? 2 : in.format == SF_FORMAT_F32 ? 4 : 1;
        long long row = (long long)in.width * (in.bands > 0 ? in.bands : 1) * sample;
        uint64_t stride_kind = sane ? 1 + next() % 2 : next() % 4;
        in.stride = stride_kind == 0 ? 0 : stride_kind == 1 ? (size_t)(row > 0 ? row : 1) : stride_kind == 2 ? (size_t)(row > 0 ? row + 13 : 7) : SIZE_MAX;
        int margin = sane ? pick(sane_margins, 4) : pick(margins, 10);
        int tile = (int)(next() % 2);
        out = in;
        int trim = 2 * (margin > 0 && margin < 100 ? margin : 0);
        if ((sane ? tile : next() % 3 == 0) && out.width > INT32_MIN + trim) out.width -= trim;
        if ((sane ? tile : next() % 3 == 0) && out.height > INT32_MIN + trim) out.height -= trim;
        if (!sane && next() % 5 == 0) out.bands = pick(bandses, 8);
        long long bytes = in.height > 0 && in.height <= 16384 && row > 0 && in.stride <= ((size_t)1 << 30)
                              ? (long long)in.stride * in.height : 0;
        int fits = bytes > 0 && bytes <= (4 << 20) && in.stride != SIZE_MAX;
        void *buffer = fits ? calloc((size_t)bytes, 1) : NULL;
        void *result = fits ? calloc((size_t)bytes, 1) : NULL;
        in.data = !sane && next() % 10 == 0 ? NULL : (fits ? buffer : small);
        out.data = !sane && next() % 10 == 0 ? NULL : (fits ? result : small);
        /* A claim whose buffer this program could not provide would be a caller's bug; only
         * make it when the library must refuse it for its geometry alone. */
        int refusable = in.width < 1 || in.height < 1 || in.width > 16384 || in.height > 16384 || in.bands < 3 ||
                        in.bands > 4 || in.format < 1 || in.format > 3 || in.stride < (size_t)(row > 0 ? row : 1) ||
                        in.stride > ((size_t)1 << 30);
        if (!fits && !refusable) {
            free(buffer);
            free(result);
            continue;
        }
        if (fits && in.format == SF_FORMAT_F32) {
            for (long long k = 0; k + 4 <= bytes; k += 4) {
                float v = (float)(next() % 1000) / 999.0f;
                memcpy((uint8_t *)buffer + k, &v, 4);
            }
        }
        sf_status st = tile ? sf_stylize_tile(ctx, &in, margin, &out) : sf_stylize(ctx, &in, &out);
        EXPECT(valid_status(st), "call %d: status %d", i, st);
        EXPECT(st == SF_OK || strlen(sf_context_last_error(ctx)) > 0 || in.data == NULL || out.data == NULL,
               "call %d: status %d without a message", i, st);
        if (st == SF_OK) ran++;
        free(buffer);
        free(result);
    }
    sf_context_destroy(ctx);
    printf("fuzz_abi: %d calls, %d ran, %d failures\n", calls, ran, failures);
    return failures ? 1 : 0;
}
