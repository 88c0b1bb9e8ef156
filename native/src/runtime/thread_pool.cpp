// The process-wide pool: T-1 worker threads plus the calling thread.
// Hand-off: the caller publishes a job and bumps `generation`; workers spin on it for a short
// while (kSpinNs) before sleeping on a condition variable. Completion: an atomic countdown the
// caller spins on. One job at a time (submit_mu_); a busy pool runs the job inline.
#include "amaas/thread_pool.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

#include <string>
#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#endif
#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
#define AMAAS_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define AMAAS_PAUSE() __asm__ __volatile__("yield")
#else
#define AMAAS_PAUSE() ((void)0)
#endif

namespace amaas {
namespace {

constexpr int64_t kSpinNs = 2'000'000;  // 2 ms of spinning after a job before sleeping
thread_local bool t_in_pool_job = false;

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Worker pinning. Workers are pinned to distinct CPUs of the process's affinity set, never the one
// the caller runs on: without it the scheduler sometimes puts caller and worker on one core, and
// a batch-1 GEMV no longer finds its half of the weights in its own L2. The caller (the JS thread)
// is never pinned; when it moves onto a worker's CPU, run() moves that worker to a free CPU.
// AMAAS_PIN=0 disables all of this (e.g. when several processes share the machine).
bool pinning_enabled() {
#if defined(__linux__)
  const char* env = std::getenv("AMAAS_PIN");
  return !(env && std::string(env) == "0");
#else
  return false;
#endif
}

std::vector<int> allowed_cpus() {
  std::vector<int> cpus;
#if defined(__linux__)
  cpu_set_t allowed;
  if (sched_getaffinity(0, sizeof(allowed), &allowed) == 0)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
      if (CPU_ISSET(cpu, &allowed)) cpus.push_back(cpu);
#endif
  return cpus;
}

bool pin_thread(std::thread& t, int cpu) {
#if defined(__linux__)
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  return pthread_setaffinity_np(t.native_handle(), sizeof(one), &one) == 0;
#else
  (void)t;
  (void)cpu;
  return false;
#endif
}

int current_cpu() {
#if defined(__linux__)
  return sched_getcpu();
#else
  return -1;
#endif
}

int detect_threads() {
  if (const char* env = std::getenv("AMAAS_THREADS"); env && *env) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end && *end == '\0' && v >= 1 && v <= 1024) return static_cast<int>(v);
  }
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

}  // namespace

struct ThreadPool::Impl {
  int max_threads = 1;
  std::atomic<int> threads{1};
  std::vector<std::thread> workers;

  std::mutex submit_mu;  // one job at a time

  // Current job (written by the submitter before bumping generation).
  RangeFn fn = nullptr;
  void* ctx = nullptr;
  int64_t n_tasks = 0;
  int n_participants = 0;
  std::atomic<uint64_t> generation{0};
  std::atomic<int> remaining{0};

  std::mutex sleep_mu;
  std::condition_variable sleep_cv;
  std::atomic<bool> stop{false};

  void run_chunk(int w) {
    int64_t begin = n_tasks * w / n_participants;
    int64_t end = n_tasks * (w + 1) / n_participants;
    if (begin < end) fn(ctx, begin, end, w);
  }

  // Pinning state: the CPU each worker (index >= 1) is pinned to, -1 when not pinned.
  bool pin = false;
  std::vector<int> cpus;       // the process's allowed CPUs
  std::vector<int> worker_cpu;  // by worker index; [0] unused (the caller)

  void pin_workers() {
    pin = pinning_enabled();
    worker_cpu.assign(workers.size() + 1, -1);
    if (!pin) return;
    cpus = allowed_cpus();
    // Worker w gets the w-th allowed CPU, leaving the first to the caller.
    for (size_t w = 1; w <= workers.size() && w < cpus.size(); ++w)
      if (pin_thread(workers[w - 1], cpus[w])) worker_cpu[w] = cpus[w];
  }

  // Called by the submitter before a job: moves a participating worker off the caller's CPU.
  void avoid_caller_cpu(int participants) {
    if (!pin) return;
    int here = current_cpu();
    if (here < 0) return;
    for (int w = 1; w < participants; ++w) {
      if (worker_cpu[w] != here) continue;
      for (int cpu : cpus) {
        if (cpu == here) continue;
        bool taken = false;
        for (size_t v = 1; v < worker_cpu.size(); ++v) taken |= worker_cpu[v] == cpu;
        if (taken) continue;
        if (pin_thread(workers[w - 1], cpu)) worker_cpu[w] = cpu;
        break;
      }
    }
  }

  void worker_loop(int w) {
    (void)w;
    t_in_pool_job = true;  // nested parallel calls from a job run inline
    uint64_t seen = 0;
    for (;;) {
      uint64_t g = generation.load(std::memory_order_acquire);
      if (g == seen) {
        int64_t spin_until = now_ns() + kSpinNs;
        int n = 0;
        while ((g = generation.load(std::memory_order_acquire)) == seen) {
          AMAAS_PAUSE();
          if ((++n & 255) == 0) {
            if (now_ns() > spin_until) break;
            // If the caller's thread shares this core, let it run; alone, this returns at once.
            std::this_thread::yield();
          }
        }
        if (g == seen) {
          std::unique_lock<std::mutex> lk(sleep_mu);
          sleep_cv.wait(lk, [&] {
            return stop.load() || generation.load(std::memory_order_acquire) != seen;
          });
          if (stop.load()) return;
          g = generation.load(std::memory_order_acquire);
        }
      }
      if (stop.load()) return;
      seen = g;
      if (w < n_participants) {
        run_chunk(w);
        remaining.fetch_sub(1, std::memory_order_acq_rel);
      }
    }
  }
};

ThreadPool& ThreadPool::instance() {
  // Leaked on purpose: workers must outlive static destructors of other translation units.
  static ThreadPool* pool = new ThreadPool();
  return *pool;
}

ThreadPool::ThreadPool() : impl_(new Impl()) {
  impl_->max_threads = detect_threads();
  impl_->threads.store(impl_->max_threads);
  for (int w = 1; w < impl_->max_threads; ++w)
    impl_->workers.emplace_back([this, w] { impl_->worker_loop(w); });
  impl_->pin_workers();
}

ThreadPool::~ThreadPool() {
  impl_->stop.store(true);
  {
    std::lock_guard<std::mutex> lk(impl_->sleep_mu);
    impl_->generation.fetch_add(1);
  }
  impl_->sleep_cv.notify_all();
  for (auto& t : impl_->workers) t.join();
  delete impl_;
}

int ThreadPool::max_threads() const { return impl_->max_threads; }
int ThreadPool::threads() const { return impl_->threads.load(std::memory_order_relaxed); }
void ThreadPool::set_threads(int n) {
  impl_->threads.store(std::clamp(n, 1, impl_->max_threads));
}

void ThreadPool::run(int64_t n_tasks, RangeFn fn, void* ctx) {
  if (n_tasks <= 0) return;
  int t = static_cast<int>(std::min<int64_t>(threads(), n_tasks));
  if (t <= 1 || t_in_pool_job) {
    fn(ctx, 0, n_tasks, 0);
    return;
  }
  std::unique_lock<std::mutex> lock(impl_->submit_mu, std::try_to_lock);
  if (!lock.owns_lock()) {  // another thread's job is running: do ours inline
    fn(ctx, 0, n_tasks, 0);
    return;
  }
  Impl& p = *impl_;
  p.avoid_caller_cpu(t);
  p.fn = fn;
  p.ctx = ctx;
  p.n_tasks = n_tasks;
  p.n_participants = t;
  p.remaining.store(t - 1, std::memory_order_relaxed);
  {
    // Bump under the sleep mutex so a worker deciding to sleep cannot miss it.
    std::lock_guard<std::mutex> lk(p.sleep_mu);
    p.generation.fetch_add(1, std::memory_order_acq_rel);
  }
  p.sleep_cv.notify_all();
  t_in_pool_job = true;
  p.run_chunk(0);
  t_in_pool_job = false;
  while (p.remaining.load(std::memory_order_acquire) != 0) AMAAS_PAUSE();
}

}  // namespace amaas
