// Device bring-up and plumbing of the CUDA backend: the one-time device probe (why the GPU path
// is unavailable, in words), CUDA error -> Status, the pooled allocators (device and pinned host),
// the stream pool, and the host-pointer GEMM entry that pipelines copies with kernels.
// Not here: kernels (gemm_*.cu, mlp_train.cu).
#include <algorithm>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cuda/common.cuh"

namespace amaas::cuda {

Status cuda_status(cudaError_t err, const char* what) {
  cudaGetLastError();  // clear a non-sticky error so that the next call starts clean
  const ErrorCode code = err == cudaErrorMemoryAllocation ? ErrorCode::kOutOfMemory
                         : (err == cudaErrorNoDevice || err == cudaErrorInsufficientDriver)
                             ? ErrorCode::kUnavailable
                             : ErrorCode::kInternal;
  return Status(code, std::string("CUDA error in ") + what + ": " + cudaGetErrorString(err) + " (" +
                          cudaGetErrorName(err) + ")");
}

bool built_with_cuda() { return true; }

namespace {

std::string version_text(int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); }

struct Probe {
  Status status;
  DeviceProps props;
};

// cudart_static dlopens libcuda.so.1 here. Without it (or with an older driver) the calls return
// cudaErrorInsufficientDriver; without a GPU cudaErrorNoDevice. Neither is fatal to the process.
Probe probe() {
  Probe p;
  cudaRuntimeGetVersion(&p.props.runtime_version);
  cudaDriverGetVersion(&p.props.driver_version);  // 0 when no driver library is loadable
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  cudaGetLastError();
  auto unavailable = [&](std::string why) { p.status = Status(ErrorCode::kUnavailable, std::move(why)); };
  if (err == cudaErrorInsufficientDriver) {
    if (p.props.driver_version == 0)
      unavailable("no NVIDIA driver: libcuda.so.1 could not be loaded (" + std::string(cudaGetErrorString(err)) + ")");
    else
      unavailable("NVIDIA driver too old: it supports CUDA " + version_text(p.props.driver_version) +
                  ", this build needs CUDA " + version_text(p.props.runtime_version));
    return p;
  }
  if (err == cudaErrorNoDevice || (err == cudaSuccess && count == 0)) {
    unavailable("NVIDIA driver present (CUDA " + version_text(p.props.driver_version) + ") but no CUDA device found");
    return p;
  }
  if (err != cudaSuccess) {
    unavailable(std::string("CUDA initialisation failed: ") + cudaGetErrorString(err) + " (" + cudaGetErrorName(err) + ")");
    return p;
  }
  cudaDeviceProp dp{};
  if (cudaError_t e = cudaGetDeviceProperties(&dp, 0); e != cudaSuccess) {
    p.status = cuda_status(e, "cudaGetDeviceProperties");
    return p;
  }
  p.props.index = 0;
  p.props.name = dp.name;
  p.props.major = dp.major;
  p.props.minor = dp.minor;
  p.props.sm_count = dp.multiProcessorCount;
  p.props.total_memory = dp.totalGlobalMem;
  // The kernels use mma.sync with bf16/tf32/s8 shapes that need sm_80; the fatbin holds sm_80 and
  // sm_90a cubins and compute_90 PTX (a Volta/Turing GPU could not run any of them).
  if (dp.major < 8) {
    unavailable("CUDA device 0 (" + p.props.name + ") has compute capability " + std::to_string(dp.major) + "." +
                std::to_string(dp.minor) + "; the CUDA kernels need 8.0 or later");
    return p;
  }
  // No cudaSetDevice here: since CUDA 12 it creates the primary context (hundreds of MB of device
  // memory), and engineInfo() must stay cheap. Device 0 is every thread's default device anyway.
  return p;
}

const Probe& probed() {
  static const Probe p = probe();  // thread-safe one-time init (C++11 magic statics)
  return p;
}

// ---- pools ------------------------------------------------------------------------------------

// Size classes: four steps per power of two (at most 25% slack), 256 bytes minimum.
size_t size_class(size_t bytes) {
  if (bytes <= 256) return 256;
  int e = 63 - __builtin_clzll(static_cast<unsigned long long>(bytes - 1));  // 2^e < bytes <= 2^(e+1)
  const size_t step = size_t(1) << (e - 1);                                   // 2^(e+1) / 4
  return (bytes + step - 1) / step * step;
}

class Pool {
 public:
  explicit Pool(bool pinned) : pinned_(pinned) {}
  Status take(size_t bytes, void** out, size_t* cls) {
    const size_t c = size_class(bytes);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = free_.find(c);
      if (it != free_.end() && !it->second.empty()) {
        *out = it->second.back();
        it->second.pop_back();
        *cls = c;
        return Status::Ok();
      }
    }
    cudaError_t err = raw_alloc(out, c);
    if (err == cudaErrorMemoryAllocation) {  // give the cached blocks back and try once more
      cudaGetLastError();
      trim();
      err = raw_alloc(out, c);
    }
    if (err != cudaSuccess) return cuda_status(err, pinned_ ? "cudaMallocHost" : "cudaMalloc");
    *cls = c;
    return Status::Ok();
  }
  void give(void* p, size_t cls) {
    std::lock_guard<std::mutex> lock(mu_);
    free_[cls].push_back(p);
  }
  void trim() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& kv : free_)
      for (void* p : kv.second) pinned_ ? cudaFreeHost(p) : cudaFree(p);
    free_.clear();
  }

 private:
  cudaError_t raw_alloc(void** out, size_t bytes) {
    return pinned_ ? cudaMallocHost(out, bytes) : cudaMalloc(out, bytes);
  }
  bool pinned_;
  std::mutex mu_;
  std::unordered_map<size_t, std::vector<void*>> free_;
};

// Never destroyed: freeing at process exit would race the runtime's own teardown.
Pool& device_pool() {
  static Pool* p = new Pool(false);
  return *p;
}
Pool& host_pool() {
  static Pool* p = new Pool(true);
  return *p;
}

std::mutex g_stream_mu;
std::vector<cudaStream_t>& free_streams() {
  static auto* v = new std::vector<cudaStream_t>();
  return *v;
}

}  // namespace

Status device_status() { return probed().status; }

Status device_props(DeviceProps* out) {
  const Probe& p = probed();
  *out = p.props;
  return p.status;
}

Status DeviceBuffer::make(DeviceBuffer* out, size_t bytes, bool pinned_host) {
  out->release();
  if (bytes == 0) bytes = 1;
  size_t cls = 0;
  void* p = nullptr;
  AMAAS_TRY((pinned_host ? host_pool() : device_pool()).take(bytes, &p, &cls));
  out->ptr_ = p;
  out->bytes_ = cls;
  out->cls_ = 1;
  out->pinned_ = pinned_host;
  return Status::Ok();
}

void DeviceBuffer::release() {
  if (ptr_) (pinned_ ? host_pool() : device_pool()).give(ptr_, bytes_);
  ptr_ = nullptr;
  bytes_ = 0;
  cls_ = -1;
}

Status StreamLease::make(StreamLease* out) {
  {
    std::lock_guard<std::mutex> lock(g_stream_mu);
    auto& v = free_streams();
    if (!v.empty()) {
      out->s_ = v.back();
      v.pop_back();
      return Status::Ok();
    }
  }
  cudaStream_t s = nullptr;
  AMAAS_CUDA_TRY(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  out->s_ = s;
  return Status::Ok();
}

StreamLease::~StreamLease() {
  if (!s_) return;
  // Drain before the stream goes back to the pool: callers declare their device buffers before
  // the lease, so on every return path (early errors included) the work that reads or writes
  // them has finished before they are freed.
  cudaStreamSynchronize(s_);
  std::lock_guard<std::mutex> lock(g_stream_mu);
  free_streams().push_back(s_);
}

// ---- host GEMM entry --------------------------------------------------------------------------

namespace {

// rows x cols block of a strided host matrix into a packed buffer (and back).
void copy_rows(float* dst, int64_t ldd, const float* src, int64_t lds, int64_t rows, int64_t cols) {
  for (int64_t r = 0; r < rows; ++r) std::memcpy(dst + r * ldd, src + r * lds, sizeof(float) * cols);
}

Status check_gemm(float* C, int64_t ldc, const float* A, int64_t lda, const float* B, int64_t ldb,
                  int64_t M, int64_t N, int64_t K, const GemmParams& p) {
  if (!C || !A || !B) return InvalidArgument("gemm: null matrix pointer");
  if (M < 1 || N < 1 || K < 1)
    return InvalidArgument("M, N and K must be positive; received " + std::to_string(M) + ", " +
                           std::to_string(N) + ", " + std::to_string(K));
  if (ldc < N || lda < (p.trans_a ? M : K) || ldb < (p.trans_b ? K : N))
    return ShapeMismatch("gemm: a row stride is below its row length");
  return Status::Ok();
}

}  // namespace

// Pipeline: op(B) and the bias go to the device once; A is cut into row panels that alternate
// between two (pinned staging, device buffer, stream) slots. While the kernel of panel p runs on
// one stream, the host packs panel p+1 into the other slot's pinned buffer and its H2D copy runs
// on the copy engine; C panels come back the same way. Small problems are one panel.
Status gemm(float* C, int64_t ldc, const float* A, int64_t lda, const float* B, int64_t ldb,
            int64_t M, int64_t N, int64_t K, const GemmParams& p, Precision precision) {
  AMAAS_TRY(device_status());
  AMAAS_TRY(check_gemm(C, ldc, A, lda, B, ldb, M, N, K, p));
  const int64_t b_rows = p.trans_b ? N : K, b_cols = p.trans_b ? K : N;
  // Declared before the streams: on any return, the leases drain their streams before these
  // buffers go back to the pool.
  DeviceBuffer dB, dBias, hB, hA[2], hC[2], dA[2], dC[2];
  StreamLease streams[2];
  AMAAS_TRY(StreamLease::make(&streams[0]));
  AMAAS_TRY(StreamLease::make(&streams[1]));
  AMAAS_TRY(DeviceBuffer::make(&dB, sizeof(float) * b_rows * b_cols));
  AMAAS_TRY(DeviceBuffer::make(&hB, sizeof(float) * b_rows * b_cols, true));
  copy_rows(hB.as<float>(), b_cols, B, ldb, b_rows, b_cols);
  AMAAS_CUDA_TRY(cudaMemcpyAsync(dB.data(), hB.data(), sizeof(float) * b_rows * b_cols,
                                 cudaMemcpyHostToDevice, streams[0].get()));
  if (p.bias) {
    AMAAS_TRY(DeviceBuffer::make(&dBias, sizeof(float) * N));
    // Pageable source: this copy is synchronous with respect to the host, which is fine for N floats.
    AMAAS_CUDA_TRY(cudaMemcpyAsync(dBias.data(), p.bias, sizeof(float) * N, cudaMemcpyHostToDevice, streams[0].get()));
  }
  cudaEvent_t b_ready = nullptr;
  AMAAS_CUDA_TRY(cudaEventCreateWithFlags(&b_ready, cudaEventDisableTiming));
  struct EventGuard {
    cudaEvent_t e;
    ~EventGuard() { cudaEventDestroy(e); }
  } guard{b_ready};
  AMAAS_CUDA_TRY(cudaEventRecord(b_ready, streams[0].get()));
  AMAAS_CUDA_TRY(cudaStreamWaitEvent(streams[1].get(), b_ready, 0));

  // A stored (K,M) is not row-sliceable without a strided gather: one panel then.
  const double flops = 2.0 * M * N * K;
  int64_t panel = M;
  if (!p.trans_a && flops > 2e9 && M >= 1024) panel = round_up((M + 3) / 4, 128);
  const int64_t panels = (M + panel - 1) / panel;
  const int64_t a_rows = p.trans_a ? K : panel, a_cols = p.trans_a ? M : K;

  const int slots = panels > 1 ? 2 : 1;
  for (int s = 0; s < slots; ++s) {
    AMAAS_TRY(DeviceBuffer::make(&hA[s], sizeof(float) * a_rows * a_cols, true));
    AMAAS_TRY(DeviceBuffer::make(&dA[s], sizeof(float) * a_rows * a_cols));
    AMAAS_TRY(DeviceBuffer::make(&hC[s], sizeof(float) * panel * N, true));
    AMAAS_TRY(DeviceBuffer::make(&dC[s], sizeof(float) * panel * N));
  }
  int64_t pending_rows[2] = {0, 0}, pending_r0[2] = {0, 0};
  auto drain = [&](int s) -> Status {
    if (pending_rows[s] == 0) return Status::Ok();
    AMAAS_CUDA_TRY(cudaStreamSynchronize(streams[s].get()));
    copy_rows(C + pending_r0[s] * ldc, ldc, hC[s].as<float>(), N, pending_rows[s], N);
    pending_rows[s] = 0;
    return Status::Ok();
  };
  for (int64_t pi = 0; pi < panels; ++pi) {
    const int s = static_cast<int>(pi % slots);
    cudaStream_t st = streams[s].get();
    AMAAS_TRY(drain(s));  // the slot's previous panel: its buffers are free again after this
    const int64_t r0 = pi * panel, rows = std::min(panel, M - r0);
    const int64_t ar = p.trans_a ? K : rows;
    copy_rows(hA[s].as<float>(), a_cols, p.trans_a ? A : A + r0 * lda, lda, ar, a_cols);
    AMAAS_CUDA_TRY(cudaMemcpyAsync(dA[s].data(), hA[s].data(), sizeof(float) * ar * a_cols, cudaMemcpyHostToDevice, st));
    if (p.beta != 0.0f) {
      copy_rows(hC[s].as<float>(), N, C + r0 * ldc, ldc, rows, N);
      AMAAS_CUDA_TRY(cudaMemcpyAsync(dC[s].data(), hC[s].data(), sizeof(float) * rows * N, cudaMemcpyHostToDevice, st));
    }
    DeviceGemm g{dC[s].as<float>(), N, dA[s].as<float>(), a_cols, dB.as<float>(), b_cols, rows, N, K};
    g.trans_a = p.trans_a;
    g.trans_b = p.trans_b;
    g.alpha = p.alpha;
    g.beta = p.beta;
    g.bias = p.bias ? dBias.as<float>() : nullptr;
    g.act = p.act;
    AMAAS_TRY(launch_gemm(g, precision, st));
    AMAAS_CUDA_TRY(cudaMemcpyAsync(hC[s].data(), dC[s].data(), sizeof(float) * rows * N, cudaMemcpyDeviceToHost, st));
    pending_rows[s] = rows;
    pending_r0[s] = r0;
  }
  for (int s = 0; s < slots; ++s) AMAAS_TRY(drain(s));
  // Both streams idle (stream 1 may not have had a panel but waited on b_ready).
  AMAAS_CUDA_TRY(cudaStreamSynchronize(streams[0].get()));
  AMAAS_CUDA_TRY(cudaStreamSynchronize(streams[1].get()));
  return Status::Ok();
}

// ---- kernel-only timing ----------------------------------------------------------------------

namespace {

__global__ void fill_uniform(float* x, int64_t n, uint64_t seed) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    uint64_t z = (seed + static_cast<uint64_t>(i)) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 31)) * 0xBF58476D1CE4E5B9ull;
    x[i] = static_cast<float>((z >> 40) * (2.0 / 16777216.0) - 1.0);
  }
}

}  // namespace

Status time_gemm_kernel(const char* kind, int64_t M, int64_t N, int64_t K, int iters, double* median_ms) {
  AMAAS_TRY(device_status());
  if (M < 1 || N < 1 || K < 1 || iters < 1) return InvalidArgument("time_gemm_kernel: sizes and iters must be positive");
  const std::string k = kind ? kind : "";
  const bool int8 = k == "int8";
  Precision prec = Precision::kF32;
  if (!int8 && !parse_precision(k.c_str(), &prec))
    return InvalidArgument("Expected kind 'fp32', 'tf32', 'bf16' or 'int8' but received '" + k + "'");
  DeviceBuffer A, B, C, QA, QB, sa, sb;
  StreamLease stream;
  AMAAS_TRY(StreamLease::make(&stream));
  cudaStream_t s = stream.get();
  AMAAS_TRY(DeviceBuffer::make(&A, sizeof(float) * M * K));
  AMAAS_TRY(DeviceBuffer::make(&B, sizeof(float) * N * K));
  AMAAS_TRY(DeviceBuffer::make(&C, sizeof(float) * M * N));
  fill_uniform<<<1024, 256, 0, s>>>(A.as<float>(), M * K, 1);
  fill_uniform<<<1024, 256, 0, s>>>(B.as<float>(), N * K, 2);
  AMAAS_CUDA_TRY(cudaGetLastError());
  DeviceGemm g{C.as<float>(), N, A.as<float>(), K, B.as<float>(), K, M, N, K};
  g.trans_b = true;  // x * W^T: the layer layout
  DeviceQgemm q{};
  if (int8) {
    const int64_t ldq = round_up(K, 64);
    AMAAS_TRY(DeviceBuffer::make(&QA, static_cast<size_t>(M * ldq)));
    AMAAS_TRY(DeviceBuffer::make(&QB, static_cast<size_t>(N * ldq)));
    AMAAS_TRY(DeviceBuffer::make(&sa, sizeof(float) * M));
    AMAAS_TRY(DeviceBuffer::make(&sb, sizeof(float) * N));
    AMAAS_TRY(launch_quantize_rows(QA.as<int8_t>(), ldq, sa.as<float>(), A.as<float>(), K, M, K, s));
    AMAAS_TRY(launch_quantize_rows(QB.as<int8_t>(), ldq, sb.as<float>(), B.as<float>(), K, N, K, s));
    q = DeviceQgemm{QA.as<int8_t>(), QB.as<int8_t>(), ldq, M, N, K};
    q.C = C.as<float>();
    q.ldc = N;
    q.row_scale = sa.as<float>();
    q.col_scale = sb.as<float>();
  }
  auto launch = [&]() -> Status { return int8 ? launch_qgemm(q, s) : launch_gemm(g, prec, s); };
  AMAAS_TRY(launch());  // warm-up (module load, clocks)
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  AMAAS_CUDA_TRY(cudaEventCreate(&e0));
  AMAAS_CUDA_TRY(cudaEventCreate(&e1));
  struct EventsGuard {
    cudaEvent_t a, b;
    ~EventsGuard() {
      cudaEventDestroy(a);
      cudaEventDestroy(b);
    }
  } events{e0, e1};
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    AMAAS_CUDA_TRY(cudaEventRecord(e0, s));
    AMAAS_TRY(launch());
    AMAAS_CUDA_TRY(cudaEventRecord(e1, s));
    AMAAS_CUDA_TRY(cudaEventSynchronize(e1));
    float t = 0;
    AMAAS_CUDA_TRY(cudaEventElapsedTime(&t, e0, e1));
    ms.push_back(t);
  }
  std::sort(ms.begin(), ms.end());
  *median_ms = ms[ms.size() / 2];
  return Status::Ok();
}

}  // namespace amaas::cuda
