/* The one definition of the per-thread slots declared in include/shims.h; everything else of this module
 * is inline in the header. */
#include "shims.h"

__attribute__((visibility("hidden"))) __thread void *swish_thread_slots[swish_thread_slot_count] SWISH_TLS_MODEL;
