/*
 * driver.c -- coroutines waiting on values: v:await(), ak.poll(), ak.run(), ak.pending().
 *
 * await arms a watch on the value (hub.c) and yields. The watch's callback runs on whatever thread
 * sets the value and touches only C memory: it moves the watch to the hub's ready list and
 * signals. ak.poll takes the ready tokens (waiting for one up to a timeout) and resumes their
 * coroutines on the Lua thread. The Lua state holds one reference to the hub (through a userdata
 * whose __gc closes it) and each armed watch another, so callbacks that fire after the state has
 * closed are harmless.
 */
#include <lauxlib.h>

#include "common.h"
#include "driver.h"
#include "hub.h"
#include "value.h"

#define LAK_HUB_MT "asynckit.hub"

typedef struct hub_ud {
  lak_hub *h;
  lak_watch *taken; /* taken from the hub, not yet handed to Lua (freed by __gc if a memory error
                     * hit) */
} hub_ud;

/* watch(v, token): when v is set, token becomes ready. */
static int hub_watch(lua_State *L) {
  hub_ud *u = lua_touserdata(L, lua_upvalueindex(1));
  ak_value *v = lak_check_value(L, 1);
  lua_Integer token = luaL_checkinteger(L, 2);
  lak_watch *w = u->h ? lak_watch_new(u->h, (int64_t)token) : NULL;
  if (!w) return luaL_error(L, "asynckit: not enough memory");
  int rc = lak_watch_arm(w, v); /* may fire at once, on this thread */
  if (rc != AK_OK) return luaL_error(L, "asynckit: await: %s", ak_strerror(rc));
  return 0;
}

/* take(timeout_seconds) -> { ready tokens }: waits up to the timeout for at least one, unless no
 * watch is armed at all. */
static int hub_take(lua_State *L) {
  hub_ud *u = lua_touserdata(L, lua_upvalueindex(1));
  int64_t ns = lak_check_timeout(L, 1);
  lua_newtable(L);
  if (u->h && !u->taken) u->taken = lak_hub_take(u->h, ns);
  lua_Integer i = 0;
  while (u->taken) {
    lua_pushinteger(L, (lua_Integer)u->taken->token);
    lua_rawseti(L, -2, ++i);
    u->taken = lak_watch_drop(u->taken);
  }
  return 1;
}

static int hub_gc(lua_State *L) {
  hub_ud *u = lua_touserdata(L, 1);
  lak_watch_free_all(u->taken);
  u->taken = NULL;
  lak_hub *h = u->h;
  if (!h) return 0;
  u->h = NULL;
  lak_hub_close(h);
  return 0;
}

/* The Lua half. Arguments: the module, the value methods, watch, take. */
static const char driver_lua[] =
    "local ak, V, watch, take = ...\n"
    "local resume, status, running, yield, isyieldable =\n"
    "  coroutine.resume, coroutine.status, coroutine.running, coroutine.yield, "
    "coroutine.isyieldable\n"
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
    "    error(\"bad argument #1 to 'poll' (timeout must be a non-negative number of seconds)\", "
    "2)\n"
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

  u->h = lak_hub_new();
  if (!u->h) {
    luaL_error(L, "asynckit: not enough memory");
    return; /* not reached: luaL_error does not return */
  }

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
