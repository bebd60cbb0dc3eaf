/* Stylizes an image the program never holds whole: the library reads the photo through a region
 * callback and hands the result back in strips, which go straight into a PPM file.
 *
 *   stylize_regions IN OUT.ppm (--preset NAME | --style IMAGE) [--iterations N] [--max-memory MIB]
 *                   [--base-size N] [--refine-iterations N] [--preset-dir DIR]
 *
 * Build: cc stylize_regions.c $(pkg-config --cflags --libs vips stylefilter) -o stylize_regions */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <vips/vips.h>
#include "stylefilter.h"

typedef struct {
    VipsImage *image;   /* the photo as 8-bit sRGB, read lazily by libvips */
    FILE *out;
    int next_row;       /* strips must arrive in order for a streamed PPM */
} Host;

/* Called from the library's worker threads, one at a time: a libvips region of its own per call. */
static int read_rect(void *user, int x, int y, int width, int height, void *pixels, size_t stride) {
    Host *host = user;
    VipsRegion *region = vips_region_new(host->image);
    VipsRect rect = {x, y, width, height};
    int rc = vips_region_prepare(region, &rect);
    for (int row = 0; !rc && row < height; row++)
        memcpy((char *) pixels + (size_t) row * stride, VIPS_REGION_ADDR(region, x, y + row), (size_t) width * 3);
    g_object_unref(region);
    return rc;
}

static int write_rows(void *user, int x, int y, int width, int height, const void *pixels, size_t stride) {
    Host *host = user;
    if (x != 0 || y != host->next_row || width != host->image->Xsize) return 1;
    for (int row = 0; row < height; row++)
        if (fwrite((const char *) pixels + (size_t) row * stride, 3, (size_t) width, host->out) != (size_t) width) return 1;
    host->next_row += height;
    return 0;
}

static int progress(void *user, const sf_progress_info *p) {
    (void) user;
    if (p->window == 0 && p->iteration == p->iterations)
        fprintf(stderr, "stylize_regions: scale %d/%d %dx%d done, loss %.4g, %.0f s, ETA %.0f s\n",
                p->scale, p->scales, p->width, p->height, p->loss, p->seconds, p->eta_seconds);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 5 || (argc - 5) % 2) {
        fprintf(stderr, "usage: stylize_regions IN OUT.ppm (--preset NAME | --style IMAGE) [--iterations N] "
                        "[--max-memory MIB] [--base-size N] [--refine-iterations N] [--preset-dir DIR]\n");
        return 2;
    }
    if (VIPS_INIT(argv[0])) vips_error_exit(NULL);
    /* This program's main work is style transfer, so it makes filterctl's choices: the engine owns
     * the cores, and no libvips cache keeps the library's intermediate images beside it. */
    sf_set_blas_threads(1);
    vips_concurrency_set(1);
    vips_cache_set_max(0);
    sf_options options;
    sf_options_init(&options);
    options.progress_ex = progress;
    const char *preset_dir = NULL;
    for (int i = 5; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--iterations")) options.iterations = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--max-memory")) options.max_memory = (size_t) atol(argv[i + 1]) << 20;
        else if (!strcmp(argv[i], "--base-size")) options.base_size = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--refine-iterations")) options.refine_iterations = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--preset-dir")) preset_dir = argv[i + 1];
        else { fprintf(stderr, "stylize_regions: unknown option %s\n", argv[i]); return 2; }
    }
    sf_context *context = NULL;
    sf_status status = sf_context_create(&options, &context);
    if (status == SF_OK)
        status = !strcmp(argv[3], "--preset") ? sf_context_load_preset(context, argv[4], preset_dir)
                                              : sf_context_load_style(context, argv[4]);
    VipsImage *file = status == SF_OK ? vips_image_new_from_file(argv[1], NULL) : NULL;
    VipsImage *srgb = NULL, *rgb = NULL, *u8 = NULL;
    if (status == SF_OK && (!file || vips_colourspace(file, &srgb, VIPS_INTERPRETATION_sRGB, NULL) ||
                            vips_extract_band(srgb, &rgb, 0, "n", 3, NULL) || vips_cast_uchar(rgb, &u8, NULL))) {
        fprintf(stderr, "stylize_regions: %s: %s", argv[1], vips_error_buffer());
        return 1;
    }
    if (status == SF_OK) {
        /* The result is streamed into a temporary file, renamed over OUT only once complete. */
        char partial[4096];
        snprintf(partial, sizeof partial, "%s.partial", argv[2]);
        Host host = {u8, fopen(partial, "wb"), 0};
        if (!host.out) { perror(partial); return 1; }
        fprintf(host.out, "P6\n%d %d\n255\n", u8->Xsize, u8->Ysize);
        sf_region_io io = {sizeof io, u8->Xsize, u8->Ysize, 3, SF_FORMAT_U8, read_rect, write_rows, &host};
        status = sf_stylize_regions(context, &io);
        if (fclose(host.out) || status != SF_OK || host.next_row != u8->Ysize || rename(partial, argv[2])) {
            unlink(partial);
            if (status == SF_OK) status = SF_ERROR_FAILED;
        }
    }
    if (status != SF_OK) fprintf(stderr, "stylize_regions: %s\n", sf_context_last_error(context));
    sf_context_destroy(context);
    if (u8) g_object_unref(u8);
    if (rgb) g_object_unref(rgb);
    if (srgb) g_object_unref(srgb);
    if (file) g_object_unref(file);
    vips_shutdown();
    return status == SF_OK ? 0 : 1;
}
