/*
 * host_settings.c — a C host that uses libvips itself: its libvips thread pool and operation
 * cache must be as it set them after StyleFilter has started libvips, loaded a style and
 * stylized (the library leaves process-wide settings to the application), and its
 * OPENBLAS_CORETYPE, which the library sets while OpenBLAS loads, must be as it was (unset, or
 * its own value even when the library set it aside).
 *
 *   host_settings STYLE_IMAGE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include <stylefilter.h>

int main(int argc, char **argv) {
    if (argc != 2 || VIPS_INIT(argv[0])) return 2;
    const char *before = getenv("OPENBLAS_CORETYPE");
    char own[64] = "unset";
    if (before) snprintf(own, sizeof own, "%s", before);
    vips_concurrency_set(3);
    vips_cache_set_max(77);
    sf_options options;
    sf_options_init(&options);
    options.iterations = 2;
    options.style_size = 32;
    sf_context *context = NULL;
    unsigned char pixels[24 * 20 * 3] = {0};
    sf_image image = {pixels, 24, 20, 24 * 3, 3, SF_FORMAT_U8};
    sf_status status = sf_context_create(&options, &context);
    if (status == SF_OK) status = sf_context_load_style(context, argv[1]);
    if (status == SF_OK) status = sf_stylize(context, &image, &image);
    if (status != SF_OK) {
        fprintf(stderr, "host_settings: %s\n", sf_context_last_error(context));
        return 1;
    }
    sf_context_destroy(context);
    int concurrency = vips_concurrency_get(), cache = vips_cache_get_max();
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    printf("host_settings: concurrency %d, cache %d, OPENBLAS_CORETYPE %s\n", concurrency, cache,
           coretype ? coretype : "unset");
    return concurrency == 3 && cache == 77 && strcmp(coretype ? coretype : "unset", own) == 0 ? 0 : 1;
}
