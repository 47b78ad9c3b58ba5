// libpng (Debian libpng-dev 1.6): the simplified write API (png_image_*).
#ifndef WOUNDSIM_CPNG_SHIM_H
#define WOUNDSIM_CPNG_SHIM_H
#include <png.h>

/// PNG_IMAGE_VERSION as a function (the macro does not import).
static inline unsigned int woundsim_png_image_version(void) { return PNG_IMAGE_VERSION; }
/// PNG_FORMAT_RGB as a function.
static inline unsigned int woundsim_png_format_rgb(void) { return PNG_FORMAT_RGB; }
#endif
