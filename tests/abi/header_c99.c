/* The public header compiles as strict C99 with every warning an error. */
#include <asynckit.h>

int ak_header_check_uses_macros(void) {
  ak_pool_options opts = AK_POOL_OPTIONS_INIT;
  ak_stats stats = AK_STATS_INIT;
  return (int)opts.size + (int)stats.size + AK_EWORK + (int)AK_FOREVER + AK_STOP_CANCEL;
}
