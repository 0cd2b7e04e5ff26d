#include "core/endpoint_url.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <string>

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>

namespace floecat {
namespace {

constexpr std::array<std::string_view, 3> kMetadataHostNames = {
    "metadata.google.internal", "instance-data", "instance-data.ec2.internal"};

bool is_link_local_ipv4(std::uint32_t host_order) {
  return (host_order >> 16) == 0xa9fe;  // 169.254.0.0/16
}

// Returns true for an IPv6 address that is link-local, the EC2 metadata
// address, or embeds a link-local IPv4 address.
bool is_blocked_ipv6(const in6_addr& address) {
  const std::uint8_t* b = address.s6_addr;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) {  // fe80::/10
    return true;
  }
  static constexpr std::array<std::uint8_t, 16> kEc2Metadata = {
      0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54};
  if (std::equal(kEc2Metadata.begin(), kEc2Metadata.end(), b)) {
    return true;
  }
  const bool first_ten_zero = std::all_of(b, b + 10, [](std::uint8_t x) { return x == 0; });
  const bool mapped = first_ten_zero && b[10] == 0xff && b[11] == 0xff;
  const bool compatible = first_ten_zero && b[10] == 0 && b[11] == 0;
  static constexpr std::array<std::uint8_t, 12> kNat64Prefix = {0x00, 0x64, 0xff, 0x9b, 0, 0,
                                                                0,    0,    0,    0,    0, 0};
  const bool nat64 = std::equal(kNat64Prefix.begin(), kNat64Prefix.end(), b);
  if (mapped || compatible || nat64) {
    const std::uint32_t embedded = (std::uint32_t{b[12]} << 24) | (std::uint32_t{b[13]} << 16) |
                                   (std::uint32_t{b[14]} << 8) | std::uint32_t{b[15]};
    return is_link_local_ipv4(embedded);
  }
  return false;
}

Status invalid_url(std::string_view field, std::string_view rule) {
  return invalid_argument(fmt::format("{} {}", field, rule));
}

Status check_host(std::string_view field, std::string_view host) {
  constexpr std::string_view kLinkLocalRule =
      "must not point at a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, "
      "fd00:ec2::254, or a name for one)";
  if (host.front() == '[') {
    std::string address(host.substr(1, host.size() - 2));
    address = address.substr(0, address.find('%'));  // zone id, e.g. %25eth0
    in6_addr parsed{};
    if (::inet_pton(AF_INET6, address.c_str(), &parsed) != 1) {
      return invalid_url(field, "has a bracketed host that is not an IPv6 address");
    }
    if (is_blocked_ipv6(parsed)) {
      return invalid_url(field, kLinkLocalRule);
    }
    return Status::ok_status();
  }

  std::string name(host);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (name.ends_with('.')) {
    name.pop_back();
  }
  if (std::find(kMetadataHostNames.begin(), kMetadataHostNames.end(), name) !=
      kMetadataHostNames.end()) {
    return invalid_url(field, kLinkLocalRule);
  }
  in_addr parsed{};
  if (::inet_aton(name.c_str(), &parsed) != 0 && is_link_local_ipv4(ntohl(parsed.s_addr))) {
    return invalid_url(field, kLinkLocalRule);
  }
  return Status::ok_status();
}

}  // namespace

Status check_endpoint_url(std::string_view field, std::string_view url) {
  const bool clean = std::none_of(url.begin(), url.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7f;
  });
  if (!clean) {
    return invalid_url(field, "must not contain whitespace or control characters");
  }
  std::size_t scheme_end = url.find("://");
  std::string_view scheme = scheme_end == std::string_view::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return invalid_url(field, "must be an http:// or https:// URL");
  }

  // WHATWG URL parsers treat '\' like '/' in http URLs, so it also ends the
  // authority here.
  std::string_view rest = url.substr(scheme_end + 3);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#\\"));
  if (authority.find('@') != std::string_view::npos) {
    return invalid_url(field,
                       "must not contain a user name or password (user:password@host); put "
                       "credentials in the credentials object instead");
  }

  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return invalid_url(field, "has an IPv6 host without a closing ']'");
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return invalid_url(field, "must have only ':port' after an IPv6 host");
      }
      port = after.substr(1);
    }
  } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty() || host == "[]") {
    return invalid_url(
        field, "must be an http:// or https:// URL with a host, as in https://s3.example.com");
  }
  if (!std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      port.size() > 5) {
    return invalid_url(field, "must have a numeric port of at most 5 digits after ':'");
  }
  return check_host(field, host);
}

}  // namespace floecat
