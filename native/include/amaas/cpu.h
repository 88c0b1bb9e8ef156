// CPU feature detection (cpuid + the OS's xsave state) and the choice of ISA level.
// Detection runs once; the active level can be forced with AMAAS_ISA=scalar|avx2|avx512
// or set_active_isa(). This header does not expose any kernels: see kernels.h.
#pragma once

#include <string>
#include <vector>

#include "amaas/status.h"

namespace amaas {

enum class Isa { kScalar = 0, kAvx2 = 1, kAvx512 = 2 };

struct CpuFeatures {
  std::string vendor;
  std::string brand;
  bool sse42 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512dq = false, avx512vl = false;
  bool avx512vnni = false, avx512bf16 = false, avxvnni = false;
  bool os_avx = false;     // XCR0 has XMM|YMM state enabled
  bool os_avx512 = false;  // XCR0 has opmask|ZMM_Hi256|Hi16_ZMM enabled
};

const CpuFeatures& cpu_features();

const char* isa_name(Isa isa);
bool parse_isa(const std::string& name, Isa* out);

// Levels this CPU and OS support, scalar first.
std::vector<Isa> supported_isas();
Isa best_isa();

// The level kernels dispatch to now. Starts as AMAAS_ISA if set (and supported), else best_isa().
Isa active_isa();
Status set_active_isa(Isa isa);

// Why the active level was chosen ("best available", "forced by AMAAS_ISA", ...).
std::string isa_reason();

}  // namespace amaas
