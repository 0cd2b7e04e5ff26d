#include "http/auth.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "catalog/token_service.h"
#include "core/ids.h"
#include "http/audit.h"
#include "http/message.h"
#include "records/sqlite_record_store.h"

namespace floecat::http {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Forwards every call to the real SQLite store and counts the reads, so a
// test can tell whether token checks reach the database.
class CountingRecordStore final : public records::RecordStore {
 public:
  explicit CountingRecordStore(records::RecordStore& inner) : inner_(inner) {}

  Result<records::Record> create(records::Record record) override {
    return inner_.create(std::move(record));
  }

  Result<records::Record> get(std::string_view kind,
                              std::string_view account_id,
                              std::string_view id) override {
    ++gets;
    return inner_.get(kind, account_id, id);
  }

  Result<records::Record> get_by_name(std::string_view kind,
                                      std::string_view account_id,
                                      std::string_view display_name) override {
    return inner_.get_by_name(kind, account_id, display_name);
  }

  Result<std::vector<records::Record>> list(std::string_view kind,
                                            std::string_view account_id) override {
    return inner_.list(kind, account_id);
  }

  Result<records::Record> update(const records::Record& record,
                                 std::int64_t expected_version) override {
    return inner_.update(record, expected_version);
  }

  Status remove(std::string_view kind,
                std::string_view account_id,
                std::string_view id,
                std::optional<std::int64_t> expected_version) override {
    return inner_.remove(kind, account_id, id, expected_version);
  }

  Result<std::vector<std::string>> list_accounts() override { return inner_.list_accounts(); }

  Status check_ready() override { return inner_.check_ready(); }

  int gets = 0;

 private:
  records::RecordStore& inner_;
};

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("floecat-auth-" + new_uuid());
    fs::create_directories(dir_);
    auto store = records::SqliteRecordStore::open((dir_ / "records.db").string(), clock_);
    ASSERT_TRUE(store.ok()) << store.status();
    records_ = std::move(*store);
    counting_ = std::make_unique<CountingRecordStore>(*records_);
    tokens_ = std::make_unique<catalog::TokenService>(*counting_, clock_);
    add_account("acme");
    add_account("globex");
  }

  void TearDown() override { fs::remove_all(dir_); }

  void add_account(const std::string& id) {
    records::Record record;
    record.kind = std::string(records::kAccountKind);
    record.id = id;
    record.display_name = id;
    record.body = json{{"id", id}, {"display_name", id}}.dump();
    ASSERT_TRUE(records_->create(record).ok());
  }

  // Creates an account token and returns {"id", "token", ...}.
  json create_token(const std::string& account) {
    auto created = tokens_->create(json{{"account_id", account}}.dump());
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? *created : json();
  }

  ManualClock clock_{std::chrono::system_clock::time_point(std::chrono::hours(500000))};
  fs::path dir_;
  std::unique_ptr<records::SqliteRecordStore> records_;
  std::unique_ptr<CountingRecordStore> counting_;
  std::unique_ptr<catalog::TokenService> tokens_;
};

std::string valid_shape_token() {
  return "fct_0123456789abcdef_" + std::string(64, 'a');
}

TEST(ParseToken, AcceptsWellFormedToken) {
  auto parsed = catalog::parse_token(valid_shape_token());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->id, "0123456789abcdef");
  ASSERT_EQ(parsed->secret.size(), 32u);
  EXPECT_EQ(parsed->secret.data()[0], 0xaa);
}

TEST(ParseToken, RejectsMalformedShapes) {
  std::string good = valid_shape_token();
  std::vector<std::string> bad = {
      "",
      "fct_",
      good.substr(1),                                        // prefix damaged
      "FCT_" + good.substr(4),                               // prefix case
      good + "a",                                            // too long
      good.substr(0, good.size() - 1),                       // too short
      "fct_0123456789abcdeg_" + std::string(64, 'a'),        // id not hex
      "fct_0123456789abcdef-" + std::string(64, 'a'),        // separator
      "fct_0123456789abcdef_" + std::string(63, 'a') + "A",  // upper-case hex
  };
  for (const std::string& token : bad) {
    auto parsed = catalog::parse_token(token);
    ASSERT_FALSE(parsed.ok()) << token;
    EXPECT_EQ(parsed.status().code(), StatusCode::kUnauthenticated) << token;
    if (token.size() > 8) {
      EXPECT_EQ(parsed.status().message().find(token), std::string::npos)
          << "the error must not quote the token";
    }
  }
}

TEST(HashTokenSecret, DependsOnSaltAndSecret) {
  SecretBytes secret(std::string(32, 'x'));
  SecretBytes other(std::string(32, 'y'));
  std::string a = catalog::hash_token_secret("salt-one", secret);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, catalog::hash_token_secret("salt-one", secret));
  EXPECT_NE(a, catalog::hash_token_secret("salt-two", secret));
  EXPECT_NE(a, catalog::hash_token_secret("salt-one", other));
}

TEST(BearerToken, ParsesAuthorizationValues) {
  auto token = bearer_token("Bearer abc");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(*token, "abc");
  auto lower = bearer_token("bearer  abc ");
  ASSERT_TRUE(lower.ok());
  EXPECT_EQ(*lower, "abc");
  EXPECT_EQ(bearer_token("").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(bearer_token("Basic dXNlcjpwYXNz").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(bearer_token("Bearer ").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(bearer_token("Bearerabc").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthTest, CreatedTokenVerifies) {
  json created = create_token("acme");
  std::string token = created.value("token", "");
  ASSERT_TRUE(token.starts_with("fct_" + created["id"].get<std::string>() + "_"));
  auto principal = tokens_->verify(token);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->account_id, "acme");
  EXPECT_EQ(principal->token_id, created["id"]);
  EXPECT_FALSE(principal->admin);
}

TEST_F(AuthTest, RecordHoldsNoToken) {
  json created = create_token("acme");
  std::string token = created["token"];
  std::string secret_hex = token.substr(token.rfind('_') + 1);
  auto record =
      records_->get(catalog::kTokenKind, catalog::kTokenOwner, created["id"].get<std::string>());
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(record->body.find(secret_hex), std::string::npos);
  json body = json::parse(record->body);
  EXPECT_EQ(body["salt"].get<std::string>().size(), 32u);
  EXPECT_EQ(body["hash"].get<std::string>().size(), 64u);
}

TEST_F(AuthTest, WrongSecretIsRejected) {
  json created = create_token("acme");
  std::string token = created["token"];
  token.back() = token.back() == '0' ? '1' : '0';
  auto principal = tokens_->verify(token);
  ASSERT_FALSE(principal.ok());
  EXPECT_EQ(principal.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthTest, UnknownIdIsRejected) {
  auto principal = tokens_->verify(valid_shape_token());
  ASSERT_FALSE(principal.ok());
  EXPECT_EQ(principal.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthTest, CreateRejectsBadInput) {
  auto missing = tokens_->create(R"({"description": "x"})");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("account_id"), std::string::npos);

  auto unknown = tokens_->create(R"({"account_id": "nobody"})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);

  auto extra = tokens_->create(R"({"account_id": "acme", "admin": true})");
  ASSERT_FALSE(extra.ok());
  EXPECT_EQ(extra.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AuthTest, RevokedTokenIsRejectedAtOnce) {
  json created = create_token("acme");
  ASSERT_TRUE(tokens_->verify(created["token"].get<std::string>()).ok());
  ASSERT_TRUE(tokens_->revoke(created["id"].get<std::string>()).ok());
  auto principal = tokens_->verify(created["token"].get<std::string>());
  ASSERT_FALSE(principal.ok());
  EXPECT_EQ(principal.status().code(), StatusCode::kUnauthenticated);
  EXPECT_TRUE(tokens_->revoke(created["id"].get<std::string>()).ok()) << "revoke twice";
  EXPECT_EQ(tokens_->revoke("0000000000000000").code(), StatusCode::kNotFound);
}

TEST_F(AuthTest, CacheSparesRecordReads) {
  json created = create_token("acme");
  std::string token = created["token"];
  int before = counting_->gets;
  ASSERT_TRUE(tokens_->verify(token).ok());
  int after_first = counting_->gets;
  int reads_per_load = after_first - before;
  ASSERT_GT(reads_per_load, 0);
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(tokens_->verify(token).ok());
  }
  EXPECT_EQ(counting_->gets, after_first);
  // A wrong secret is still checked against the cached hash.
  std::string wrong = token;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  EXPECT_FALSE(tokens_->verify(wrong).ok());

  clock_.advance(std::chrono::seconds(6));
  ASSERT_TRUE(tokens_->verify(token).ok());
  EXPECT_EQ(counting_->gets, after_first + reads_per_load);
}

TEST_F(AuthTest, RevocationByOtherReplicaHonouredAfterTtl) {
  json created = create_token("acme");
  std::string token = created["token"];
  ASSERT_TRUE(tokens_->verify(token).ok());

  catalog::TokenService other_replica(*records_, clock_);
  ASSERT_TRUE(other_replica.revoke(created["id"].get<std::string>()).ok());

  clock_.advance(std::chrono::seconds(4));
  EXPECT_TRUE(tokens_->verify(token).ok()) << "still inside the cache time";
  clock_.advance(std::chrono::seconds(2));
  EXPECT_FALSE(tokens_->verify(token).ok()) << "the revocation must be seen after 5 s";
}

TEST_F(AuthTest, DeletedAccountEndsItsTokens) {
  json created = create_token("globex");
  std::string token = created["token"];
  ASSERT_TRUE(tokens_->verify(token).ok());
  ASSERT_TRUE(records_->remove(records::kAccountKind, "", "globex", std::nullopt).ok());
  clock_.advance(std::chrono::seconds(6));
  EXPECT_FALSE(tokens_->verify(token).ok());

  // An account created later under the same id does not revive the token.
  add_account("globex");
  clock_.advance(std::chrono::seconds(6));
  auto principal = tokens_->verify(token);
  ASSERT_FALSE(principal.ok());
  EXPECT_EQ(principal.status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AuthTest, AdminTokenIsListedWithoutSecret) {
  auto has = tokens_->has_active_admin();
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  auto admin = tokens_->create_admin("first start");
  ASSERT_TRUE(admin.ok());
  has = tokens_->has_active_admin();
  ASSERT_TRUE(has.ok());
  EXPECT_TRUE(*has);
  auto principal = tokens_->verify(admin->expose());
  ASSERT_TRUE(principal.ok());
  EXPECT_TRUE(principal->admin);

  create_token("acme");
  auto listed = tokens_->list();
  ASSERT_TRUE(listed.ok());
  std::string text = listed->dump();
  EXPECT_EQ(listed->at("tokens").size(), 2u);
  EXPECT_EQ(text.find("fct_"), std::string::npos);
  EXPECT_EQ(text.find("salt"), std::string::npos);
  EXPECT_EQ(text.find("hash"), std::string::npos);
}

TEST_F(AuthTest, RevokeAdminsLeavesAccountTokens) {
  auto admin = tokens_->create_admin("first");
  ASSERT_TRUE(admin.ok());
  json account = create_token("acme");
  auto revoked = tokens_->revoke_admins();
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, 1);
  EXPECT_FALSE(tokens_->verify(admin->expose()).ok());
  EXPECT_TRUE(tokens_->verify(account["token"].get<std::string>()).ok());
  auto has = tokens_->has_active_admin();
  ASSERT_TRUE(has.ok());
  EXPECT_FALSE(*has);
  auto again = tokens_->revoke_admins();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
}

// ---- the Router middleware ----------------------------------------------

class MiddlewareTest : public AuthTest {
 protected:
  void SetUp() override {
    AuthTest::SetUp();
    auto audit = AuditLog::open((dir_ / "audit.log").string(), clock_);
    ASSERT_TRUE(audit.ok()) << audit.status();
    audit_ = std::move(*audit);
    authenticator_ = std::make_unique<Authenticator>(*tokens_, audit_.get());
    auto echo = [](const Request& request) {
      return Response::json(
          200, json{{"token_id", request.caller_token_id}, {"account", request.caller_account_id}});
    };
    router_.add("GET", "/healthz", echo);
    router_.add("GET", "/api/v1/accounts", echo);
    router_.add("GET", "/api/v1/accounts/{account}", echo);
    router_.add("DELETE", "/api/v1/accounts/{account}", echo);
    router_.add("GET", "/api/v1/accounts/{account}/connectors/{id}", echo);
    router_.add("GET", "/iceberg/v1/config", echo);
    router_.add("GET", "/iceberg/v1/{prefix}/namespaces", echo);
    router_.add("GET", "/unclassified", echo);
    router_.add("POST", "/api/v1/accounts/{account}/storage-authorities:resolve", echo);
    router_.add("GET", "/iceberg/v1/{prefix}/namespaces/{namespace}/tables/{table}", echo);
    router_.add("GET", "/iceberg/v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials",
                echo);
    add_token_routes(router_, *tokens_);
    router_.set_middleware(authenticator_->middleware());

    auto admin = tokens_->create_admin("test");
    ASSERT_TRUE(admin.ok());
    admin_token_ = std::string(admin->expose());
    acme_ = create_token("acme");
  }

  Response send(const std::string& method,
                const std::string& path,
                const std::string& token,
                const std::string& body = "") {
    Request request;
    request.method = method;
    std::size_t question = path.find('?');
    request.raw_path = path.substr(0, question);
    if (question != std::string::npos) {
      request.query = *parse_query(path.substr(question + 1));
    }
    if (!token.empty()) {
      request.headers["Authorization"] = "Bearer " + token;
    }
    request.body = body;
    request.remote_address = "127.0.0.1";
    return router_.dispatch(request);
  }

  std::vector<json> audit_lines() {
    std::ifstream in(dir_ / "audit.log");
    std::vector<json> lines;
    std::string line;
    while (std::getline(in, line)) {
      lines.push_back(json::parse(line));
    }
    return lines;
  }

  std::unique_ptr<AuditLog> audit_;
  std::unique_ptr<Authenticator> authenticator_;
  Router router_;
  std::string admin_token_;
  json acme_;
};

TEST_F(MiddlewareTest, PublicRouteNeedsNoToken) {
  EXPECT_EQ(send("GET", "/healthz", "").status, 200);
}

TEST_F(MiddlewareTest, MissingTokenGets401WithChallenge) {
  Response response = send("GET", "/api/v1/accounts/acme", "");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.headers["WWW-Authenticate"], "Bearer realm=\"floecat\"");
  EXPECT_EQ(send("GET", "/no/such/path", "").status, 401) << "unknown paths need a token too";
}

TEST_F(MiddlewareTest, BadTokensGet401) {
  std::string revoked = create_token("acme")["token"];
  std::string revoked_id = revoked.substr(4, 16);
  ASSERT_TRUE(tokens_->revoke(revoked_id).ok());
  std::string wrong = acme_["token"];
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  for (const std::string& token :
       {std::string("not-a-token"), valid_shape_token(), wrong, revoked}) {
    Response response = send("GET", "/api/v1/accounts/acme", token);
    EXPECT_EQ(response.status, 401) << token;
    EXPECT_EQ(response.headers["WWW-Authenticate"],
              "Bearer realm=\"floecat\", error=\"invalid_token\"");
    EXPECT_EQ(response.body.find(token), std::string::npos);
  }
}

TEST_F(MiddlewareTest, AccountTokenReachesOwnAccount) {
  Response response = send("GET", "/api/v1/accounts/acme/connectors/c1", acme_["token"]);
  ASSERT_EQ(response.status, 200) << response.body;
  json body = json::parse(response.body);
  EXPECT_EQ(body["token_id"], acme_["id"]);
  EXPECT_EQ(body["account"], "acme");
  EXPECT_EQ(send("GET", "/iceberg/v1/acme/namespaces", acme_["token"]).status, 200);
  EXPECT_EQ(send("GET", "/iceberg/v1/config?warehouse=acme", acme_["token"]).status, 200);
}

TEST_F(MiddlewareTest, OtherAccountGets404) {
  for (const std::string& path : {std::string("/api/v1/accounts/globex"),
                                  std::string("/api/v1/accounts/globex/connectors/c1"),
                                  std::string("/iceberg/v1/globex/namespaces"),
                                  std::string("/iceberg/v1/config?warehouse=globex"),
                                  std::string("/api/v1/accounts/nosuch/connectors/c1")}) {
    Response response = send("GET", path, acme_["token"]);
    EXPECT_EQ(response.status, 404) << path;
  }
  EXPECT_EQ(send("GET", "/api/v1/accounts/globex", admin_token_).status, 200);
}

TEST_F(MiddlewareTest, AccountTokenRefusedOnAdminRoutes) {
  EXPECT_EQ(send("GET", "/api/v1/accounts", acme_["token"]).status, 403);
  EXPECT_EQ(send("DELETE", "/api/v1/accounts/acme", acme_["token"]).status, 403);
  EXPECT_EQ(send("GET", "/api/v1/tokens", acme_["token"]).status, 403);
  EXPECT_EQ(send("POST", "/api/v1/tokens", acme_["token"], R"({"account_id": "acme"})").status,
            403);
  EXPECT_EQ(send("GET", "/unclassified", acme_["token"]).status, 403)
      << "routes without a classification are admin-only";
  EXPECT_EQ(send("GET", "/api/v1/accounts", admin_token_).status, 200);
}

TEST_F(MiddlewareTest, TokenRoutesCreateListRevoke) {
  Response created = send("POST", "/api/v1/tokens", admin_token_,
                          R"({"account_id": "globex", "description": "etl"})");
  ASSERT_EQ(created.status, 201) << created.body;
  json body = json::parse(created.body);
  std::string token = body["token"];
  EXPECT_EQ(send("GET", "/api/v1/accounts/globex", token).status, 200);

  Response listed = send("GET", "/api/v1/tokens", admin_token_);
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body.find(token.substr(22)), std::string::npos);

  EXPECT_EQ(send("DELETE", "/api/v1/tokens/" + body["id"].get<std::string>(), admin_token_).status,
            204);
  EXPECT_EQ(send("GET", "/api/v1/accounts/globex", token).status, 401);
}

TEST_F(MiddlewareTest, AuditRecordsRefusalsAndAdminActions) {
  send("GET", "/api/v1/accounts/acme", "");
  send("GET", "/api/v1/accounts/globex", acme_["token"]);
  send("GET", "/api/v1/tokens", acme_["token"]);
  send("DELETE", "/api/v1/accounts/globex", admin_token_);
  std::vector<json> lines = audit_lines();
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["action"], "auth.reject");
  EXPECT_EQ(lines[0]["outcome"], "unauthenticated");
  EXPECT_TRUE(lines[0]["token_id"].is_null());
  EXPECT_EQ(lines[1]["outcome"], "not_found");
  EXPECT_EQ(lines[1]["token_id"], acme_["id"]);
  EXPECT_EQ(lines[1]["account_id"], "globex");
  EXPECT_EQ(lines[2]["outcome"], "permission_denied");
  EXPECT_EQ(lines[3]["action"], "account.delete");
  EXPECT_EQ(lines[3]["resource"], "globex");
  EXPECT_EQ(lines[3]["outcome"], "ok");
  std::ifstream in(dir_ / "audit.log");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().find(acme_["token"].get<std::string>()), std::string::npos);
  EXPECT_EQ(text.str().find(admin_token_), std::string::npos);
}

TEST_F(MiddlewareTest, AuditRecordsVendOnly) {
  std::string resolve = "/api/v1/accounts/acme/storage-authorities:resolve";
  send("POST", resolve, acme_["token"], R"({"location": "s3://b/t"})");
  send("POST", resolve, acme_["token"], R"({"location": "s3://b/t", "include_credentials": true})");
  std::vector<json> lines = audit_lines();
  ASSERT_EQ(lines.size(), 1u) << "a resolve without credentials is not a vend";
  EXPECT_EQ(lines[0]["action"], "vend");
  EXPECT_EQ(lines[0]["account_id"], "acme");
  EXPECT_EQ(lines[0]["token_id"], acme_["id"]);
  EXPECT_EQ(lines[0]["resource"], resolve);
  EXPECT_EQ(lines[0]["outcome"], "ok");
}

TEST_F(MiddlewareTest, AuditRecordsIcebergVends) {
  std::string table = "/iceberg/v1/acme/namespaces/sales/tables/orders";
  send("GET", table, acme_["token"]);
  Request delegated;
  delegated.method = "GET";
  delegated.raw_path = table;
  delegated.headers["Authorization"] = "Bearer " + acme_["token"].get<std::string>();
  delegated.headers["X-Iceberg-Access-Delegation"] = "vended-credentials";
  router_.dispatch(delegated);
  send("GET", table + "/credentials", acme_["token"]);
  std::vector<json> lines = audit_lines();
  ASSERT_EQ(lines.size(), 2u) << "a load without delegation is not a vend";
  EXPECT_EQ(lines[0]["action"], "vend");
  EXPECT_EQ(lines[0]["resource"], table);
  EXPECT_EQ(lines[1]["action"], "vend");
  EXPECT_EQ(lines[1]["resource"], table + "/credentials");
}

TEST(RouteAccess, ClassifiesKnownRoutes) {
  EXPECT_EQ(classify_route({"GET", "/healthz"}), RouteAccess::kPublic);
  EXPECT_EQ(classify_route({"GET", "/readyz"}), RouteAccess::kPublic);
  EXPECT_EQ(classify_route({"POST", "/api/v1/accounts"}), RouteAccess::kAdmin);
  EXPECT_EQ(classify_route({"DELETE", "/api/v1/accounts/{account}"}), RouteAccess::kAdmin);
  EXPECT_EQ(classify_route({"GET", "/api/v1/accounts/{account}"}), RouteAccess::kAccount);
  EXPECT_EQ(classify_route({"POST", "/api/v1/accounts/{account}/storage-authorities:resolve"}),
            RouteAccess::kAccount);
  EXPECT_EQ(classify_route({"GET", "/iceberg/v1/{prefix}/namespaces"}), RouteAccess::kAccount);
  EXPECT_EQ(classify_route({"DELETE", "/api/v1/tokens/{id}"}), RouteAccess::kAdmin);
}

}  // namespace
}  // namespace floecat::http
