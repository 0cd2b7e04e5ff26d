#pragma once

#include <string_view>

#include "core/status.h"

namespace floecat {

// Checks a service endpoint URL that a caller supplies and that the server
// later connects to (S3 or STS of a storage authority). Accepted:
// http:// or https://, a host, an optional numeric port and path, with no
// whitespace or control characters. Rejected with kInvalidArgument naming
// `field` and the rule, never quoting the URL (it may hold a password):
//   - user info ("user:password@host"), because the password would be stored
//     in a record and handed to clients;
//   - a host that is a link-local or cloud metadata address: 169.254.0.0/16,
//     fe80::/10 or fd00:ec2::254. IPv6 forms that embed such an IPv4 address
//     (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d) count too, and so does
//     every spelling that inet_aton() reads as one: decimal 2852039166, hex
//     0xa9fea9fe, octal 0251.0376.0251.0376, short forms such as 169.16689662;
//   - the well-known metadata host names (metadata.google.internal,
//     instance-data, instance-data.ec2.internal).
// NOTE: the host is not resolved, so a DNS name that resolves to a
// link-local address passes this check.
Status check_endpoint_url(std::string_view field, std::string_view url);

}  // namespace floecat
