// The one process-wide thread pool. Kernels never start threads: they receive ranges.
// Workers spin briefly after each job (a batch-1 inference call must not pay a futex wake-up),
// then sleep. A job submitted while the pool is busy (another thread's job, or a nested call
// from inside a job) runs inline on the caller: correct, never deadlocks, just not parallel.
#pragma once

#include <cstdint>

namespace amaas {

class ThreadPool {
 public:
  // fn(ctx, begin, end, worker): one contiguous chunk of [0, n_tasks) per worker.
  using RangeFn = void (*)(void* ctx, int64_t begin, int64_t end, int worker);

  static ThreadPool& instance();

  int max_threads() const;  // threads the pool owns, plus the caller (AMAAS_THREADS or cores)
  int threads() const;      // threads a job uses now (1..max_threads)
  void set_threads(int n);  // clamped to [1, max_threads]

  // Static partition: worker w gets [w*n/T, (w+1)*n/T) with T = min(threads(), n_tasks).
  // The caller is worker 0. Same n_tasks and threads() => same partition (determinism).
  void run(int64_t n_tasks, RangeFn fn, void* ctx);

  template <class F>
  void parallel_for(int64_t n_tasks, F&& f) {
    auto trampoline = [](void* c, int64_t b, int64_t e, int w) { (*static_cast<F*>(c))(b, e, w); };
    run(n_tasks, trampoline, &f);
  }

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

 private:
  ThreadPool();
  ~ThreadPool();
  struct Impl;
  Impl* impl_;
};

}  // namespace amaas
