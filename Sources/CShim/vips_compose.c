#include "CShim.h"

/* Composition for contact sheets and animations: captions, grids and page stacks. */

static VipsArrayDouble *white(void) {
    double v[3] = {255, 255, 255};
    return vips_array_double_new(v, 3);
}

VipsImage *sf_vips_caption(const char *text, int width) {
    VipsImage *t[4] = {NULL, NULL, NULL, NULL};
    VipsImage *result = NULL;
    /* vips_text renders an antialiased mask (0 = paper, 255 = ink), wrapped to the width. */
    if (vips_text(&t[0], text, "width", width - 8, "dpi", 96, "font", "sans 9", "align", VIPS_ALIGN_CENTRE, NULL)) goto done;
    if (vips_invert(t[0], &t[1], NULL)) goto done;
    int x = (width - t[1]->Xsize) / 2;
    if (x < 0) x = 0;
    if (vips_embed(t[1], &t[2], x, 4, width, t[1]->Ysize + 8, "extend", VIPS_EXTEND_WHITE, NULL)) goto done;
    VipsImage *bands[3] = {t[2], t[2], t[2]};
    if (vips_bandjoin(bands, &t[3], 3, NULL)) goto done;
    if (vips_cast_uchar(t[3], &result, NULL)) goto done;
    result->Type = VIPS_INTERPRETATION_sRGB;
done:
    for (int i = 0; i < 4; i++)
        if (t[i]) g_object_unref(t[i]);
    return result;
}

int sf_vips_join_below(VipsImage *top, VipsImage *bottom, VipsImage **out) {
    VipsArrayDouble *background = white();
    int rc = vips_join(top, bottom, out, VIPS_DIRECTION_VERTICAL, "expand", TRUE, "align", VIPS_ALIGN_CENTRE,
                       "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return rc;
}

int sf_vips_grid(VipsImage **images, int count, int across, int spacing, VipsImage **out) {
    VipsArrayDouble *background = white();
    VipsImage *joined = NULL;
    int rc = vips_arrayjoin(images, &joined, count, "across", across, "shim", spacing, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    if (rc) return rc;
    rc = vips_embed(joined, out, spacing, spacing, joined->Xsize + 2 * spacing, joined->Ysize + 2 * spacing,
                    "extend", VIPS_EXTEND_WHITE, NULL);
    g_object_unref(joined);
    return rc;
}

int sf_vips_pages(VipsImage **frames, int count, int delay_ms, VipsImage **out) {
    VipsImage *joined = NULL;
    if (vips_arrayjoin(frames, &joined, count, "across", 1, NULL)) return -1;
    /* Animated savers read the page layout and timing from this metadata. */
    if (vips_copy(joined, out, NULL)) {
        g_object_unref(joined);
        return -1;
    }
    g_object_unref(joined);
    int *delays = g_new(int, count);
    for (int i = 0; i < count; i++) delays[i] = delay_ms;
    vips_image_set_int(*out, "page-height", frames[0]->Ysize);
    vips_image_set_array_int(*out, "delay", delays, count);
    vips_image_set_int(*out, "loop", 0);
    g_free(delays);
    return 0;
}
