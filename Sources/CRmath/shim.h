#ifndef CAMPAIGNLAB_CRMATH_SHIM_H
#define CAMPAIGNLAB_CRMATH_SHIM_H
/* Standalone build of R's math library: call the real names (qnorm5, pnorm5, ...),
   since names such as qnorm are macros in Rmath.h. */
#define MATHLIB_STANDALONE 1
#include <Rmath.h>
#endif
