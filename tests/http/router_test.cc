#include <string>

#include <gtest/gtest.h>

#include "http/message.h"

namespace floecat::http {
namespace {

Handler reply_with(std::string text) {
  return [text](const Request& request) {
    nlohmann::json body = {{"route", text}, {"params", request.params}};
    return Response::json(200, body);
  };
}

Response dispatch(const Router& router, std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.raw_path = std::move(path);
  return router.dispatch(request);
}

nlohmann::json body_of(const Response& response) {
  return nlohmann::json::parse(response.body);
}

Router accounts_router() {
  Router router;
  router.add("GET", "/api/v1/accounts/{account}", reply_with("get-account"));
  router.add("DELETE", "/api/v1/accounts/{account}", reply_with("delete-account"));
  router.add("GET", "/api/v1/accounts/{account}/storage-authorities/{id}",
             reply_with("get-authority"));
  router.add("POST", "/api/v1/accounts/{account}/storage-authorities", reply_with("create"));
  router.add("POST", "/api/v1/accounts/{account}/storage-authorities:resolve",
             reply_with("resolve"));
  router.add("GET", "/api/v1/accounts/special", reply_with("special"));
  router.add("GET", "/tables/{name}.json", reply_with("table-json"));
  router.add("GET", "/", reply_with("root"));
  return router;
}

TEST(Router, LiteralBeatsPlaceholderAddedEarlier) {
  Router router = accounts_router();
  Response literal = dispatch(router, "GET", "/api/v1/accounts/special");
  ASSERT_EQ(literal.status, 200);
  EXPECT_EQ(body_of(literal)["route"], "special");

  Response placeholder = dispatch(router, "GET", "/api/v1/accounts/acme");
  ASSERT_EQ(placeholder.status, 200);
  EXPECT_EQ(body_of(placeholder)["route"], "get-account");
  EXPECT_EQ(body_of(placeholder)["params"]["account"], "acme");
}

TEST(Router, ResolveSegmentIsALiteral) {
  Router router = accounts_router();
  Response resolve = dispatch(router, "POST", "/api/v1/accounts/acme/storage-authorities:resolve");
  ASSERT_EQ(resolve.status, 200);
  EXPECT_EQ(body_of(resolve)["route"], "resolve");
  EXPECT_EQ(body_of(resolve)["params"]["account"], "acme");

  Response create = dispatch(router, "POST", "/api/v1/accounts/acme/storage-authorities");
  ASSERT_EQ(create.status, 200);
  EXPECT_EQ(body_of(create)["route"], "create");
}

TEST(Router, BindsSeveralParams) {
  Router router = accounts_router();
  Response response = dispatch(router, "GET", "/api/v1/accounts/acme/storage-authorities/sa-1");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response)["params"]["account"], "acme");
  EXPECT_EQ(body_of(response)["params"]["id"], "sa-1");
}

TEST(Router, MixedSegmentBindsTheMiddle) {
  Router router = accounts_router();
  Response response = dispatch(router, "GET", "/tables/orders.json");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response)["params"]["name"], "orders");
  EXPECT_EQ(dispatch(router, "GET", "/tables/.json").status, 404);
  EXPECT_EQ(dispatch(router, "GET", "/tables/orders.xml").status, 404);
}

TEST(Router, RootPath) {
  Router router = accounts_router();
  Response response = dispatch(router, "GET", "/");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response)["route"], "root");
}

TEST(Router, UnknownPathIs404) {
  Router router = accounts_router();
  Response response = dispatch(router, "GET", "/api/v2/accounts");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(body_of(response)["error"]["code"], "not_found");
  EXPECT_EQ(response.headers.count("Allow"), 0u);
}

TEST(Router, WrongMethodIs405WithAllow) {
  Router router = accounts_router();
  Response response = dispatch(router, "PUT", "/api/v1/accounts/acme");
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers["Allow"], "DELETE, GET");
  EXPECT_EQ(body_of(response)["error"]["code"], "method_not_allowed");
}

TEST(Router, ParamsArePercentDecoded) {
  Router router = accounts_router();
  Response response = dispatch(router, "GET", "/api/v1/accounts/hello%20world%3A1");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response)["params"]["account"], "hello world:1");
}

TEST(Router, EncodedSlashStaysInOneSegment) {
  Router router = accounts_router();
  Response response = dispatch(router, "GET", "/api/v1/accounts/a%2Fb");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_of(response)["route"], "get-account");
  EXPECT_EQ(body_of(response)["params"]["account"], "a/b");

  // Decoding happens after splitting, so "%2F" never creates a new segment.
  Response deeper = dispatch(router, "GET", "/api/v1/accounts/acme%2Fstorage-authorities%2Fx");
  ASSERT_EQ(deeper.status, 200);
  EXPECT_EQ(body_of(deeper)["route"], "get-account");
}

TEST(Router, InvalidPercentEscapeIs400) {
  Router router = accounts_router();
  for (const char* path : {"/api/v1/accounts/a%zz", "/api/v1/accounts/a%2", "/api/v1/accounts/%"}) {
    Response response = dispatch(router, "GET", path);
    EXPECT_EQ(response.status, 400) << path;
    EXPECT_EQ(body_of(response)["error"]["code"], "invalid_argument") << path;
  }
}

TEST(Router, EmptySegmentDoesNotMatchPlaceholder) {
  Router router = accounts_router();
  EXPECT_EQ(dispatch(router, "GET", "/api/v1/accounts/").status, 404);
  EXPECT_EQ(dispatch(router, "GET", "/api/v1/accounts/acme/").status, 404);
  EXPECT_EQ(dispatch(router, "GET", "/api/v1/accounts//storage-authorities/x").status, 404);
}

TEST(Router, HandlerReceivesRequestFields) {
  Router router;
  std::string seen_header;
  router.add("POST", "/echo", [&](const Request& request) {
    seen_header = request.header("x-trace-id");
    return Response::json(200, {{"body", request.body}});
  });
  Request request;
  request.method = "POST";
  request.raw_path = "/echo";
  request.headers["X-Trace-Id"] = "t-1";
  request.body = "payload";
  Response response = router.dispatch(request);
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(seen_header, "t-1");
  EXPECT_EQ(body_of(response)["body"], "payload");
}

struct ErrorCase {
  Status status;
  int http_status;
  const char* code;
};

TEST(ResponseError, StatusAndBodyForEachCode) {
  const ErrorCase cases[] = {
      {invalid_argument("field 'id' is missing"), 400, "invalid_argument"},
      {unauthenticated("missing bearer token"), 401, "unauthenticated"},
      {permission_denied("not an admin token"), 403, "permission_denied"},
      {not_found("account 'a' not found"), 404, "not_found"},
      {already_exists("account 'a' exists"), 409, "already_exists"},
      {failed_precondition("etag mismatch"), 409, "failed_precondition"},
      {too_large("body over 1048576 bytes"), 413, "too_large"},
      {unavailable("secrets store unreachable"), 503, "unavailable"},
      {deadline_exceeded("STS timed out"), 503, "deadline_exceeded"},
      {internal_error("bug"), 500, "internal"},
  };
  for (const ErrorCase& c : cases) {
    Response response = Response::error(c.status);
    EXPECT_EQ(response.status, c.http_status) << c.code;
    EXPECT_EQ(http_status_for(c.status.code()), c.http_status) << c.code;
    EXPECT_EQ(response.headers["Content-Type"], "application/json") << c.code;
    nlohmann::json body = body_of(response);
    EXPECT_EQ(body["error"]["code"], c.code);
    EXPECT_EQ(body["error"]["message"], c.status.message()) << c.code;
    EXPECT_EQ(body.size(), 1u) << c.code;
    EXPECT_EQ(body["error"].size(), 2u) << c.code;
    bool retry = c.http_status == 503;
    EXPECT_EQ(response.headers.count("Retry-After"), retry ? 1u : 0u) << c.code;
    bool bearer = c.http_status == 401;
    EXPECT_EQ(response.headers.count("WWW-Authenticate"), bearer ? 1u : 0u) << c.code;
  }
}

TEST(ResponseError, RetryAfterAndBearerValues) {
  EXPECT_EQ(Response::error(unavailable("x")).headers["Retry-After"], "1");
  EXPECT_EQ(Response::error(unauthenticated("x")).headers["WWW-Authenticate"], "Bearer");
}

TEST(ResponseError, OkStatusBecomes500) {
  Response response = Response::error(Status::ok_status());
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(body_of(response)["error"]["code"], "internal");
}

TEST(Response, NoContentHasNoBody) {
  Response response = Response::no_content();
  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
}

TEST(Headers, NamesAreCaseInsensitive) {
  Headers headers;
  headers["Content-Type"] = "text/plain";
  headers["content-type"] = "application/json";
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers["CONTENT-TYPE"], "application/json");
  Request request;
  request.headers["Authorization"] = "Bearer x";
  EXPECT_EQ(request.header("authorization"), "Bearer x");
  EXPECT_EQ(request.header("x-missing"), "");
  EXPECT_EQ(request.param("missing"), "");
}

TEST(PercentDecode, DecodesAndRejects) {
  EXPECT_EQ(*percent_decode("a%20b%2Fc"), "a b/c");
  EXPECT_EQ(*percent_decode("a+b"), "a+b");
  EXPECT_EQ(*percent_decode("a+b", true), "a b");
  EXPECT_EQ(*percent_decode("%e2%82%ac"), "\xe2\x82\xac");
  Result<std::string> bad = percent_decode("abc%g0");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("offset 3"), std::string::npos);
}

TEST(ParseQuery, DecodesPairs) {
  auto query = parse_query("warehouse=acme&x=a%20b+c&flag&x2=&x=last");
  ASSERT_TRUE(query.ok());
  EXPECT_EQ((*query)["warehouse"], "acme");
  EXPECT_EQ((*query)["x"], "last");
  EXPECT_EQ((*query)["x2"], "");
  EXPECT_EQ(query->count("flag"), 1u);
  auto single = parse_query("x=a%20b+c");
  ASSERT_TRUE(single.ok());
  EXPECT_EQ((*single)["x"], "a b c");
}

TEST(ParseQuery, RejectsBadEscapeNamingTheKey) {
  auto query = parse_query("location=s3%zz");
  ASSERT_FALSE(query.ok());
  EXPECT_EQ(query.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(query.status().message().find("location"), std::string::npos);
}

}  // namespace
}  // namespace floecat::http
