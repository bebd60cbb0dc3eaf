// Non-variadic C wrappers for the libvips calls Swift cannot import (every vips operation takes a
// NULL-terminated option list), plus the headers of lcms2 and cblas for the Swift side.
#ifndef STYLEFILTER_CSHIM_H
#define STYLEFILTER_CSHIM_H

#include <vips/vips.h>
#include <lcms2.h>
#include <cblas.h>
#include <stddef.h>
#include "stylefilter.h"

/* Starts libvips once per process; returns 0 on success. */
int sf_vips_start(void);

/* Opens an image lazily; decode errors and truncation fail rather than produce grey areas. */
VipsImage *sf_vips_open_file(const char *path);
VipsImage *sf_vips_open_fd(int fd);

/* Applies EXIF orientation, converts to 8-bit sRGB with three bands (alpha dropped). */
int sf_vips_to_srgb8(VipsImage *in, VipsImage **out);

/* Resamples with separate horizontal and vertical scale (linear, antialiased when shrinking). */
int sf_vips_resize(VipsImage *in, VipsImage **out, double hscale, double vscale);

/* Wraps interleaved 8-bit RGB pixels (copied) as an sRGB image. */
VipsImage *sf_vips_from_rgb8(const unsigned char *pixels, int width, int height);

/* Writes by file name (format from the suffix, options in [] allowed) or to a descriptor. */
int sf_vips_save_file(VipsImage *image, const char *path);
int sf_vips_save_fd(VipsImage *image, int fd, const char *suffix);

/* The pending libvips error text (may be empty); clears it. Caller frees with g_free. */
char *sf_vips_take_error(void);

/* The image geometry, for Swift which cannot see the struct fields through macros. */
int sf_vips_width(const VipsImage *image);
int sf_vips_height(const VipsImage *image);
int sf_vips_bands(const VipsImage *image);

/* A caption: dark text on white, `width` pixels wide, 3-band sRGB; NULL if text rendering fails. */
VipsImage *sf_vips_caption(const char *text, int width);

/* `bottom` under `top`, on white. */
int sf_vips_join_below(VipsImage *top, VipsImage *bottom, VipsImage **out);

/* Images in rows of `across`, `spacing` pixels apart and around, on white. */
int sf_vips_grid(VipsImage **images, int count, int across, int spacing, VipsImage **out);

/* Equal-sized frames stacked as the pages of an animation (GIF, WebP), `delay_ms` each, looping. */
int sf_vips_pages(VipsImage **frames, int count, int delay_ms, VipsImage **out);

/* 8-bit sRGB ⇄ CIE Lab (D50, float L a b triples) through lcms2; NULL on failure. Free with
 * cmsDeleteTransform. */
cmsHTRANSFORM sf_lcms_srgb8_to_lab(void);
cmsHTRANSFORM sf_lcms_lab_to_srgb8(void);

#endif
