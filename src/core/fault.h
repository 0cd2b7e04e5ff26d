#pragma once

#include <string_view>

namespace floecat {

// Crash-consistency testing hook. When the environment variable
// FLOECAT_FAULT_POINT equals `name` at process start, reaching this call
// kills the process with SIGKILL, as a power cut would. Unarmed, it costs one
// string comparison. Names are "<operation>.<step>", e.g.
// "connector.create.after_secret".
void fault_point(std::string_view name);

}  // namespace floecat
