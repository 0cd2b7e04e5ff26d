#include "catalog/token_service.h"

#include <array>
#include <utility>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "catalog/json_fields.h"
#include "core/encoding.h"
#include "core/logging.h"

namespace floecat::catalog {
namespace {

using nlohmann::json;

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kMaxDescriptionBytes = 256;

bool is_lower_hex(std::string_view text) {
  for (char c : text) {
    bool digit = c >= '0' && c <= '9';
    bool letter = c >= 'a' && c <= 'f';
    if (!digit && !letter) {
      return false;
    }
  }
  return true;
}

Result<SecretBytes> random_secret(std::size_t size) {
  SecretBytes bytes;
  bytes.resize(size);
  if (RAND_bytes(bytes.mutable_data(), static_cast<int>(size)) != 1) {
    return internal_error("RAND_bytes failed: the system random source is unavailable");
  }
  return bytes;
}

std::string format_ms(std::int64_t ms) {
  return format_rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

json token_response(const records::Record& record, const json& body) {
  json response = {{"id", record.id},
                   {"account_id", body.value("account_id", "")},
                   {"admin", body.value("admin", false)},
                   {"description", body.value("description", "")},
                   {"created_at", format_ms(record.created_at_ms)},
                   {"revoked", body.contains("revoked_at_ms")},
                   {"revoked_at", nullptr}};
  if (body.contains("revoked_at_ms") && body["revoked_at_ms"].is_number_integer()) {
    response["revoked_at"] = format_ms(body["revoked_at_ms"].get<std::int64_t>());
  }
  return response;
}

Result<json> parse_record_body(const records::Record& record) {
  json body = json::parse(record.body, nullptr, false);
  if (!body.is_object() || !body.contains("salt") || !body["salt"].is_string() ||
      !body.contains("hash") || !body["hash"].is_string()) {
    return internal_error(
        fmt::format("token record {} is corrupt: salt or hash missing", record.id));
  }
  return body;
}

}  // namespace

Result<ParsedToken> parse_token(std::string_view token) {
  const std::size_t expected_size =
      kTokenPrefix.size() + kTokenIdHexLength + 1 + kTokenSecretHexLength;
  if (token.size() != expected_size || token.substr(0, kTokenPrefix.size()) != kTokenPrefix) {
    return unauthenticated(
        fmt::format("malformed bearer token: expected {}<{} hex digits>_<{} hex "
                    "digits>",
                    kTokenPrefix, kTokenIdHexLength, kTokenSecretHexLength));
  }
  std::string_view rest = token.substr(kTokenPrefix.size());
  std::string_view id = rest.substr(0, kTokenIdHexLength);
  std::string_view secret_hex = rest.substr(kTokenIdHexLength + 1);
  if (rest[kTokenIdHexLength] != '_' || !is_lower_hex(id) || !is_lower_hex(secret_hex)) {
    return unauthenticated(
        fmt::format("malformed bearer token: expected {}<{} hex digits>_<{} hex "
                    "digits>",
                    kTokenPrefix, kTokenIdHexLength, kTokenSecretHexLength));
  }
  ParsedToken parsed;
  parsed.id = std::string(id);
  parsed.secret.resize(kTokenSecretHexLength / 2);
  for (std::size_t i = 0; i < parsed.secret.size(); ++i) {
    auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    parsed.secret.mutable_data()[i] =
        static_cast<std::uint8_t>(nibble(secret_hex[2 * i]) * 16 + nibble(secret_hex[2 * i + 1]));
  }
  return parsed;
}

std::string hash_token_secret(std::string_view salt, const SecretBytes& secret) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  HMAC(EVP_sha256(), salt.data(), static_cast<int>(salt.size()), secret.data(), secret.size(),
       digest.data(), &digest_size);
  return std::string(reinterpret_cast<const char*>(digest.data()), digest_size);
}

TokenService::TokenService(records::RecordStore& records,
                           const Clock& clock,
                           TokenServiceOptions options)
    : records_(records), clock_(clock), options_(options) {}

Result<SecretBytes> TokenService::insert(const std::string& account_id,
                                         std::int64_t account_created_at_ms,
                                         bool admin,
                                         const std::string& description,
                                         json* created) {
  FLOECAT_ASSIGN_OR_RETURN(SecretBytes id_bytes, random_secret(kTokenIdHexLength / 2));
  FLOECAT_ASSIGN_OR_RETURN(SecretBytes secret, random_secret(kTokenSecretHexLength / 2));
  FLOECAT_ASSIGN_OR_RETURN(SecretBytes salt, random_secret(kSaltBytes));
  std::string id = hex_encode(id_bytes.expose());

  json body = {{"account_id", account_id},
               {"account_created_at_ms", account_created_at_ms},
               {"admin", admin},
               {"description", description},
               {"salt", hex_encode(salt.expose())},
               {"hash", hex_encode(hash_token_secret(salt.expose(), secret))}};
  records::Record record;
  record.kind = std::string(kTokenKind);
  record.account_id = std::string(kTokenOwner);
  record.id = id;
  record.body = body.dump();
  FLOECAT_ASSIGN_OR_RETURN(records::Record stored, records_.create(std::move(record)));
  if (created != nullptr) {
    *created = token_response(stored, body);
  }

  SecretBytes token(kTokenPrefix);
  token.append(id);
  token.append("_");
  // The hex form of the secret is built in a wiping string, not std::string.
  WipingString secret_hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < secret.size(); ++i) {
    secret_hex.push_back(kHex[secret.data()[i] >> 4]);
    secret_hex.push_back(kHex[secret.data()[i] & 0x0f]);
  }
  token.append(std::string_view(secret_hex.data(), secret_hex.size()));
  logger().info("created {} token {}{}", admin ? "admin" : "account", id,
                admin ? "" : " for account " + account_id);
  return token;
}

Result<json> TokenService::create(std::string_view body) {
  FLOECAT_ASSIGN_OR_RETURN(json request, internal::parse_body_object(body));
  FLOECAT_RETURN_IF_ERROR(internal::check_known_fields(request, "", {"account_id", "description"}));
  FLOECAT_ASSIGN_OR_RETURN(std::string account_id,
                           internal::required_string(request, "", "account_id"));
  FLOECAT_ASSIGN_OR_RETURN(std::optional<std::string> description,
                           internal::optional_string(request, "", "description"));
  if (description.has_value() && description->size() > kMaxDescriptionBytes) {
    return invalid_argument(
        fmt::format("description must be at most {} bytes", kMaxDescriptionBytes));
  }
  Result<records::Record> account = records_.get(records::kAccountKind, "", account_id);
  if (!account.ok()) {
    if (account.status().code() == StatusCode::kNotFound) {
      return not_found(
          fmt::format("account_id '{}' names no account; create the account first", account_id));
    }
    return account.status();
  }

  json created;
  FLOECAT_ASSIGN_OR_RETURN(SecretBytes token, insert(account_id, account->created_at_ms, false,
                                                     description.value_or(""), &created));
  // The token leaves the process only here, in the response to the admin
  // who requested it. Only its salted hash is stored.
  created["token"] = std::string(token.expose());
  return created;
}

Result<SecretBytes> TokenService::create_admin(std::string_view description) {
  return insert("", 0, true, std::string(description), nullptr);
}

Result<bool> TokenService::has_active_admin() {
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> tokens,
                           records_.list(kTokenKind, kTokenOwner));
  for (const records::Record& record : tokens) {
    json body = json::parse(record.body, nullptr, false);
    if (body.is_object() && body.value("admin", false) && !body.contains("revoked_at_ms")) {
      return true;
    }
  }
  return false;
}

Result<int> TokenService::revoke_admins() {
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> tokens,
                           records_.list(kTokenKind, kTokenOwner));
  int revoked = 0;
  for (const records::Record& record : tokens) {
    json body = json::parse(record.body, nullptr, false);
    if (body.is_object() && body.value("admin", false) && !body.contains("revoked_at_ms")) {
      FLOECAT_RETURN_IF_ERROR(revoke(record.id));
      ++revoked;
    }
  }
  return revoked;
}

Result<json> TokenService::list() {
  FLOECAT_ASSIGN_OR_RETURN(std::vector<records::Record> tokens,
                           records_.list(kTokenKind, kTokenOwner));
  json items = json::array();
  for (const records::Record& record : tokens) {
    FLOECAT_ASSIGN_OR_RETURN(json body, parse_record_body(record));
    items.push_back(token_response(record, body));
  }
  return json{{"tokens", std::move(items)}};
}

Status TokenService::revoke(std::string_view token_id) {
  // Ids of other shapes cannot exist; reject them before touching the store.
  if (token_id.size() != kTokenIdHexLength || !is_lower_hex(token_id)) {
    return not_found(fmt::format("token '{}' not found", token_id));
  }
  Result<records::Record> record = records_.get(kTokenKind, kTokenOwner, token_id);
  if (!record.ok()) {
    return record.status().code() == StatusCode::kNotFound
               ? not_found(fmt::format("token '{}' not found", token_id))
               : record.status();
  }
  FLOECAT_ASSIGN_OR_RETURN(json body, parse_record_body(*record));
  if (!body.contains("revoked_at_ms")) {
    body["revoked_at_ms"] = clock_.now_ms();
    records::Record updated = *record;
    updated.body = body.dump();
    FLOECAT_RETURN_IF_ERROR(records_.update(updated, record->version).status());
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    cache_.erase(std::string(token_id));
  }
  logger().info("revoked token {}", token_id);
  return Status();
}

Result<TokenService::CachedToken> TokenService::load(const std::string& token_id) {
  Result<records::Record> record = records_.get(kTokenKind, kTokenOwner, token_id);
  if (!record.ok()) {
    if (record.status().code() == StatusCode::kNotFound) {
      return unauthenticated(fmt::format("unknown bearer token id {}", token_id));
    }
    return record.status();
  }
  FLOECAT_ASSIGN_OR_RETURN(json body, parse_record_body(*record));
  FLOECAT_ASSIGN_OR_RETURN(std::string salt, hex_decode(body["salt"].get<std::string>()));
  FLOECAT_ASSIGN_OR_RETURN(std::string hash, hex_decode(body["hash"].get<std::string>()));
  CachedToken cached;
  cached.salt = std::move(salt);
  cached.hash = std::move(hash);
  cached.principal.token_id = token_id;
  cached.principal.account_id = body.value("account_id", "");
  cached.principal.admin = body.value("admin", false);
  cached.revoked = body.contains("revoked_at_ms");
  if (!cached.principal.admin && !cached.revoked) {
    Result<records::Record> account =
        records_.get(records::kAccountKind, "", cached.principal.account_id);
    if (!account.ok() && account.status().code() != StatusCode::kNotFound) {
      return account.status();
    }
    cached.account_gone =
        !account.ok() ||
        account->created_at_ms != body.value("account_created_at_ms", std::int64_t{-1});
  }
  cached.checked_at_ms = clock_.now_ms();
  return cached;
}

Result<Principal> TokenService::verify(std::string_view token) {
  FLOECAT_ASSIGN_OR_RETURN(ParsedToken parsed, parse_token(token));

  CachedToken entry;
  bool cached = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = cache_.find(parsed.id);
    if (it != cache_.end() &&
        clock_.now_ms() - it->second.checked_at_ms < options_.cache_ttl.count()) {
      entry = it->second;
      cached = true;
    }
  }
  if (!cached) {
    // NOTE: unknown ids are not cached, so a flood of made-up tokens reaches
    // the record store on every request.
    FLOECAT_ASSIGN_OR_RETURN(entry, load(parsed.id));
    std::lock_guard<std::mutex> lock(mutex_);
    cache_[parsed.id] = entry;
  }

  // The hash is recomputed on every request, also from the cache, so the
  // cache never trusts a token it has not checked.
  std::string computed = hash_token_secret(entry.salt, parsed.secret);
  if (computed.size() != entry.hash.size() || !constant_time_equals(computed, entry.hash)) {
    return unauthenticated(fmt::format("bearer token {} does not match", parsed.id));
  }
  if (entry.revoked) {
    return unauthenticated(fmt::format("bearer token {} is revoked", parsed.id));
  }
  if (entry.account_gone) {
    return unauthenticated(
        fmt::format("bearer token {} belongs to an account that was deleted", parsed.id));
  }
  return entry.principal;
}

}  // namespace floecat::catalog
