// cpuid + xgetbv detection, done once; the active ISA level lives in an atomic.
// On non-x86 builds only the scalar level exists.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "amaas/cpu.h"

#if defined(AMAAS_X86)
#include <cpuid.h>
#endif

namespace amaas {
namespace {

#if defined(AMAAS_X86)
void cpuid(unsigned leaf, unsigned sub, unsigned r[4]) { __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]); }
unsigned long long xgetbv0() {
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<unsigned long long>(hi) << 32) | lo;
}
#endif

CpuFeatures detect() {
  CpuFeatures f;
#if defined(AMAAS_X86)
  unsigned r[4];
  cpuid(0, 0, r);
  unsigned max_leaf = r[0];
  char vendor[13] = {};
  std::memcpy(vendor, &r[1], 4);
  std::memcpy(vendor + 4, &r[3], 4);
  std::memcpy(vendor + 8, &r[2], 4);
  f.vendor = vendor;
  cpuid(1, 0, r);
  f.sse42 = r[2] & (1u << 20);
  f.fma = r[2] & (1u << 12);
  f.f16c = r[2] & (1u << 29);
  f.avx = r[2] & (1u << 28);
  bool osxsave = r[2] & (1u << 27);
  if (osxsave) {
    unsigned long long xcr0 = xgetbv0();
    f.os_avx = (xcr0 & 0x6) == 0x6;        // XMM + YMM
    f.os_avx512 = (xcr0 & 0xE6) == 0xE6;   // + opmask, ZMM_Hi256, Hi16_ZMM
  }
  if (max_leaf >= 7) {
    cpuid(7, 0, r);
    f.avx2 = r[1] & (1u << 5);
    f.avx512f = r[1] & (1u << 16);
    f.avx512dq = r[1] & (1u << 17);
    f.avx512bw = r[1] & (1u << 30);
    f.avx512vl = r[1] & (1u << 31);
    f.avx512vnni = r[2] & (1u << 11);
    cpuid(7, 1, r);
    f.avxvnni = r[0] & (1u << 4);
    f.avx512bf16 = r[0] & (1u << 5);
  }
  cpuid(0x80000000u, 0, r);
  if (r[0] >= 0x80000004u) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      cpuid(0x80000002u + i, 0, r);
      std::memcpy(brand + 16 * i, r, 16);
    }
    f.brand = brand;
    while (!f.brand.empty() && f.brand.back() == ' ') f.brand.pop_back();
    size_t start = f.brand.find_first_not_of(' ');
    f.brand = start == std::string::npos ? "" : f.brand.substr(start);
  }
#else
  f.vendor = "unknown";
#endif
  return f;
}

bool supports([[maybe_unused]] const CpuFeatures& f, Isa isa) {
  switch (isa) {
    case Isa::kScalar: return true;
#if defined(AMAAS_X86)
    case Isa::kAvx2: return f.os_avx && f.avx && f.avx2 && f.fma;
    case Isa::kAvx512:
      return supports(f, Isa::kAvx2) && f.os_avx512 && f.avx512f && f.avx512bw && f.avx512dq &&
             f.avx512vl;
#else
    default: return false;
#endif
  }
  return false;
}

struct IsaState {
  std::atomic<int> active{0};
  std::string reason;
};

IsaState& state() {
  static IsaState* s = [] {
    auto* st = new IsaState();
    Isa chosen = best_isa();
    st->reason = "best level this CPU and OS support";
    if (const char* env = std::getenv("AMAAS_ISA"); env && *env) {
      Isa forced;
      if (!parse_isa(env, &forced)) {
        st->reason = std::string("AMAAS_ISA=") + env + " is not one of scalar|avx2|avx512; using " +
                     isa_name(chosen);
      } else if (!supports(cpu_features(), forced)) {
        st->reason = std::string("AMAAS_ISA=") + env + " is not supported by this CPU; using " +
                     isa_name(chosen);
      } else {
        chosen = forced;
        st->reason = std::string("forced by AMAAS_ISA=") + env;
      }
    }
    st->active.store(static_cast<int>(chosen));
    return st;
  }();
  return *s;
}

}  // namespace

const CpuFeatures& cpu_features() {
  static const CpuFeatures f = detect();
  return f;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "scalar";
}

bool parse_isa(const std::string& name, Isa* out) {
  if (name == "scalar") *out = Isa::kScalar;
  else if (name == "avx2") *out = Isa::kAvx2;
  else if (name == "avx512") *out = Isa::kAvx512;
  else return false;
  return true;
}

std::vector<Isa> supported_isas() {
  std::vector<Isa> out;
  for (Isa i : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512})
    if (supports(cpu_features(), i)) out.push_back(i);
  return out;
}

Isa best_isa() { return supported_isas().back(); }

Isa active_isa() { return static_cast<Isa>(state().active.load(std::memory_order_relaxed)); }

Status set_active_isa(Isa isa) {
  if (!supports(cpu_features(), isa))
    return Status(ErrorCode::kUnavailable,
                  std::string("ISA level '") + isa_name(isa) + "' is not supported by this CPU");
  state().active.store(static_cast<int>(isa));
  return Status::Ok();
}

std::string isa_reason() { return state().reason; }

}  // namespace amaas
