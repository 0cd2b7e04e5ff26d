"""Sends requests with `Expect: 100-continue` from curl to a real server.

curl waits up to 120 s (--expect100-timeout) for the interim response, and a
server that never sends 100 Continue makes it send the body only after that
wait. The checks look at the status lines curl reports, not at the time
taken."""

import json
import os
import shutil
import subprocess
import unittest

from floecat_fixtures import FloecatServer

ACCOUNT = "acct-expect"


class ExpectContinueTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        if shutil.which("curl") is None:
            raise AssertionError("curl is not installed; scripts/bootstrap.sh installs it")
        cls.server = FloecatServer()
        cls.server.start()
        r = cls.server.request("POST", "/api/v1/accounts",
                               {"id": ACCOUNT, "display_name": "Expect"})
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.server.cleanup()

    def curl(self, path, body, token):
        """POSTs `body` with Expect: 100-continue; returns (status, the
        interim and final status lines curl saw, response body)."""
        body_path = os.path.join(self.server.data_dir, "expect-body.json")
        with open(body_path, "wb") as f:
            f.write(body)
        command = ["curl", "-sS", "-v", "--noproxy", "*", "--expect100-timeout", "120",
                   "-H", "Expect: 100-continue", "-H", "Content-Type: application/json",
                   "--data-binary", "@" + body_path, "-o", "-", "-w", "\n%{http_code}",
                   self.server.url + path]
        if token:
            command[1:1] = ["-H", "Authorization: Bearer " + token]
        result = subprocess.run(command, capture_output=True, timeout=300)
        output = result.stdout.decode()
        response_body, _, code = output.rpartition("\n")
        status_lines = [line[2:] for line in result.stderr.decode(errors="replace").splitlines()
                        if line.startswith("< HTTP/")]
        return int(code), status_lines, response_body

    def test_continue_then_created(self):
        body = json.dumps({"display_name": "expect-ok", "kind": "iceberg",
                           "uri": "https://catalog.example.test/api"}).encode()
        status, lines, response = self.curl("/api/v1/accounts/%s/connectors" % ACCOUNT, body,
                                            self.server.admin_token)
        self.assertEqual(status, 201, response)
        self.assertEqual(len(lines), 2, lines)
        self.assertTrue(lines[0].startswith("HTTP/1.1 100"), lines)
        self.assertTrue(lines[1].startswith("HTTP/1.1 201"), lines)
        self.assertEqual(json.loads(response)["display_name"], "expect-ok")

    def test_missing_token_gets_401_without_continue(self):
        body = json.dumps({"display_name": "expect-anon", "kind": "iceberg",
                           "uri": "https://catalog.example.test/api"}).encode()
        status, lines, response = self.curl("/api/v1/accounts/%s/connectors" % ACCOUNT, body,
                                            None)
        self.assertEqual(status, 401, response)
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith("HTTP/1.1 401"), lines)
        r = self.server.request("GET", "/api/v1/accounts/%s/connectors/expect-anon" % ACCOUNT)
        self.assertEqual(r.status, 404, r)

    def test_oversized_body_gets_413_without_continue(self):
        body = b'{"display_name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
        status, lines, response = self.curl("/api/v1/accounts/%s/connectors" % ACCOUNT, body,
                                            self.server.admin_token)
        self.assertEqual(status, 413, response)
        self.assertEqual(len(lines), 1, lines)
        self.assertTrue(lines[0].startswith("HTTP/1.1 413"), lines)
        self.assertEqual(json.loads(response)["error"]["code"], "too_large")


if __name__ == "__main__":
    unittest.main()
