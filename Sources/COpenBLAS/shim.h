#ifndef CAMPAIGNLAB_COPENBLAS_SHIM_H
#define CAMPAIGNLAB_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapack.h>
#endif
