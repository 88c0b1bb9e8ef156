// Engine-wide facts: version, build options, CUDA availability (probed through the driver
// library at run time, so the addon loads on machines without one).
#pragma once

#include <string>
#include <vector>

namespace amaas {

const char* engine_version();

struct CudaDevice {
  int index = 0;
  std::string name;
  int compute_major = 0, compute_minor = 0;
  size_t total_memory = 0;
};

struct CudaInfo {
  bool available = false;
  std::string reason;  // why not available, or a short description
  int driver_version = 0;
  std::vector<CudaDevice> devices;
};

const CudaInfo& cuda_info();

}  // namespace amaas
