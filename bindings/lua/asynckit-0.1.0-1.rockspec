-- LuaRocks package of the asynckit Lua binding (the C module `asynckit`).
--
-- libasynckit and asynckit.h must be installed first (the project's CMake install). Then, from
-- this directory:
--   luarocks make asynckit-0.1.0-1.rockspec ASYNCKIT_DIR=/usr/local
-- (ASYNCKIT_DIR is the install prefix; ASYNCKIT_INCDIR / ASYNCKIT_LIBDIR set the two apart.)
rockspec_format = "3.0"
package = "asynckit"
version = "0.1.0-1"

source = {
   -- PLACEHOLDER: set to the project's public repository before publishing the rock. `dir` is
   -- this directory inside the checkout.
   url = "git+https://example.invalid/asynckit.git",
   tag = "v0.1.0",
   dir = "asynckit/bindings/lua",
}

description = {
   summary = "Parallel Lua work on libasynckit's work-stealing thread pool",
   detailed = [[
      Runs Lua functions in parallel on a native work-stealing thread pool. Each pool thread
      owns its own Lua state; work crosses as bytecode with copied arguments, and its results
      come back as values (futures) you can get, wait on, chain, join, or await from a
      coroutine.
   ]],
   labels = { "concurrency", "parallel", "threads", "futures" },
   -- as the project's Rust crates declare; the repository has no LICENSE file yet
   license = "MIT OR Apache-2.0",
}

dependencies = {
   "lua >= 5.4, < 5.5",
}

external_dependencies = {
   ASYNCKIT = {
      header = "asynckit.h",
      library = "asynckit",
   },
}

build = {
   type = "builtin",
   modules = {
      asynckit = {
         sources = {
            "src/job.c", "src/hub.c", "src/serial.c", "src/common.c", "src/worker.c",
            "src/submit.c", "src/value.c", "src/pool.c", "src/driver.c", "src/module.c",
         },
         incdirs = { "$(ASYNCKIT_INCDIR)" },
         libdirs = { "$(ASYNCKIT_LIBDIR)" },
         libraries = { "asynckit", "pthread", "dl" },
      },
   },
}
