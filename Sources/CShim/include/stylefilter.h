/*
 * stylefilter.h — the public C ABI of StyleFilter.
 *
 * Reserved for the plugin interface (opaque context, status codes, buffers, progress). Today it
 * declares only the version query; the rest arrives with the C ABI work.
 */
#ifndef STYLEFILTER_H
#define STYLEFILTER_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library's version as "MAJOR.MINOR.PATCH"; a static string, never NULL. */
const char *sf_version(void);

#ifdef __cplusplus
}
#endif

#endif
