// Shim for GNU GSL (Debian libgsl-dev 2.7).
//
// Swift 6 rejects GSL's exported type globals (gsl_rng_mt19937, ...) as shared mutable state,
// so each one this project uses is handed out by a static inline accessor instead.
#ifndef WOUNDSIM_CGSL_SHIM_H
#define WOUNDSIM_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_bessel.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_qrng.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_multifit_nlinear.h>

/// Mersenne twister generator type.
static inline const gsl_rng_type *woundsim_gsl_rng_mt19937(void) { return gsl_rng_mt19937; }
/// Sobol quasi-random sequence type.
static inline const gsl_qrng_type *woundsim_gsl_qrng_sobol(void) { return gsl_qrng_sobol; }
/// Niederreiter base-2 quasi-random sequence type.
static inline const gsl_qrng_type *woundsim_gsl_qrng_niederreiter_2(void) { return gsl_qrng_niederreiter_2; }

/// The trust-region method of gsl_multifit_nlinear (Levenberg-Marquardt by default).
static inline const gsl_multifit_nlinear_type *woundsim_gsl_multifit_nlinear_trust(void) { return gsl_multifit_nlinear_trust; }

/// GSL's success code as a plain int (the macro imports as a Swift Int).
static inline int woundsim_gsl_success(void) { return GSL_SUCCESS; }
/// GSL's "function could not be evaluated" and "keep iterating" codes.
static inline int woundsim_gsl_ebadfunc(void) { return GSL_EBADFUNC; }
static inline int woundsim_gsl_continue(void) { return GSL_CONTINUE; }

#endif
