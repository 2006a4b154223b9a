// harness.cpp -- see harness.hpp.
#include "harness.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

namespace bench {

int64_t now_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

namespace {
// Never destroyed, like the watchdog's state: fail() and the watchdog may read it during exit.
std::mutex& label_mutex() {
  static auto* m = new std::mutex;
  return *m;
}
std::string& label_text() {
  static auto* s = new std::string("setup");
  return *s;
}
}  // namespace

void set_label(const std::string& label) {
  std::lock_guard<std::mutex> lock(label_mutex());
  label_text() = label;
}

std::string label() {
  std::lock_guard<std::mutex> lock(label_mutex());
  return label_text();
}

void fail(const char* fmt, ...) {
  char message[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(message, sizeof message, fmt, ap);
  va_end(ap);
  std::fflush(stdout);
  std::fprintf(stderr, "ak_bench: FAILED %s: %s\n", label().c_str(), message);
  std::fflush(stderr);
  _exit(1);
}

double process_cpu_seconds() noexcept {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
  };
  return secs(ru.ru_utime) + secs(ru.ru_stime);
}

namespace {
int64_t read_rss_bytes() {
  std::FILE* f = std::fopen("/proc/self/smaps_rollup", "r");
  if (!f) fail("cannot open /proc/self/smaps_rollup");
  char line[256];
  long long kib = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::sscanf(line, "Rss: %lld kB", &kib) == 1) break;
  }
  std::fclose(f);
  if (kib < 0) fail("no Rss line in /proc/self/smaps_rollup");
  return static_cast<int64_t>(kib) * 1024;
}
}  // namespace

// smaps_rollup walks the page tables, so it counts exactly the pages mapped now; statm reads
// counters the kernel keeps per CPU and sums approximately. The first reading is thrown away:
// the kernel counts before the reader's own code (sscanf's pages) is first faulted in, which
// would otherwise be charged to whatever happens between the first and second reading.
int64_t resident_bytes() {
  static const int64_t warm_up = read_rss_bytes();
  (void)warm_up;
  return read_rss_bytes();
}

void sleep_seconds(double seconds) {
  timespec ts{};
  ts.tv_sec = static_cast<time_t>(seconds);
  ts.tv_nsec = static_cast<long>((seconds - static_cast<double>(ts.tv_sec)) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

long fib_expected(int n) noexcept {
  long a = 0, b = 1;
  for (int i = 0; i < n; ++i) {
    const long c = a + b;
    a = b;
    b = c;
  }
  return a;
}

double quantile(std::vector<double>& samples, double q) {
  if (samples.empty()) return 0;
  const double pos = std::ceil(q * static_cast<double>(samples.size())) - 1;
  const size_t k = pos < 0 ? 0 : std::min(samples.size() - 1, static_cast<size_t>(pos));
  std::nth_element(samples.begin(), samples.begin() + static_cast<std::ptrdiff_t>(k),
                   samples.end());
  return samples[k];
}

Summary summarize(std::vector<double> samples) {
  Summary s;
  if (samples.empty()) return s;
  std::sort(samples.begin(), samples.end());
  const size_t n = samples.size();
  s.min = samples.front();
  s.max = samples.back();
  s.median = n % 2 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2;
  return s;
}

// --- watchdog ---------------------------------------------------------------------------------

namespace {
// Made once and never destroyed: the watchdog thread is detached and may still be waiting on the
// condition variable while the process runs its exit handlers.
struct DogState {
  std::mutex mutex;
  std::condition_variable changed;
  int64_t deadline = -1;  // guarded by mutex; -1: disarmed
};
DogState& dog() {
  static DogState* d = new DogState;
  return *d;
}

void watchdog_main() {
  DogState& d = dog();
  std::unique_lock<std::mutex> lock(d.mutex);
  for (;;) {
    if (d.deadline < 0) {
      d.changed.wait(lock);
      continue;
    }
    const int64_t left = d.deadline - now_ns();
    if (left <= 0) {
      std::fflush(stdout);
      std::fprintf(stderr,
                   "ak_bench: TIMEOUT %s did not finish in time (deadlock or lost wake-up?)\n",
                   label().c_str());
      std::fflush(stderr);
      _exit(3);
    }
    d.changed.wait_for(lock, std::chrono::nanoseconds(left));
  }
}
}  // namespace

void Watchdog::start() {
  (void)dog();
  std::thread(watchdog_main).detach();
}

void Watchdog::arm(double seconds) {
  DogState& d = dog();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.deadline = now_ns() + static_cast<int64_t>(seconds * 1e9);
  d.changed.notify_one();
}

void Watchdog::disarm() {
  DogState& d = dog();
  std::lock_guard<std::mutex> lock(d.mutex);
  d.deadline = -1;
  d.changed.notify_one();
}

std::string format_number(double v) {
  char buf[64];
  const double a = std::fabs(v);
  if (a >= 1000 || a == 0) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (a >= 100) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else if (a >= 10) {
    std::snprintf(buf, sizeof buf, "%.2f", v);
  } else {
    // Three significant digits below 10: 1.23, 0.123, 0.0123, ...
    const int decimals = 2 - static_cast<int>(std::floor(std::log10(a)));
    std::snprintf(buf, sizeof buf, "%.*f", std::min(decimals, 9), v);
  }
  return buf;
}

}  // namespace bench
