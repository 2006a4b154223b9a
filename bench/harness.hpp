// harness.hpp -- what every peer's workloads share: the clock, result checks, process counters,
// summaries of repeated samples, and the watchdog that turns a hang into a loud failure.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

// Monotonic nanoseconds.
int64_t now_ns() noexcept;

// The workload and peer running now ("spawn_empty/asynckit"), named by failures and the watchdog.
void set_label(const std::string& label);
std::string label();

// Prints "ak_bench: FAILED <label>: <message>" to stderr and ends the process with status 1.
// _exit, not exit: it may be called from a worker thread while other threads still run.
[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

// A result check that stays cheap on the hot path: the message is only formatted on failure.
#define BENCH_CHECK(cond, ...)                                                                     \
  do {                                                                                             \
    if (__builtin_expect(!(cond), 0)) {                                                            \
      ::bench::fail(__VA_ARGS__);                                                                  \
    }                                                                                              \
  } while (0)

// CPU seconds (user + system) used so far by every thread of this process (getrusage).
double process_cpu_seconds() noexcept;

// Resident memory of this process in bytes (Rss of /proc/self/smaps_rollup: exact, not batched).
int64_t resident_bytes();

// Sleeps the calling thread for `seconds` of wall time (resuming after signals).
void sleep_seconds(double seconds);

// fib(n) computed serially, to check the parallel ones against.
long fib_expected(int n) noexcept;

// Median, min and max of repeated samples.
struct Summary {
  double median = 0, min = 0, max = 0;
};
Summary summarize(std::vector<double> samples);

// The q-quantile (0..1) of samples by nearest rank; reorders them.
double quantile(std::vector<double>& samples, double q);

// Ends the process with status 3 if a run does not finish within its bound: a deadlocked runtime
// must fail the run (and CI) instead of hanging it.
class Watchdog {
 public:
  static void start();              // once, before the first arm()
  static void arm(double seconds);  // the current run must end within `seconds`
  static void disarm();
};

// Formats a number without exponents: whole numbers from 1000, four significant digits from 10
// (128.438 -> "128.4", 12.3456 -> "12.35"), three below (1.2345 -> "1.23", 0.012345 -> "0.0123").
std::string format_number(double v);

}  // namespace bench
