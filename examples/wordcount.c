/*
 * wordcount: counts lines, words and bytes of every file under a folder, one task per file on an
 * asynckit pool, joined with ak_list_join. An unreadable file is reported on its own line and the
 * run goes on.
 *
 *   wordcount [folder] [workers]      (default folder: the source tree this was built from)
 */
#define _XOPEN_SOURCE 700
#include <asynckit.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef WORDCOUNT_DEFAULT_DIR
#  define WORDCOUNT_DEFAULT_DIR "."
#endif

typedef struct counts {
  unsigned long long lines, words, bytes;
} counts;

/* The work: one file. Its result is a malloc'd counts, freed by the value with free(). */
static int count_file(ak_task *task, void *arg) {
  const char *path = arg;
  FILE *f = fopen(path, "rb");
  if (!f) return ak_task_fail(task, errno, "cannot open %s: %s", path, strerror(errno));
  counts *c = calloc(1, sizeof *c);
  if (!c) {
    fclose(f);
    return ak_task_fail(task, AK_ENOMEM, "out of memory");
  }
  char buf[1 << 16];
  int in_word = 0;
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
    c->bytes += got;
    for (size_t i = 0; i < got; i++) {
      const char ch = buf[i];
      if (ch == '\n') c->lines++;
      const int space =
          ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
      if (!space && !in_word) c->words++;
      in_word = !space;
    }
  }
  const int failed = ferror(f);
  fclose(f);
  if (failed) {
    free(c);
    return ak_task_fail(task, EIO, "read error in %s", path);
  }
  ak_task_set_result(task, c, free);
  return AK_OK;
}

typedef struct file_list {
  char **paths;
  size_t n, cap;
} file_list;

static int add_path(file_list *l, const char *path) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    char **grown = realloc(l->paths, cap * sizeof *grown);
    if (!grown) return -1;
    l->paths = grown;
    l->cap = cap;
  }
  if (!(l->paths[l->n] = strdup(path))) return -1;
  l->n++;
  return 0;
}

/* Collects regular files below `dir`, skipping version-control and build folders. */
static int walk(const char *dir, file_list *out) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "wordcount: cannot open folder %s: %s\n", dir, strerror(errno));
    return 0; /* reported; the run goes on */
  }
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d))) {
    const char *name = e->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..") || !strcmp(name, ".git") ||
        !strncmp(name, "build", 5) || !strcmp(name, "target") || !strcmp(name, "__pycache__"))
      continue;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) continue;
    struct stat st;
    if (lstat(path, &st) != 0) continue;
    if (S_ISDIR(st.st_mode))
      rc = walk(path, out);
    else if (S_ISREG(st.st_mode))
      rc = add_path(out, path);
  }
  closedir(d);
  return rc;
}

int main(int argc, char **argv) {
  const char *root = argc > 1 ? argv[1] : WORDCOUNT_DEFAULT_DIR;
  ak_pool_options opts = AK_POOL_OPTIONS_INIT;
  if (argc > 2) opts.workers = (unsigned)strtoul(argv[2], NULL, 10);
  opts.name = "wc";

  file_list files = {0};
  if (walk(root, &files) != 0) {
    fprintf(stderr, "wordcount: out of memory\n");
    return 1;
  }
  ak_pool *pool;
  int rc = ak_pool_create(&opts, &pool);
  if (rc != AK_OK) {
    fprintf(stderr, "wordcount: ak_pool_create: %s\n", ak_strerror(rc));
    return 1;
  }
  ak_value **values = calloc(files.n ? files.n : 1, sizeof *values);
  size_t submitted = 0;
  for (; values && submitted < files.n; submitted++) {
    rc = ak_pool_do(pool, count_file, files.paths[submitted], &values[submitted]);
    if (rc != AK_OK) break;
  }
  if (!values || submitted < files.n) {
    fprintf(stderr, "wordcount: could not submit: %s\n", ak_strerror(rc));
    return 1;
  }
  ak_value *all;
  rc = ak_list_join(values, files.n, &all);
  if (rc != AK_OK) {
    fprintf(stderr, "wordcount: ak_list_join: %s\n", ak_strerror(rc));
    return 1;
  }
  /* The join fails at the first unreadable file; every file still gets its own line. */
  ak_value_wait(all, AK_FOREVER);
  counts total = {0};
  size_t failed = 0;
  for (size_t i = 0; i < files.n; i++) {
    void *result;
    rc = ak_value_get(ak_list_at(all, i), AK_FOREVER, &result);
    if (rc != AK_OK) {
      printf("%8s %8s %10s  %s: error %d: %s\n", "-", "-", "-", files.paths[i], rc,
             ak_value_message(ak_list_at(all, i)));
      failed++;
      continue;
    }
    const counts *c = result;
    printf("%8llu %8llu %10llu  %s\n", c->lines, c->words, c->bytes, files.paths[i]);
    total.lines += c->lines;
    total.words += c->words;
    total.bytes += c->bytes;
  }
  printf("%8llu %8llu %10llu  total (%zu files, %zu unreadable, %u workers)\n", total.lines,
         total.words, total.bytes, files.n - failed, failed, ak_pool_workers(pool));

  ak_value_release(all);
  for (size_t i = 0; i < files.n; i++) {
    ak_value_release(values[i]);
    free(files.paths[i]);
  }
  free(values);
  free(files.paths);
  ak_pool_destroy(pool);
  return 0;
}
