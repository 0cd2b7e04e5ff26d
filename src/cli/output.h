#pragma once

#include <string>

#include "cli/api_client.h"

namespace floecat::cli {

enum class ResourceKind { kAccount, kConnector, kStorageAuthority, kResolution };

// Prints a response: `output` "json" prints the body as indented JSON;
// "table" prints a list as columns and a single resource as "field: value"
// lines. Secrets never reach here: the server masks them.
void print_response(const ApiResponse& response, ResourceKind kind, const std::string& output);

}  // namespace floecat::cli
