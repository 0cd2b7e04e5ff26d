#include "core/fault.h"

#include <csignal>
#include <cstdlib>
#include <string>

namespace floecat {
namespace {

const std::string& armed_fault_point() {
  static const std::string armed = [] {
    const char* value = std::getenv("FLOECAT_FAULT_POINT");
    return std::string(value == nullptr ? "" : value);
  }();
  return armed;
}

}  // namespace

void fault_point(std::string_view name) {
  const std::string& armed = armed_fault_point();
  if (!armed.empty() && armed == name) {
    std::raise(SIGKILL);
  }
}

}  // namespace floecat
