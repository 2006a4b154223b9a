/* An outside program: built against an installed asynckit, it runs one task and checks it. */
#include <asynckit.h>
#include <stdio.h>
#include <string.h>

static int answer(ak_task *t, void *arg) {
  (void)arg;
  ak_task_set_result(t, (void *)42, NULL);
  return AK_OK;
}

int main(void) {
  if (strcmp(ak_version(), AK_VERSION_STRING) != 0) {
    fprintf(stderr, "loaded %s, compiled against %s\n", ak_version(), AK_VERSION_STRING);
    return 1;
  }
  ak_pool *pool;
  ak_value *v;
  void *r = NULL;
  if (ak_pool_create(NULL, &pool) != AK_OK) return 1;
  if (ak_pool_do(pool, answer, NULL, &v) != AK_OK) return 1;
  if (ak_value_get(v, AK_FOREVER, &r) != AK_OK || r != (void *)42) return 1;
  ak_value_release(v);
  ak_pool_destroy(pool);
  puts("consumer ok");
  return 0;
}
