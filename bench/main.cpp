// main.cpp -- ak_bench: runs every workload of issue 3 on asynckit, oneTBB and the naive pool,
// interleaved per repetition, and prints one Markdown table of medians, ranges, ratios and targets.
//
//   ak_bench [--reps N] [--quick] [--only NAME[,NAME...]] [--workers N] [--timeout SECONDS]
//
// idle and memory run each sample in a fresh child process (this program, re-executed with
// --child), so that getrusage and /proc/self/smaps_rollup see one runtime alone and no earlier
// workload has warmed its allocator. Every workload checks its results; a wrong one ends the
// program with status 1, a run that does not finish within --timeout with status 3. Targets that
// are not met do not change the exit status: this is a measurement, not a timing gate.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness.hpp"
#include "peer.hpp"

extern char** environ;

namespace bench {
namespace {

// --- sizes and options ------------------------------------------------------------------------

struct Sizes {
  size_t spawn_tasks;
  int fib_n;
  size_t chain_links;
  size_t join_rounds, join_width;
  size_t roundtrip_times;
  size_t idle_burst;
  double idle_seconds;
  size_t memory_pending;
  size_t condvar_trips, spin_trips;
};

// The sizes.
constexpr Sizes kFull{1000000, 30, 100000, 1000, 1000, 100000, 10000, 1.0, 1000000, 10000, 100000};
// A smoke run: proves every workload runs and checks its results, in a few seconds.
constexpr Sizes kQuick{10000, 16, 1000, 10, 100, 1000, 1000, 0.1, 10000, 1000, 10000};

struct Options {
  int reps = -1;  // -1: 5, or 1 with --quick
  bool quick = false;
  std::vector<std::string> only;
  unsigned workers = 0;  // 0: one per online core
  double timeout = -1;   // seconds per run; -1: 600, or 60 with --quick
  std::string child_workload, child_peer;
};

[[noreturn]] void usage(int status) {
  std::fprintf(status ? stderr : stdout,
               "usage: ak_bench [--reps N] [--quick] [--only NAME[,NAME...]] [--workers N]\n"
               "                [--timeout SECONDS]\n"
               "  --reps N      repetitions per workload and peer (default 5; 1 with --quick)\n"
               "  --quick       small sizes: a smoke run that checks results, not a measurement\n"
               "  --only NAMES  spawn_empty, fib_full, chain, join, roundtrip, idle, memory,\n"
               "                baseline (comma-separated)\n"
               "  --workers N   worker threads per pool (default: online cores)\n"
               "  --timeout S   a single run longer than S seconds fails the program (default\n"
               "                600; 60 with --quick)\n");
  std::exit(status);
}

long parse_long(const char* s, const char* what) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s, &end, 10);
  if (errno || !end || *end || v < 0) {
    std::fprintf(stderr, "ak_bench: bad %s: %s\n", what, s);
    usage(2);
  }
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "ak_bench: %s needs a value\n", a.c_str());
        usage(2);
      }
      return argv[++i];
    };
    if (a == "--reps") {
      o.reps = static_cast<int>(parse_long(next(), "--reps"));
      if (o.reps < 1) usage(2);
    } else if (a == "--quick") {
      o.quick = true;
    } else if (a == "--only") {
      std::string list = next();
      size_t start = 0;
      while (start <= list.size()) {
        const size_t comma = list.find(',', start);
        const std::string name = list.substr(start, comma - start);
        if (!name.empty()) o.only.push_back(name);
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
    } else if (a == "--workers") {
      o.workers = static_cast<unsigned>(parse_long(next(), "--workers"));
      if (o.workers < 1) usage(2);
    } else if (a == "--timeout") {
      o.timeout = static_cast<double>(parse_long(next(), "--timeout"));
    } else if (a == "--child") {
      o.child_workload = next();
      o.child_peer = next();
    } else if (a == "--help" || a == "-h") {
      usage(0);
    } else {
      std::fprintf(stderr, "ak_bench: unknown option %s\n", a.c_str());
      usage(2);
    }
  }
  if (o.reps < 0) o.reps = o.quick ? 1 : 5;
  if (o.timeout < 0) o.timeout = o.quick ? 60 : 600;
  if (o.workers == 0) {
    const long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.workers = cores > 0 ? static_cast<unsigned>(cores) : 1;
  }
  return o;
}

// --- peers ------------------------------------------------------------------------------------

enum PeerId { kAsynckit, kTbb, kNaive, kPeerCount };
constexpr std::array<const char*, kPeerCount> kPeerNames = {"asynckit", "oneTBB", "naive"};

std::unique_ptr<Peer> make_peer(int id, unsigned workers) {
  switch (id) {
    case kAsynckit:
      return make_asynckit_peer(workers);
    case kTbb:
      return make_tbb_peer(workers);
    default:
      return make_naive_peer(workers);
  }
}

int peer_by_name(const std::string& name) {
  for (int i = 0; i < kPeerCount; ++i) {
    if (name == kPeerNames[static_cast<size_t>(i)]) return i;
  }
  return -1;
}

// --- rows of the table ------------------------------------------------------------------------

struct Target {
  enum Kind { kRatioAtMost, kBelow, kAtMost } kind;
  int peer;  // kRatioAtMost: asynckit's median / this peer's median
  double limit;
};

struct Row {
  std::string workload;  // the --only name that produces it
  std::string name;
  std::string unit;
  std::vector<Target> targets;
  std::array<std::vector<double>, kPeerCount> samples;
  std::array<std::string, kPeerCount> skipped;  // why a peer has no samples
};

enum RowId {
  kSpawnRow,
  kFibRow,
  kChainRow,
  kJoinRow,
  kRoundtripMedianRow,
  kRoundtripP99Row,
  kIdleRow,
  kMemoryRow,
  kRowCount
};

Row row(const char* workload, const char* name, const char* unit, std::vector<Target> targets) {
  Row r;
  r.workload = workload;
  r.name = name;
  r.unit = unit;
  r.targets = std::move(targets);
  return r;
}

// The targets: ratios to a peer's median from the same run, or absolute bounds.
std::vector<Row> make_rows() {
  using T = Target;
  std::vector<Row> rows(kRowCount);
  rows[kSpawnRow] = row("spawn_empty", "spawn_empty", "ns/task", {{T::kRatioAtMost, kTbb, 1.0}});
  rows[kFibRow] = row("fib_full", "fib_full", "ms", {{T::kRatioAtMost, kTbb, 1.0}});
  rows[kChainRow] = row("chain", "chain", "ns/link", {{T::kRatioAtMost, kTbb, 2.0}});
  rows[kJoinRow] = row("join", "join", "ns/task", {{T::kRatioAtMost, kTbb, 1.0}});
  rows[kRoundtripMedianRow] = row("roundtrip", "roundtrip median", "us",
                                  {{T::kRatioAtMost, kNaive, 0.3}, {T::kRatioAtMost, kTbb, 0.5}});
  rows[kRoundtripP99Row] = row("roundtrip", "roundtrip p99", "us", {});
  rows[kIdleRow] = row("idle", "idle", "CPU s/s", {{T::kBelow, kAsynckit, 0.01}});
  rows[kMemoryRow] = row("memory", "memory", "B/task", {{T::kAtMost, kAsynckit, 128}});
  return rows;
}

const std::vector<std::string> kWorkloads = {"spawn_empty", "fib_full", "chain",  "join",
                                             "roundtrip",   "idle",     "memory", "baseline"};

// --- one run ----------------------------------------------------------------------------------

// The values one run of `workload` on one peer produced, by row; an empty `skipped` or a value.
struct RunResult {
  std::vector<std::pair<RowId, double>> values;
  std::string skipped;
};

RunResult run_in_process(const std::string& workload, Peer& peer, const Sizes& s, bool warmup) {
  RunResult r;
  if (workload == "spawn_empty") {
    r.values.push_back({kSpawnRow, peer.spawn_empty(s.spawn_tasks)});
  } else if (workload == "fib_full") {
    r.skipped = peer.fib_skip_reason();
    if (r.skipped.empty()) r.values.push_back({kFibRow, peer.fib_full(s.fib_n)});
  } else if (workload == "chain") {
    r.values.push_back({kChainRow, peer.chain(s.chain_links)});
  } else if (workload == "join") {
    r.values.push_back({kJoinRow, peer.join(s.join_rounds, s.join_width)});
  } else if (workload == "roundtrip") {
    const size_t times = warmup ? std::max<size_t>(1, s.roundtrip_times / 10) : s.roundtrip_times;
    const Latency l = peer.roundtrip(times);
    r.values.push_back({kRoundtripMedianRow, l.median_us});
    r.values.push_back({kRoundtripP99Row, l.p99_us});
  }
  return r;
}

bool runs_in_child(const std::string& workload) {
  return workload == "idle" || workload == "memory";
}

// The child's side of --child: one sample of idle or memory, printed as a number.
int child_main(const Options& o, const Sizes& s) {
  const int id = peer_by_name(o.child_peer);
  if (id < 0 || !runs_in_child(o.child_workload)) {
    std::fprintf(stderr, "ak_bench: bad --child %s %s\n", o.child_workload.c_str(),
                 o.child_peer.c_str());
    return 2;
  }
  set_label(o.child_workload + "/" + o.child_peer);
  Watchdog::start();
  Watchdog::arm(o.timeout);
  std::unique_ptr<Peer> peer = make_peer(id, o.workers);
  const double v = o.child_workload == "idle" ? peer->idle(s.idle_burst, s.idle_seconds)
                                              : peer->memory(s.memory_pending);
  peer.reset();
  std::printf("%.17g\n", v);
  std::fflush(stdout);
  return 0;
}

// The parent's side: runs one child and reads its number. A child that fails fails us.
double run_child(const Options& o, const std::string& workload, int peer) {
  std::vector<std::string> args = {"ak_bench",  "--child",
                                   workload,    kPeerNames[static_cast<size_t>(peer)],
                                   "--workers", std::to_string(o.workers),
                                   "--timeout", std::to_string(static_cast<long>(o.timeout))};
  if (o.quick) args.push_back("--quick");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) fail("pipe: %s", std::strerror(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipe_fds[1]);
  if (rc != 0) fail("posix_spawn: %s", std::strerror(rc));

  std::string out;
  char buf[256];
  for (;;) {
    const ssize_t got = read(pipe_fds[0], buf, sizeof buf);
    if (got > 0) {
      out.append(buf, static_cast<size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    std::fflush(stdout);
    std::fprintf(stderr, "ak_bench: FAILED %s: the child process ended with status %d\n",
                 label().c_str(), code);
    _exit(code == 3 ? 3 : 1);  // keep a child's timeout recognisable
  }
  char* end = nullptr;
  const double v = std::strtod(out.c_str(), &end);
  if (end == out.c_str()) fail("the child printed no number: '%s'", out.c_str());
  return v;
}

// --- the report -------------------------------------------------------------------------------

std::string cell(const Row& row, int peer) {
  const auto& samples = row.samples[static_cast<size_t>(peer)];
  if (samples.empty()) {
    return row.skipped[static_cast<size_t>(peer)].empty() ? "-" : "skipped";
  }
  const Summary s = summarize(samples);
  if (samples.size() == 1) return format_number(s.median);
  return format_number(s.median) + " [" + format_number(s.min) + "-" + format_number(s.max) + "]";
}

bool has_median(const Row& row, int peer, double* median) {
  const auto& samples = row.samples[static_cast<size_t>(peer)];
  if (samples.empty()) return false;
  *median = summarize(samples).median;
  return true;
}

std::string ratio_cell(const Row& row, int peer) {
  double a = 0, b = 0;
  if (!has_median(row, kAsynckit, &a) || !has_median(row, peer, &b) || b == 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", a / b);
  return buf;
}

std::string target_text(const Row& row) {
  std::string t;
  for (const Target& g : row.targets) {
    if (!t.empty()) t += ", ";
    char buf[64];
    switch (g.kind) {
      case Target::kRatioAtMost:
        std::snprintf(buf, sizeof buf, "<= %.1fx %s", g.limit,
                      kPeerNames[static_cast<size_t>(g.peer)]);
        break;
      case Target::kBelow:
        std::snprintf(buf, sizeof buf, "< %g", g.limit);
        break;
      case Target::kAtMost:
        std::snprintf(buf, sizeof buf, "<= %g", g.limit);
        break;
    }
    t += buf;
  }
  return t.empty() ? "-" : t;
}

std::string met_text(const Row& row) {
  if (row.targets.empty()) return "-";
  double ak = 0;
  if (!has_median(row, kAsynckit, &ak)) return "?";
  bool met = true;
  for (const Target& g : row.targets) {
    switch (g.kind) {
      case Target::kRatioAtMost: {
        double peer = 0;
        if (!has_median(row, g.peer, &peer) || peer == 0) return "?";
        met = met && ak / peer <= g.limit;
        break;
      }
      case Target::kBelow:
        met = met && ak < g.limit;
        break;
      case Target::kAtMost:
        met = met && ak <= g.limit;
        break;
    }
  }
  return met ? "yes" : "no";
}

bool selected(const Options& o, const std::string& workload) {
  if (o.only.empty()) return true;
  for (const std::string& n : o.only) {
    if (n == workload) return true;
  }
  return false;
}

std::string with_commas(size_t n) {
  std::string s = std::to_string(n);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

#ifndef AK_BENCH_BUILD_TYPE
#  define AK_BENCH_BUILD_TYPE "unknown"
#endif
#ifndef AK_BENCH_CXX_FLAGS
#  define AK_BENCH_CXX_FLAGS "unknown"
#endif

}  // namespace

int run(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const Sizes s = o.quick ? kQuick : kFull;
  if (!o.child_workload.empty()) return child_main(o, s);

  for (const std::string& n : o.only) {
    bool known = false;
    for (const std::string& w : kWorkloads) known = known || w == n;
    if (!known) {
      std::fprintf(stderr, "ak_bench: unknown workload %s\n", n.c_str());
      usage(2);
    }
  }

  Watchdog::start();
  std::array<std::unique_ptr<Peer>, kPeerCount> peers;
  for (int i = 0; i < kPeerCount; ++i) peers[static_cast<size_t>(i)] = make_peer(i, o.workers);
  std::vector<Row> rows = make_rows();
  std::vector<double> condvar_us, spin_us;

  for (const std::string& workload : kWorkloads) {
    if (!selected(o, workload)) continue;
    if (workload == "baseline") {
      for (int rep = 0; rep < o.reps; ++rep) {
        set_label("baseline");
        Watchdog::arm(o.timeout);
        condvar_us.push_back(condvar_pingpong_us(s.condvar_trips));
        spin_us.push_back(spin_pingpong_us(s.spin_trips));
        Watchdog::disarm();
        std::fprintf(stderr, "[baseline] rep %d/%d: condvar %s us, spin %s us\n", rep + 1, o.reps,
                     format_number(condvar_us.back()).c_str(),
                     format_number(spin_us.back()).c_str());
      }
      continue;
    }
    const bool child = runs_in_child(workload);
    // One unrecorded run per peer first: page faults of first-touched memory, lazily made pools
    // and threads belong to no repetition. (Child workloads start fresh by design.)
    if (!child) {
      for (int id = 0; id < kPeerCount; ++id) {
        set_label(workload + "/" + kPeerNames[static_cast<size_t>(id)] + " (warm-up)");
        Watchdog::arm(o.timeout);
        (void)run_in_process(workload, *peers[static_cast<size_t>(id)], s, true);
        Watchdog::disarm();
      }
    }
    for (int rep = 0; rep < o.reps; ++rep) {
      for (int k = 0; k < kPeerCount; ++k) {
        const int id = (rep + k) % kPeerCount;  // rotate who goes first
        const auto idx = static_cast<size_t>(id);
        set_label(workload + "/" + kPeerNames[idx]);
        Watchdog::arm(o.timeout + 30);
        RunResult r;
        if (child) {
          const RowId row_id = workload == "idle" ? kIdleRow : kMemoryRow;
          r.values.push_back({row_id, run_child(o, workload, id)});
        } else {
          r = run_in_process(workload, *peers[idx], s, false);
        }
        Watchdog::disarm();
        std::string shown;
        for (const auto& [row, v] : r.values) {
          rows[row].samples[idx].push_back(v);
          shown += " " + rows[row].name + " " + format_number(v) + " " + rows[row].unit;
        }
        if (!r.skipped.empty()) {
          for (Row& row : rows) {
            if (row.workload == workload) row.skipped[idx] = r.skipped;
          }
          shown = " skipped";
        }
        std::fprintf(stderr, "[%s] rep %d/%d %s:%s\n", workload.c_str(), rep + 1, o.reps,
                     kPeerNames[idx], shown.c_str());
      }
    }
  }
  set_label("report");

  // The report, in Markdown.
  std::printf(
      "Workers per pool: %u. Repetitions: %d, interleaved (asynckit, oneTBB, naive, "
      "rotating who goes first). Sizes: %s.\n\n",
      o.workers, o.reps, o.quick ? "--quick (smoke run, not a measurement)" : "the issue's");
  std::printf(
      "Peers: asynckit %s (public C API), oneTBB %s, naive pool (%s). Build: %s, "
      "CXXFLAGS \"%s\".\n\n",
      peers[kAsynckit]->version().c_str(), peers[kTbb]->version().c_str(),
      peers[kNaive]->version().c_str(), AK_BENCH_BUILD_TYPE, AK_BENCH_CXX_FLAGS);
  std::printf(
      "Sizes: spawn_empty %s tasks; fib_full fib(%d); chain %s links; join %s x %s; "
      "roundtrip %s; idle %s s after %s tasks; memory %s pending.\n\n",
      with_commas(s.spawn_tasks).c_str(), s.fib_n, with_commas(s.chain_links).c_str(),
      with_commas(s.join_rounds).c_str(), with_commas(s.join_width).c_str(),
      with_commas(s.roundtrip_times).c_str(), format_number(s.idle_seconds).c_str(),
      with_commas(s.idle_burst).c_str(), with_commas(s.memory_pending).c_str());
  std::printf("Cells: median [min-max]. Ratios compare medians.\n\n");
  std::printf(
      "| workload | unit | asynckit | oneTBB | naive | asynckit/oneTBB | asynckit/naive "
      "| target | met |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const Row& row : rows) {
    if (!selected(o, row.workload)) continue;
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", row.name.c_str(),
                row.unit.c_str(), cell(row, kAsynckit).c_str(), cell(row, kTbb).c_str(),
                cell(row, kNaive).c_str(), ratio_cell(row, kTbb).c_str(),
                ratio_cell(row, kNaive).c_str(), target_text(row).c_str(), met_text(row).c_str());
  }
  std::printf("\n");
  for (const Row& row : rows) {
    if (!selected(o, row.workload)) continue;
    for (int id = 0; id < kPeerCount; ++id) {
      const std::string& why = row.skipped[static_cast<size_t>(id)];
      if (!why.empty()) {
        std::printf("- %s on %s skipped: %s.\n", row.name.c_str(),
                    kPeerNames[static_cast<size_t>(id)], why.c_str());
      }
    }
  }
  if (!condvar_us.empty()) {
    std::printf(
        "\nMachine baselines (the issue's reference machine: condvar ~83 us, spin "
        "~0.15 us):\n\n");
    std::printf("| baseline | unit | median [min-max] |\n|---|---|---|\n");
    Row tmp;
    tmp.samples[0] = condvar_us;
    std::printf("| condvar ping-pong | us/round trip | %s |\n", cell(tmp, 0).c_str());
    tmp.samples[0] = spin_us;
    std::printf("| spin ping-pong | us/round trip | %s |\n", cell(tmp, 0).c_str());
  }
  std::fflush(stdout);
  // Pools end in order here; a hang at shutdown is still a failure.
  Watchdog::arm(o.timeout);
  for (auto& p : peers) p.reset();
  Watchdog::disarm();
  return 0;
}

}  // namespace bench

int main(int argc, char** argv) { return bench::run(argc, argv); }
