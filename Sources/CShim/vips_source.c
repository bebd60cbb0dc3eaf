#include "CShim.h"

/* A libvips image whose pixels come from a callback: how a buffer with its own stride, a host's
 * region reader or an assembled stream image reaches the same resampling as a file. libvips may
 * ask from several worker threads; the callback is called by one at a time, because a host's
 * reader need not be reentrant. */
typedef struct {
    sf_source_read_fn read;
    void *user_data;
    int failed;
    GMutex lock;
} Source;

static void source_free(VipsImage *image, Source *source) {
    g_mutex_clear(&source->lock);
    g_free(source);
}

static int source_generate(VipsRegion *out, void *seq, void *a, void *b, gboolean *stop) {
    Source *source = a;
    VipsRect *r = &out->valid;
    g_mutex_lock(&source->lock);
    int rc = source->failed ? -1 : source->read(source->user_data, r->left, r->top, r->width, r->height,
                                                (float *) VIPS_REGION_ADDR(out, r->left, r->top),
                                                (size_t) VIPS_REGION_LSKIP(out));
    if (rc) source->failed = 1;
    g_mutex_unlock(&source->lock);
    if (rc) vips_error("stylefilter", "the image source could not be read");
    return rc ? -1 : 0;
}

VipsImage *sf_vips_source(int width, int height, sf_source_read_fn read, void *user_data) {
    VipsImage *image = vips_image_new();
    Source *source = g_new0(Source, 1);
    source->read = read;
    source->user_data = user_data;
    g_mutex_init(&source->lock);
    g_signal_connect(image, "close", G_CALLBACK(source_free), source);
    vips_image_init_fields(image, width, height, 3, VIPS_FORMAT_FLOAT, VIPS_CODING_NONE,
                           VIPS_INTERPRETATION_sRGB, 1.0, 1.0);
    if (vips_image_pipelinev(image, VIPS_DEMAND_STYLE_THINSTRIP, NULL) ||
        vips_image_generate(image, NULL, source_generate, NULL, source, NULL)) {
        g_object_unref(image);
        return NULL;
    }
    return image;
}

void sf_vips_source_drop(VipsImage *image) {
    if (!image) return;
    /* Cached operations may hold the image (and so the caller's user_data) past this call: marked
     * invalid, none of them is reused. */
    vips_image_invalidate_all(image);
    g_object_unref(image);
}
