// The only C headers the engine sees: OpenBLAS's CBLAS interface.
#include <cblas.h>
