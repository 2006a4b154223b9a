/*
 * hub.c -- the queue of fired waits behind v:await() (see hub.h). A watch's callback runs on
 * whatever thread sets the value and touches only C memory: it appends the watch to the ready list
 * and signals the Lua thread, which may be waiting in lak_hub_take.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "hub.h"

struct lak_hub {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t refs;            /* 1 while the owner has not closed it, +1 per armed watch */
  size_t armed;           /* callbacks registered and not fired yet */
  int open;               /* 0 once the owner has closed it */
  lak_watch *head, *tail; /* fired, not taken yet */
};

void lak_watch_free_all(lak_watch *w) {
  while (w) w = lak_watch_drop(w);
}

lak_watch *lak_watch_drop(lak_watch *w) {
  lak_watch *next = w->next;
  free(w);
  return next;
}

static void hub_destroy(lak_hub *h) {
  lak_watch_free_all(h->head);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

lak_hub *lak_hub_new(void) {
  lak_hub *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  /* a monotonic clock: lak_hub_take's deadline must not move with the wall clock */
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, &attr);
  pthread_condattr_destroy(&attr);
  h->refs = 1;
  h->open = 1;
  return h;
}

void lak_hub_close(lak_hub *h) {
  pthread_mutex_lock(&h->mu);
  h->open = 0;
  lak_watch *ready = h->head;
  h->head = h->tail = NULL;
  int last = --h->refs == 0;
  pthread_mutex_unlock(&h->mu);
  lak_watch_free_all(ready);
  if (last) hub_destroy(h);
}

lak_watch *lak_watch_new(lak_hub *h, int64_t token) {
  lak_watch *w = malloc(sizeof *w);
  if (!w) return NULL;
  w->next = NULL;
  w->hub = h;
  w->token = token;
  return w;
}

static void on_fired(ak_value *v, void *arg) {
  (void)v;
  lak_watch *w = arg;
  lak_hub *h = w->hub;
  pthread_mutex_lock(&h->mu);
  h->armed--;
  if (h->open) {
    w->next = NULL;
    if (h->tail)
      h->tail->next = w;
    else
      h->head = w;
    h->tail = w;
    w = NULL;
    pthread_cond_signal(&h->cv);
  }
  int last = --h->refs == 0;
  pthread_mutex_unlock(&h->mu);
  free(w);
  if (last) hub_destroy(h);
}

int lak_watch_arm(lak_watch *w, ak_value *v) {
  lak_hub *h = w->hub;
  pthread_mutex_lock(&h->mu);
  h->refs++;
  h->armed++;
  pthread_mutex_unlock(&h->mu);
  int rc = ak_value_on_done(v, on_fired, w); /* may call on_fired at once, on this thread */
  if (rc != AK_OK) {
    pthread_mutex_lock(&h->mu);
    h->refs--;
    h->armed--;
    pthread_mutex_unlock(&h->mu);
    free(w);
  }
  return rc;
}

lak_watch *lak_hub_take(lak_hub *h, int64_t ns) {
  pthread_mutex_lock(&h->mu);
  if (ns != 0 && !h->head && h->armed > 0) {
    if (ns == AK_FOREVER) {
      while (!h->head && h->armed > 0) pthread_cond_wait(&h->cv, &h->mu);
    } else {
      struct timespec deadline;
      clock_gettime(CLOCK_MONOTONIC, &deadline);
      deadline.tv_sec += (time_t)(ns / 1000000000);
      deadline.tv_nsec += (long)(ns % 1000000000);
      if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000L;
      }
      while (!h->head && h->armed > 0) {
        if (pthread_cond_timedwait(&h->cv, &h->mu, &deadline) == ETIMEDOUT) break;
      }
    }
  }
  lak_watch *taken = h->head;
  h->head = h->tail = NULL;
  pthread_mutex_unlock(&h->mu);
  return taken;
}
