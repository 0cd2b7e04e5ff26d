#pragma once

#include <functional>
#include <vector>

#include "catalog/catalog.h"
#include "core/status.h"
#include "http/message.h"

namespace floecat::http {

// A named dependency that /readyz checks, e.g. {"records", ...}.
struct ReadinessCheck {
  std::string name;
  std::function<Status()> check;
};

// Adds GET /healthz (liveness: the process answers) and GET /readyz (every
// check passes; otherwise 503 naming the failing dependency).
void add_health_routes(Router& router, std::vector<ReadinessCheck> checks);

// Adds the management API under /api/v1: accounts, connectors, storage
// authorities and storage-authorities:resolve. `catalog` must outlive the
// router. Path ids are checked here (not blank, no '/'); bodies are parsed
// and validated by the catalog services.
void add_management_routes(Router& router, catalog::Catalog& catalog);

}  // namespace floecat::http
