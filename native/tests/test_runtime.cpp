// Thread pool partitioning and re-entrancy, ISA selection, FMA probe sanity.
#include <atomic>
#include <thread>
#include <vector>

#include "amaas/cpu.h"
#include "amaas/gemm.h"
#include "amaas/thread_pool.h"
#include "harness.h"

using namespace amaas;

TEST(runtime, pool_covers_every_task_once) {
  auto& pool = ThreadPool::instance();
  for (int64_t n : {1, 2, 3, 17, 1000}) {
    std::vector<std::atomic<int>> hits(n);
    pool.parallel_for(n, [&](int64_t b, int64_t e, int) {
      for (int64_t i = b; i < e; ++i) hits[i].fetch_add(1);
    });
    for (auto& h : hits) CHECK(h.load() == 1);
  }
}

TEST(runtime, nested_and_concurrent_jobs_run_inline) {
  auto& pool = ThreadPool::instance();
  std::atomic<int64_t> total{0};
  auto job = [&] {
    pool.parallel_for(8, [&](int64_t b, int64_t e, int) {
      pool.parallel_for(4, [&](int64_t b2, int64_t e2, int) { total += (e - b) * (e2 - b2); });
    });
  };
  std::thread t1(job), t2(job);
  t1.join();
  t2.join();
  CHECK(total.load() == 2 * 8 * 4);
}

TEST(runtime, set_threads_clamps) {
  auto& pool = ThreadPool::instance();
  int saved = pool.threads();
  pool.set_threads(0);
  CHECK(pool.threads() == 1);
  pool.set_threads(100000);
  CHECK(pool.threads() == pool.max_threads());
  pool.set_threads(saved);
}

TEST(runtime, isa_selection) {
  auto isas = supported_isas();
  CHECK(!isas.empty() && isas.front() == Isa::kScalar);
  Isa parsed;
  CHECK(parse_isa("avx2", &parsed) && parsed == Isa::kAvx2);
  CHECK(!parse_isa("sse9", &parsed));
  Isa saved = active_isa();
  for (Isa i : isas) {
    CHECK(set_active_isa(i).ok());
    CHECK(active_isa() == i);
  }
  CHECK(set_active_isa(saved).ok());
}

TEST(runtime, fma_probe_is_positive) {
  double g = measure_fma_peak_gflops(1, 0.02);
  CHECK(g > 0.1);
}
