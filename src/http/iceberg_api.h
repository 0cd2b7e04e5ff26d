#pragma once

#include <string>
#include <string_view>

#include "catalog/catalog.h"
#include "core/result.h"
#include "http/message.h"
#include "vending/credential_vendor.h"

namespace floecat::http {

// The access mechanisms a client requested in X-Iceberg-Access-Delegation.
struct AccessDelegation {
  bool vended_credentials = false;
  bool remote_signing = false;
};

// Parses X-Iceberg-Access-Delegation: a comma-separated list of
// "vended-credentials" and "remote-signing" (spaces around items and empty
// items are ignored). Errors: kInvalidArgument for any other value, and
// for "remote-signing" without "vended-credentials", which this server
// does not offer.
Result<AccessDelegation> parse_access_delegation(std::string_view header);

// Adds the Iceberg REST catalog under /iceberg: GET /iceberg/v1/config,
// namespaces (create, list, load, HEAD, drop), tables (register, list,
// load, HEAD, drop) and GET .../tables/{table}/credentials, with the
// account id as the catalog prefix. Loads and the credentials route vend
// read access unless the query carries access=write. `vendor` may be null, and then
// registering and vending return 503. Errors use the Iceberg error model
// {"error": {"message", "type", "code"}}. `catalog` and `vendor` must
// outlive the router.
void add_iceberg_routes(Router& router,
                        catalog::Catalog& catalog,
                        vending::CredentialVendor* vendor);

}  // namespace floecat::http
