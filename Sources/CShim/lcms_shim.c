#include "CShim.h"

/* lcms2's pixel-format constants are macros Swift cannot import; these build the transforms. */

static cmsUInt32Number float_format(sf_space space) {
    switch (space) {
    case SF_SPACE_GREY: return TYPE_GRAY_FLT;
    case SF_SPACE_CMYK: return TYPE_CMYK_FLT;
    case SF_SPACE_LAB: return TYPE_Lab_FLT;
    default: return TYPE_RGB_FLT;
    }
}

cmsHTRANSFORM sf_lcms_float_transform(cmsHPROFILE from, sf_space from_space, cmsHPROFILE to, sf_space to_space) {
    /* Relative colorimetric keeps in-gamut colours exact both ways, which a round trip needs;
     * black-point compensation only matters (and only acts) when a CMYK profile is involved. */
    cmsUInt32Number flags = (from_space == SF_SPACE_CMYK || to_space == SF_SPACE_CMYK) ? cmsFLAGS_BLACKPOINTCOMPENSATION : 0;
    return cmsCreateTransform(from, float_format(from_space), to, float_format(to_space),
                              INTENT_RELATIVE_COLORIMETRIC, flags);
}

static const cmsCIExyYTRIPLE srgb_primaries = {{0.6400, 0.3300, 1.0}, {0.3000, 0.6000, 1.0}, {0.1500, 0.0600, 1.0}};

cmsHPROFILE sf_lcms_linear_srgb_profile(void) {
    cmsCIExyY d65;
    cmsWhitePointFromTemp(&d65, 6504);
    cmsToneCurve *linear = cmsBuildGamma(NULL, 1.0);
    if (!linear) return NULL;
    cmsToneCurve *curves[3] = {linear, linear, linear};
    cmsHPROFILE p = cmsCreateRGBProfile(&d65, &srgb_primaries, curves);
    cmsFreeToneCurve(linear);
    return p;
}

cmsHPROFILE sf_lcms_grey_profile(void) {
    /* The sRGB curve: y = ((x + 0.055) / 1.055)^2.4 above 0.04045, x / 12.92 below. */
    cmsFloat64Number srgb[5] = {2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045};
    cmsToneCurve *curve = cmsBuildParametricToneCurve(NULL, 4, srgb);
    if (!curve) return NULL;
    cmsHPROFILE p = cmsCreateGrayProfile(cmsD50_xyY(), curve);
    cmsFreeToneCurve(curve);
    return p;
}
