// peer.hpp -- one runtime under test (asynckit, oneTBB, the naive pool) and the workloads it runs.
//
// Every workload checks its own results and calls fail() on a wrong one. The in-process workloads
// run on one pool per peer, made on first use with `workers` threads and kept for the whole run.
// idle() and memory() are run in a child process of their own (see main.cpp), so they make their
// own pool and their process counters see that peer alone.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace bench {

struct Latency {
  double median_us = 0;
  double p99_us = 0;
};

class Peer {
 public:
  virtual ~Peer() = default;
  [[nodiscard]] virtual const char* name() const = 0;
  [[nodiscard]] virtual std::string version() const = 0;  // of the library actually loaded

  // `tasks` empty tasks submitted from this (outside) thread, then all waited: ns per task.
  virtual double spawn_empty(size_t tasks) = 0;
  // fib(n), each call spawning fib(n-1) and computing fib(n-2) inline, no cutoff, waiting for
  // the spawned call inside the worker: total ms. Empty string from fib_skip_reason() if supported.
  virtual double fib_full(int n) = 0;
  [[nodiscard]] virtual std::string fib_skip_reason() const { return {}; }
  // `links` tasks run one after the other, each from the previous one's result: ns per link.
  virtual double chain(size_t links) = 0;
  // `rounds` rounds of `width` empty tasks, each round joined before the next: ns per task.
  virtual double join(size_t rounds, size_t width) = 0;
  // `times` times: submit one task from this thread and block on its result.
  virtual Latency roundtrip(size_t times) = 0;

  // Run in a child process. After a burst of `burst` tasks, the pool idles `seconds`: CPU seconds
  // the process used per idle second.
  virtual double idle(size_t burst, double seconds) = 0;
  // Run in a child process. Resident bytes per pending task with `pending` tasks queued and not
  // run yet.
  virtual double memory(size_t pending) = 0;
};

std::unique_ptr<Peer> make_asynckit_peer(unsigned workers);
std::unique_ptr<Peer> make_tbb_peer(unsigned workers);
std::unique_ptr<Peer> make_naive_peer(unsigned workers);

// Machine baselines, to compare this machine with the one the reference numbers come
// from: a round trip between two threads through a mutex and condition variable, and through a
// spinning cache line. Microseconds per round trip.
double condvar_pingpong_us(size_t round_trips);
double spin_pingpong_us(size_t round_trips);

}  // namespace bench
