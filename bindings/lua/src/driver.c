/*
 * driver.c -- coroutines waiting on values: v:await(), ak.poll(), ak.run(), ak.pending().
 *
 * await registers a token with ak_value_on_done and yields. The callback runs on whatever thread
 * sets the value and touches only C memory: it appends the token to the hub's ready list and
 * signals. ak.poll takes the ready tokens (waiting for one up to a timeout) and resumes their
 * coroutines on the Lua thread. The hub is reference counted (the Lua state holds one reference,
 * each armed callback another) so callbacks that fire after the state has closed are harmless.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "lak.h"

#define LAK_HUB_MT "asynckit.hub"

typedef struct watch {
  struct watch *next;
  struct hub *hub;
  lua_Integer token;
} watch;

typedef struct hub {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  size_t refs;       /* 1 while the Lua state is open, +1 per armed watch */
  size_t armed;      /* callbacks registered and not fired yet */
  int open;          /* 0 once the Lua state has closed */
  watch *head, *tail; /* fired, not taken yet */
} hub;

typedef struct hub_ud {
  hub *h;
  watch *taken; /* taken from the hub, not yet handed to Lua (freed by __gc if a memory error hit) */
} hub_ud;

static void free_list(watch *w) {
  while (w) {
    watch *next = w->next;
    free(w);
    w = next;
  }
}

static void hub_destroy(hub *h) {
  free_list(h->head);
  pthread_cond_destroy(&h->cv);
  pthread_mutex_destroy(&h->mu);
  free(h);
}

static void on_fired(ak_value *v, void *arg) {
  (void)v;
  watch *w = arg;
  hub *h = w->hub;
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

/* watch(v, token): when v is set, token becomes ready. */
static int hub_watch(lua_State *L) {
  hub_ud *u = lua_touserdata(L, lua_upvalueindex(1));
  ak_value *v = lak_check_value(L, 1);
  lua_Integer token = luaL_checkinteger(L, 2);
  watch *w = malloc(sizeof *w);
  if (!w || !u->h) {
    free(w);
    return luaL_error(L, "asynckit: not enough memory");
  }
  hub *h = u->h;
  w->next = NULL;
  w->hub = h;
  w->token = token;
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
    return luaL_error(L, "asynckit: await: %s", ak_strerror(rc));
  }
  return 0;
}

/* take(timeout_seconds) -> { ready tokens }: waits up to the timeout for at least one, unless no
 * callback is armed at all. */
static int hub_take(lua_State *L) {
  hub_ud *u = lua_touserdata(L, lua_upvalueindex(1));
  int64_t ns = lak_check_timeout(L, 1);
  lua_newtable(L);
  hub *h = u->h;
  if (h && !u->taken) {
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
    u->taken = h->head;
    h->head = h->tail = NULL;
    pthread_mutex_unlock(&h->mu);
  }
  lua_Integer i = 0;
  while (u->taken) {
    watch *w = u->taken;
    lua_pushinteger(L, w->token);
    lua_rawseti(L, -2, ++i);
    u->taken = w->next;
    free(w);
  }
  return 1;
}

static int hub_gc(lua_State *L) {
  hub_ud *u = lua_touserdata(L, 1);
  free_list(u->taken);
  u->taken = NULL;
  hub *h = u->h;
  if (!h) return 0;
  u->h = NULL;
  pthread_mutex_lock(&h->mu);
  h->open = 0;
  watch *ready = h->head;
  h->head = h->tail = NULL;
  int last = --h->refs == 0;
  pthread_mutex_unlock(&h->mu);
  free_list(ready);
  if (last) hub_destroy(h);
  return 0;
}

/* The Lua half. Arguments: the module, the value methods, watch, take. */
static const char driver_lua[] =
    "local ak, V, watch, take = ...\n"
    "local resume, status, running, yield, isyieldable =\n"
    "  coroutine.resume, coroutine.status, coroutine.running, coroutine.yield, coroutine.isyieldable\n"
    "local pack, unpack, huge, now, type = table.pack, table.unpack, math.huge, ak.now, type\n"
    "local waiting = {}   -- token -> coroutine waiting in await\n"
    "local token_of = {}  -- coroutine -> its token\n"
    "local runnable = {}  -- coroutines that yielded without awaiting: resumed by the next poll\n"
    "local finishers = {} -- coroutine -> function(results), for those ak.run started\n"
    "local last_token = 0\n"
    "\n"
    "function V.await(self)\n"
    "  local co, main = running()\n"
    "  if main or not isyieldable() then return self:get() end\n"
    "  while not self:is_set() do\n"
    "    last_token = last_token + 1\n"
    "    local t = last_token\n"
    "    watch(self, t)\n"
    "    waiting[t], token_of[co] = co, t\n"
    "    yield(self)\n"
    "    -- resumed by poll (which removed the token), or by someone else: then forget it\n"
    "    if token_of[co] == t then waiting[t], token_of[co] = nil, nil end\n"
    "  end\n"
    "  return self:get()\n"
    "end\n"
    "\n"
    "-- Resumes co; returns true, err if it died of an error nobody else will report.\n"
    "local function step(co, ...)\n"
    "  local r = pack(resume(co, ...))\n"
    "  if status(co) == 'dead' then\n"
    "    local fin = finishers[co]\n"
    "    if fin then finishers[co] = nil; fin(r); return false end\n"
    "    if not r[1] then return true, r[2] end\n"
    "  elseif not token_of[co] then\n"
    "    runnable[#runnable + 1] = co\n"
    "  end\n"
    "  return false\n"
    "end\n"
    "\n"
    "function ak.pending()\n"
    "  local n = #runnable\n"
    "  for _ in pairs(waiting) do n = n + 1 end\n"
    "  return n\n"
    "end\n"
    "\n"
    "function ak.poll(timeout)\n"
    "  timeout = timeout or 0\n"
    "  if type(timeout) ~= 'number' or not (timeout >= 0) then\n"
    "    error(\"bad argument #1 to 'poll' (timeout must be a non-negative number of seconds)\", 2)\n"
    "  end\n"
    "  local n, failed, err = 0, false, nil\n"
    "  local function run(co)\n"
    "    n = n + 1\n"
    "    local f, e = step(co)\n"
    "    if f and not failed then failed, err = true, e end\n"
    "  end\n"
    "  local ready = runnable\n"
    "  runnable = {}\n"
    "  for i = 1, #ready do run(ready[i]) end\n"
    "  local wait = (n > 0 or #runnable > 0) and 0 or timeout\n"
    "  local deadline = wait > 0 and wait < huge and now() + wait or nil\n"
    "  while true do\n"
    "    local tokens = take(next(waiting) == nil and 0 or wait)\n"
    "    for i = 1, #tokens do\n"
    "      local co = waiting[tokens[i]]\n"
    "      if co then\n"
    "        waiting[tokens[i]], token_of[co] = nil, nil\n"
    "        run(co)\n"
    "      end\n"
    "    end\n"
    "    if n > 0 or wait == 0 or next(waiting) == nil then break end\n"
    "    if deadline then\n"
    "      wait = deadline - now()\n"
    "      if wait <= 0 then break end\n"
    "    end\n"
    "  end\n"
    "  if failed then error(err, 0) end\n"
    "  return n\n"
    "end\n"
    "\n"
    "function ak.run(fn, ...)\n"
    "  local co = coroutine.create(fn)\n"
    "  local result\n"
    "  finishers[co] = function(r) result = r end\n"
    "  step(co, ...)\n"
    "  while not result do\n"
    "    if next(waiting) == nil and #runnable == 0 then\n"
    "      finishers[co] = nil\n"
    "      error('asynckit.run: the coroutine is suspended but waits on no value', 2)\n"
    "    end\n"
    "    ak.poll(huge)\n"
    "  end\n"
    "  if not result[1] then error(result[2], 0) end\n"
    "  return unpack(result, 2, result.n)\n"
    "end\n";

void lak_open_driver(lua_State *L, int module, int value_methods) {
  module = lua_absindex(L, module);
  value_methods = lua_absindex(L, value_methods);
  hub_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
  u->h = NULL;
  u->taken = NULL;
  if (luaL_newmetatable(L, LAK_HUB_MT)) {
    lua_pushcfunction(L, hub_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  int ud = lua_gettop(L);

  hub *h = calloc(1, sizeof *h);
  if (!h) {
    luaL_error(L, "asynckit: not enough memory");
    return; /* not reached: luaL_error does not return */
  }
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_mutex_init(&h->mu, NULL);
  pthread_cond_init(&h->cv, &attr);
  pthread_condattr_destroy(&attr);
  h->refs = 1;
  h->open = 1;
  u->h = h;

  if (luaL_loadbufferx(L, driver_lua, sizeof driver_lua - 1, "=asynckit.driver", "t") != LUA_OK)
    lua_error(L);
  lua_pushvalue(L, module);
  lua_pushvalue(L, value_methods);
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, hub_watch, 1);
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, hub_take, 1);
  lua_call(L, 4, 0);
  lua_settop(L, ud - 1);
}
