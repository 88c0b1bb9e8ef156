// The peak probes' driver, shared by the FMA (gemm.cpp) and integer dot-product (qgemm.cpp)
// peaks: calibrate an iteration count on one thread to about `seconds`, then run the probe on
// `threads` pool threads at once. Returns the work per second summed over threads (in the unit
// the probe returns: flops, MACs...).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "amaas/thread_pool.h"

namespace amaas::cpu {

template <class Probe>
double run_peak_probe(Probe probe, int threads, double seconds, int64_t first_iters) {
  using clock = std::chrono::steady_clock;
  threads = std::max(1, threads);
  int64_t iters = first_iters;
  for (;;) {
    auto t0 = clock::now();
    probe(iters);
    double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (dt > 0.02 || iters > (int64_t(1) << 40)) {
      iters = static_cast<int64_t>(iters * (seconds / dt));
      break;
    }
    iters *= 4;
  }
  iters = std::max<int64_t>(iters, 1024);
  std::vector<double> work(threads, 0.0);
  auto t0 = clock::now();
  ThreadPool::instance().parallel_for(threads, [&](int64_t b, int64_t e, int) {
    for (int64_t t = b; t < e; ++t) work[t] = probe(iters);
  });
  double dt = std::chrono::duration<double>(clock::now() - t0).count();
  double total = 0;
  for (double w : work) total += w;
  return total / dt;
}

}  // namespace amaas::cpu
