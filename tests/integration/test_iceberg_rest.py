"""The Iceberg REST routes under /iceberg: config, namespaces, tables, the
access-delegation header, the Iceberg error model, and iceberg-js from npm
driving a running server."""

import json
import os
import shutil
import subprocess
import unittest

from vending_fixtures import VendingEnvironment, put_table_metadata

JS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "js")
DELEGATION = "X-Iceberg-Access-Delegation"


def ensure_iceberg_js():
    """Installs iceberg-js from npm (package-lock pins 1.0.0) when missing."""
    if os.path.isdir(os.path.join(JS_DIR, "node_modules", "iceberg-js")):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise AssertionError("npm is required for the iceberg-js test and was not found")
    command = [npm, "ci" if os.path.exists(os.path.join(JS_DIR, "package-lock.json"))
               else "install", "--no-audit", "--no-fund"]
    done = subprocess.run(command, cwd=JS_DIR, capture_output=True, timeout=300)
    if done.returncode != 0:
        raise AssertionError("npm failed: " + done.stderr.decode(errors="replace"))


class IcebergRestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = VendingEnvironment().start()
        cls.server = cls.env.server
        cls.env.create_namespace(["sales"])
        cls.env.create_namespace(["sales", "emea"])
        cls.env.create_namespace(["hr"])
        cls.location, cls.metadata_location, cls.metadata = put_table_metadata(
            cls.env.moto, cls.env.keys, "warehouse/sales/emea/orders")
        registered = cls.server.request(
            "POST", "/iceberg/v1/acme/namespaces/sales%1Femea/register",
            {"name": "orders", "metadata-location": cls.metadata_location})
        if registered.status != 200:
            cls.env.stop()
            raise AssertionError("register failed: %r" % registered)

    @classmethod
    def tearDownClass(cls):
        cls.env.stop()

    def assert_iceberg_error(self, response, status, error_type, fragment):
        self.assertEqual(response.status, status, response)
        error = response.json()["error"]
        self.assertEqual(error["code"], status)
        self.assertEqual(error["type"], error_type)
        self.assertIn(fragment, error["message"])

    def test_config_advertises_prefix_and_credentials_endpoint(self):
        response = self.server.request("GET", "/iceberg/v1/config?warehouse=acme")
        self.assertEqual(response.status, 200, response)
        body = response.json()
        self.assertEqual(body["defaults"], {})
        self.assertEqual(body["overrides"], {"prefix": "acme"})
        self.assertIn("GET /v1/{prefix}/namespaces/{namespace}/tables/{table}/credentials",
                      body["endpoints"])
        self.assertIn("POST /v1/{prefix}/namespaces/{namespace}/register", body["endpoints"])

    def test_config_needs_known_warehouse(self):
        self.assert_iceberg_error(self.server.request("GET", "/iceberg/v1/config"), 400,
                                  "BadRequestException", "warehouse is required")
        self.assert_iceberg_error(
            self.server.request("GET", "/iceberg/v1/config?warehouse=nobody"), 404,
            "NotFoundException", "nobody")

    def test_namespace_listing_with_parent(self):
        top = self.server.request("GET", "/iceberg/v1/acme/namespaces")
        self.assertEqual(top.status, 200)
        self.assertIn(["sales"], top.json()["namespaces"])
        self.assertIn(["hr"], top.json()["namespaces"])
        self.assertNotIn(["sales", "emea"], top.json()["namespaces"])
        children = self.server.request("GET", "/iceberg/v1/acme/namespaces?parent=sales")
        self.assertEqual(children.json()["namespaces"], [["sales", "emea"]])
        missing = self.server.request("GET", "/iceberg/v1/acme/namespaces?parent=nope")
        self.assert_iceberg_error(missing, 404, "NoSuchNamespaceException", "nope")

    def test_namespace_lifecycle(self):
        created = self.server.request("POST", "/iceberg/v1/acme/namespaces",
                                      {"namespace": ["tmp"], "properties": {"owner": "qa"}})
        self.assertEqual(created.status, 200, created)
        self.assertEqual(created.json(), {"namespace": ["tmp"], "properties": {"owner": "qa"}})
        loaded = self.server.request("GET", "/iceberg/v1/acme/namespaces/tmp")
        self.assertEqual(loaded.json()["properties"], {"owner": "qa"})
        self.assertEqual(self.server.request("HEAD", "/iceberg/v1/acme/namespaces/tmp").status,
                         204)
        again = self.server.request("POST", "/iceberg/v1/acme/namespaces",
                                    {"namespace": ["tmp"]})
        self.assert_iceberg_error(again, 409, "AlreadyExistsException", "tmp")
        self.assertEqual(self.server.request("DELETE", "/iceberg/v1/acme/namespaces/tmp").status,
                         204)
        self.assertEqual(self.server.request("HEAD", "/iceberg/v1/acme/namespaces/tmp").status,
                         404)

    def test_namespace_errors(self):
        orphan = self.server.request("POST", "/iceberg/v1/acme/namespaces",
                                     {"namespace": ["ghost", "child"]})
        self.assert_iceberg_error(orphan, 404, "NoSuchNamespaceException", "ghost")
        empty = self.server.request("POST", "/iceberg/v1/acme/namespaces", {"namespace": []})
        self.assert_iceberg_error(empty, 400, "BadRequestException", "namespace")
        not_empty = self.server.request("DELETE", "/iceberg/v1/acme/namespaces/sales%1Femea")
        self.assert_iceberg_error(not_empty, 409, "NamespaceNotEmptyException", "tables")

    def test_tables_listing_and_head(self):
        listed = self.server.request("GET", "/iceberg/v1/acme/namespaces/sales%1Femea/tables")
        self.assertEqual(listed.status, 200)
        self.assertIn({"namespace": ["sales", "emea"], "name": "orders"},
                      listed.json()["identifiers"])
        self.assertEqual(self.server.request(
            "HEAD", "/iceberg/v1/acme/namespaces/sales%1Femea/tables/orders").status, 204)
        self.assertEqual(self.server.request(
            "HEAD", "/iceberg/v1/acme/namespaces/sales%1Femea/tables/nope").status, 404)
        missing = self.server.request("GET", "/iceberg/v1/acme/namespaces/sales%1Femea/tables/nope")
        self.assert_iceberg_error(missing, 404, "NoSuchTableException", "nope")

    def test_drop_table_keeps_data(self):
        location, metadata_location, _ = put_table_metadata(
            self.env.moto, self.env.keys, "warehouse/hr/people")
        self.assertEqual(self.server.request(
            "POST", "/iceberg/v1/acme/namespaces/hr/register",
            {"name": "people", "metadata-location": metadata_location}).status, 200)
        purge = self.server.request(
            "DELETE", "/iceberg/v1/acme/namespaces/hr/tables/people?purgeRequested=true")
        self.assert_iceberg_error(purge, 400, "BadRequestException", "purgeRequested")
        self.assertEqual(self.server.request(
            "DELETE", "/iceberg/v1/acme/namespaces/hr/tables/people").status, 204)
        s3 = self.env.moto.client("s3", self.env.keys["access_key_id"],
                                  self.env.keys["secret_access_key"])
        key = metadata_location[len("s3://lake/"):]
        self.assertEqual(s3.head_object(Bucket="lake", Key=key)["ResponseMetadata"]
                         ["HTTPStatusCode"], 200)

    def test_register_errors(self):
        path = "/iceberg/v1/acme/namespaces/sales/register"
        missing = self.server.request("POST", path, {"name": "x", "metadata-location":
                                                     "s3://lake/warehouse/none.metadata.json"})
        self.assert_iceberg_error(missing, 400, "BadRequestException", "does not exist")
        uncovered = self.server.request("POST", path, {"name": "x", "metadata-location":
                                                       "s3://other/t/v1.metadata.json"})
        self.assert_iceberg_error(uncovered, 400, "BadRequestException",
                                  "not covered by any enabled storage authority")
        no_name = self.server.request("POST", path, {"metadata-location": "s3://lake/x"})
        self.assert_iceberg_error(no_name, 400, "BadRequestException", "name is required")
        duplicate = self.server.request(
            "POST", "/iceberg/v1/acme/namespaces/sales%1Femea/register",
            {"name": "orders", "metadata-location": self.metadata_location})
        self.assert_iceberg_error(duplicate, 409, "AlreadyExistsException", "orders")

    def test_access_delegation_header(self):
        path = "/iceberg/v1/acme/namespaces/sales%1Femea/tables/orders"
        both = self.server.request("GET", path,
                                   headers={DELEGATION: " remote-signing , vended-credentials,"})
        self.assertEqual(both.status, 200, both)
        self.assertEqual(len(both.json()["storage-credentials"]), 1)
        signing = self.server.request("GET", path, headers={DELEGATION: "remote-signing"})
        self.assert_iceberg_error(signing, 400, "BadRequestException", "remote-signing is not offered")
        unknown = self.server.request("GET", path, headers={DELEGATION: "vended-credentials,magic"})
        self.assert_iceberg_error(unknown, 400, "BadRequestException", "magic")

    def test_no_answer_carries_a_credential_without_keys(self):
        path = "/iceberg/v1/acme/namespaces/sales%1Femea/tables/orders"
        for headers in ({}, {DELEGATION: "vended-credentials"}):
            for suffix in ("", "/credentials"):
                response = self.server.request("GET", path + suffix, headers=headers)
                self.assertEqual(response.status, 200, response)
                for credential in response.json().get("storage-credentials", []):
                    for key in ("s3.access-key-id", "s3.secret-access-key", "s3.session-token",
                                "s3.session-token-expires-at-ms"):
                        self.assertTrue(credential["config"].get(key), (suffix, key))

    def test_account_delete_removes_namespaces_and_tables(self):
        self.assertEqual(self.server.request("POST", "/api/v1/accounts",
                                             {"id": "temp", "display_name": "Temp"}).status, 201)
        self.assertEqual(self.server.request("POST", "/iceberg/v1/temp/namespaces",
                                             {"namespace": ["n"]}).status, 200)
        self.assertEqual(self.server.request("DELETE", "/api/v1/accounts/temp").status, 204)
        self.assertEqual(self.server.request("POST", "/api/v1/accounts",
                                             {"id": "temp", "display_name": "Temp"}).status, 201)
        listed = self.server.request("GET", "/iceberg/v1/temp/namespaces")
        self.assertEqual(listed.json()["namespaces"], [])

    def test_iceberg_js_lists_and_loads_with_vended_credentials(self):
        ensure_iceberg_js()
        env = dict(os.environ)
        env["FLOECAT_TOKEN"] = self.server.admin_token
        env["NO_PROXY"] = "127.0.0.1,localhost"
        done = subprocess.run(["node", "iceberg_check.mjs", self.server.url, "acme", "sales.emea",
                               "orders"], cwd=JS_DIR, capture_output=True, env=env, timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr.decode(errors="replace"))
        seen = json.loads(done.stdout)
        self.assertEqual(seen["config"]["overrides"]["prefix"], "acme")
        self.assertIn(["sales"], seen["namespaces"])
        self.assertEqual(seen["children"], [["sales", "emea"]])
        self.assertEqual(seen["tables"], ["orders"])
        self.assertEqual(seen["metadataLocation"], self.metadata_location)
        self.assertEqual(seen["tableUuid"], self.metadata["table-uuid"])
        self.assertEqual(len(seen["storageCredentials"]), 1)
        config = seen["storageCredentials"][0]["config"]
        for key in ("s3.access-key-id", "s3.secret-access-key", "s3.session-token",
                    "s3.session-token-expires-at-ms"):
            self.assertTrue(config.get(key), key)
        self.assertEqual(seen["refreshEndpoint"],
                         "v1/acme/namespaces/sales%1Femea/tables/orders/credentials")


if __name__ == "__main__":
    unittest.main()
