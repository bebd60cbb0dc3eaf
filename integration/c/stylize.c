/* Stylizes an image through libStyleFilter loaded with a plain dlopen: what a host program that
 * treats StyleFilter as an optional plugin does.
 *
 *   stylize LIBRARY IN OUT (--preset NAME | --style IMAGE) [--iterations N]
 *
 * Build: cc stylize.c -I../../Sources/CShim/include $(pkg-config --cflags --libs vips) -ldl -o stylize
 * (the tests add -fsanitize=leak) */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vips/vips.h>
#include "stylefilter.h"

#define LOAD(name) name##_fn name = (name##_fn) dlsym(library, #name); \
    if (!name) { fprintf(stderr, "stylize: %s missing from the library\n", #name); return 1; }
typedef const char *(*sf_version_fn)(void);
typedef void (*sf_options_init_fn)(sf_options *);
typedef sf_status (*sf_context_create_fn)(const sf_options *, sf_context **);
typedef void (*sf_context_destroy_fn)(sf_context *);
typedef const char *(*sf_context_last_error_fn)(const sf_context *);
typedef sf_status (*sf_context_load_preset_fn)(sf_context *, const char *, const char *);
typedef sf_status (*sf_context_load_style_fn)(sf_context *, const char *);
typedef sf_status (*sf_stylize_fn)(sf_context *, const sf_image *, sf_image *);

static int progress(void *user, int iteration, int iterations, double loss) {
    (void) user;
    if (iteration == iterations) fprintf(stderr, "stylize: %d iterations, loss %.4g\n", iterations, loss);
    return 0; /* nonzero would cancel */
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: stylize LIBRARY IN OUT (--preset NAME | --style IMAGE) [--iterations N]\n");
        return 2;
    }
    void *library = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!library) { fprintf(stderr, "stylize: %s\n", dlerror()); return 1; }
    LOAD(sf_version) LOAD(sf_options_init) LOAD(sf_context_create) LOAD(sf_context_destroy)
    LOAD(sf_context_last_error) LOAD(sf_context_load_preset) LOAD(sf_context_load_style) LOAD(sf_stylize)

    if (VIPS_INIT(argv[0])) return 1;
    VipsImage *in, *srgb, *rgb;
    if (!(in = vips_image_new_from_file(argv[2], NULL)) || vips_colourspace(in, &srgb, VIPS_INTERPRETATION_sRGB, NULL)
        || vips_extract_band(srgb, &rgb, 0, "n", 3, NULL)) {
        fprintf(stderr, "stylize: %s", vips_error_buffer());
        return 1;
    }
    VipsImage *u8;
    if (vips_cast_uchar(rgb, &u8, NULL)) return 1;
    size_t size;
    unsigned char *pixels = vips_image_write_to_memory(u8, &size);
    int width = u8->Xsize, height = u8->Ysize;

    sf_options options;
    sf_options_init(&options);
    options.progress = progress;
    if (argc > 7 && strcmp(argv[6], "--iterations") == 0) options.iterations = atoi(argv[7]);
    sf_context *context = NULL;
    sf_status status = sf_context_create(&options, &context);
    if (status == SF_OK)
        status = strcmp(argv[4], "--preset") == 0 ? sf_context_load_preset(context, argv[5], NULL)
                                                  : sf_context_load_style(context, argv[5]);
    unsigned char *result = malloc(size);
    sf_image input = {pixels, width, height, (size_t) width * 3, 3, SF_FORMAT_U8};
    sf_image output = {result, width, height, (size_t) width * 3, 3, SF_FORMAT_U8};
    if (status == SF_OK) status = sf_stylize(context, &input, &output);
    if (status != SF_OK) {
        fprintf(stderr, "stylize: status %d: %s\n", status, sf_context_last_error(context));
        sf_context_destroy(context);
        return 1;
    }
    sf_context_destroy(context);
    VipsImage *out = vips_image_new_from_memory(result, size, width, height, 3, VIPS_FORMAT_UCHAR);
    if (vips_image_write_to_file(out, argv[3], NULL)) { fprintf(stderr, "stylize: %s", vips_error_buffer()); return 1; }
    printf("StyleFilter %s: wrote %s (%d×%d)\n", sf_version(), argv[3], width, height);
    g_object_unref(out); g_object_unref(u8); g_object_unref(rgb); g_object_unref(srgb); g_object_unref(in);
    g_free(pixels); free(result);
    /* No dlclose: the Swift runtime inside the library does not free its one-time allocations
     * (about 4 KB) when unloaded, which LeakSanitizer would rightly report. */
    return 0;
}
