/* Two contexts in two threads give exactly the results of a serial run, and every bad argument
 * comes back as a status, not a crash. Linked against the installed library (pkg-config).
 *
 *   threads STYLE_IMAGE
 *
 * Build: cc -fsanitize=leak threads.c $(pkg-config --cflags --libs stylefilter) -lpthread -o threads
 * (the tests build it with LeakSanitizer, so a leak in the library fails them) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "stylefilter.h"

enum { W = 40, H = 32, N = W * H * 3 };

typedef struct {
    const char *style;
    unsigned seed;
    unsigned char input[N];
    unsigned char output[N];
    sf_status status;
} Job;

static void pattern(unsigned char *p, unsigned seed) {
    for (int i = 0; i < N; i++) p[i] = (unsigned char) ((i * 37 + (i / (W * 3)) * 11 + seed * 101) % 256);
}

static void *run(void *argument) {
    Job *job = argument;
    sf_options options;
    sf_options_init(&options);
    options.iterations = 3;
    options.style_size = 48;
    sf_context *context = NULL;
    job->status = sf_context_create(&options, &context);
    if (job->status == SF_OK) job->status = sf_context_load_style(context, job->style);
    sf_image in = {job->input, W, H, W * 3, 3, SF_FORMAT_U8}, out = {job->output, W, H, W * 3, 3, SF_FORMAT_U8};
    if (job->status == SF_OK) job->status = sf_stylize(context, &in, &out);
    if (job->status != SF_OK) fprintf(stderr, "threads: %s\n", sf_context_last_error(context));
    sf_context_destroy(context);
    return NULL;
}

static int stop_at_two(void *user, int iteration, int iterations, double loss) {
    (void) iterations; (void) loss;
    *(int *) user = iteration;
    return iteration >= 2;
}

static int expect(int condition, const char *what) {
    if (!condition) fprintf(stderr, "threads: FAILED: %s\n", what);
    return condition ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: threads STYLE_IMAGE\n"); return 2; }
    static Job serial[2], parallel[2];
    for (int k = 0; k < 2; k++) {
        serial[k].style = parallel[k].style = argv[1];
        pattern(serial[k].input, k + 1);
        pattern(parallel[k].input, k + 1);
    }
    run(&serial[0]);
    run(&serial[1]);
    pthread_t threads[2];
    for (int k = 0; k < 2; k++) pthread_create(&threads[k], NULL, run, &parallel[k]);
    for (int k = 0; k < 2; k++) pthread_join(threads[k], NULL);

    int failures = 0;
    for (int k = 0; k < 2; k++) {
        failures += expect(serial[k].status == SF_OK && parallel[k].status == SF_OK, "every run succeeds");
        failures += expect(memcmp(serial[k].output, parallel[k].output, N) == 0, "threaded output equals serial output");
        failures += expect(memcmp(serial[k].output, serial[k].input, N) != 0, "the image was stylized");
    }
    failures += expect(memcmp(serial[0].output, serial[1].output, N) != 0, "different inputs give different outputs");

    /* The contract on bad arguments: statuses and messages, never a crash. */
    sf_options options;
    sf_options_init(&options);
    sf_context *context = NULL;
    failures += expect(sf_context_create(&options, NULL) == SF_ERROR_ARGUMENT, "NULL out-pointer");
    options.struct_size = 8;
    failures += expect(sf_context_create(&options, &context) == SF_ERROR_ARGUMENT, "a struct_size that is too small");
    sf_context_destroy(context);
    sf_options_init(&options);
    options.weights_path = "/nonexistent/weights.bin";
    failures += expect(sf_context_create(&options, &context) == SF_ERROR_WEIGHTS, "missing weights");
    failures += expect(strstr(sf_context_last_error(context), "not found") != NULL, "the message says why");
    sf_context_destroy(context);
    sf_options_init(&options);
    options.iterations = 1;
    failures += expect(sf_context_create(&options, &context) == SF_OK, "create");
    unsigned char pixels[N];
    sf_image good = {pixels, W, H, W * 3, 3, SF_FORMAT_U8};
    failures += expect(sf_stylize(context, &good, &good) == SF_ERROR_NO_STYLE, "stylize before a style");
    failures += expect(sf_context_load_style(context, NULL) == SF_ERROR_ARGUMENT, "NULL style path");
    failures += expect(sf_context_load_style(context, "/nonexistent.png") == SF_ERROR_STYLE, "missing style image");
    failures += expect(sf_context_load_preset(context, "no-such-preset", NULL) == SF_ERROR_STYLE, "unknown preset");
    failures += expect(sf_context_load_style(context, argv[1]) == SF_OK, "load style");
    sf_image bad = good;
    bad.stride = 3;
    failures += expect(sf_stylize(context, &bad, &good) == SF_ERROR_ARGUMENT, "stride shorter than a row");
    bad = good;
    bad.data = NULL;
    failures += expect(sf_stylize(context, &bad, &good) == SF_ERROR_ARGUMENT, "NULL data");
    bad = good;
    bad.bands = 2;
    failures += expect(sf_stylize(context, &good, &bad) == SF_ERROR_ARGUMENT, "2 bands");
    bad = good;
    bad.width = W - 2;
    failures += expect(sf_stylize(context, &good, &bad) == SF_ERROR_ARGUMENT, "output of another size");
    failures += expect(sf_stylize(context, NULL, &good) == SF_ERROR_ARGUMENT, "NULL input");
    failures += expect(sf_stylize_tile(context, &good, 10, &good) == SF_ERROR_ARGUMENT, "a margin that eats the tile");
    failures += expect(sf_stylize(NULL, &good, &good) == SF_ERROR_ARGUMENT, "NULL context");
    failures += expect(sf_context_last_error(NULL) != NULL, "last error of NULL is a string");

    /* 16-bit RGBA: alpha comes back exactly, colour is stylized. */
    static unsigned short rgba[W * H * 4], styled[W * H * 4];
    for (int i = 0; i < W * H * 4; i++) rgba[i] = (unsigned short) (i * 2654435761u >> 16);
    sf_image in16 = {rgba, W, H, W * 8, 4, SF_FORMAT_U16}, out16 = {styled, W, H, W * 8, 4, SF_FORMAT_U16};
    failures += expect(sf_stylize(context, &in16, &out16) == SF_OK, "u16 RGBA");
    int alpha_kept = 1;
    for (int p = 0; p < W * H; p++) alpha_kept &= styled[4 * p + 3] == rgba[4 * p + 3];
    failures += expect(alpha_kept, "alpha passed through");
    sf_context_destroy(context);

    /* The progress callback cancels: a status, and the output left as it was. */
    int reached = -1;
    sf_options_init(&options);
    options.iterations = 10;
    options.progress = stop_at_two;
    options.progress_user_data = &reached;
    failures += expect(sf_context_create(&options, &context) == SF_OK, "create with progress");
    failures += expect(sf_context_load_style(context, argv[1]) == SF_OK, "load style");
    unsigned char before[N];
    memset(pixels, 77, N);
    memcpy(before, pixels, N);
    failures += expect(sf_stylize(context, &good, &good) == SF_ERROR_CANCELLED, "cancelled");
    failures += expect(reached == 2, "the callback saw iterations up to 2");
    failures += expect(memcmp(pixels, before, N) == 0, "a cancelled run leaves the output untouched");
    sf_context_destroy(context);
    sf_context_destroy(NULL);

    printf("threads: %s (StyleFilter %s)\n", failures ? "FAILED" : "ok", sf_version());
    return failures ? 1 : 0;
}
