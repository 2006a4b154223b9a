/*
 * lak.h -- what every file of the Lua binding shares (not installed): the overview below, the
 * visibility macro and the registry key of the module table. It includes neither Lua nor
 * asynckit, so the raw layer can use it without seeing Lua.
 *
 * The binding in one paragraph: a Lua state is not thread-safe, so work never touches the state
 * that spawned it. Spawning serialises the work function (as bytecode) and its arguments into a C
 * buffer (serial.c); a pool thread runs the job in a Lua state of its own, made on first use and
 * kept for the thread's life (worker.c); the results come back as another C buffer owned by the
 * ak_value, decoded on demand by whoever reads it (value.c). Coroutines wait on values through a
 * small C hub that value callbacks post to (hub.c, driven from Lua by driver.c).
 *
 * Layering (each file calls only files listed before it; each has its own header):
 *   raw:      job.c (packs and jobs: the C memory of Lua work), hub.c (the queue of fired waits).
 *             Both talk to libasynckit and libc only; they include no Lua header.
 *   helpers:  serial.c (Lua values <-> packs; uses job), common.c (what both module tables offer).
 *   workers:  worker.c (per-thread Lua states, running a job, the worker-side module; uses job,
 *             serial, common), submit.c (a Lua call's arguments into a job; uses job, serial).
 *   Lua API:  value.c (value userdata and methods, promise/join/any; uses job, serial, common,
 *             submit, worker), pool.c (pool userdata and methods; uses value, submit, worker),
 *             driver.c (await/poll/run; uses hub, common, value), module.c (luaopen_asynckit;
 *             uses pool, value, driver, common).
 */
#ifndef LAK_H
#define LAK_H

#if defined(__GNUC__) || defined(__clang__)
#  define LAK_HIDDEN __attribute__((visibility("hidden")))
#else
#  define LAK_HIDDEN
#endif

/* Registry key of this state's asynckit module table (the main one, or the worker-side one). */
#define LAK_MODULE_KEY "asynckit.module"

#endif /* LAK_H */
