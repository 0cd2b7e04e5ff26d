"""floecat's SigV4 signer against botocore's on generated requests."""

import os
import subprocess
import tempfile
import unittest

import awsfixtures


class SigV4AgainstBotocoreTest(unittest.TestCase):
    def test_generated_requests_match_botocore(self):
        binary = awsfixtures.aws_tests_binary()
        self.assertTrue(os.path.exists(binary), "aws_tests not built: " + binary)
        with tempfile.TemporaryDirectory(prefix="floecat-sigv4-") as directory:
            path = os.path.join(directory, "cases.jsonl")
            awsfixtures.write_cases_with_expectations(1200, path, seed=4242)
            env = dict(os.environ, FLOECAT_SIGV4_CASES=path)
            result = subprocess.run(
                [binary, "--gtest_filter=SigV4Botocore.GeneratedRequestsMatch"],
                capture_output=True, text=True, env=env, timeout=300)
        self.assertEqual(result.returncode, 0, result.stdout[-4000:] + result.stderr[-2000:])
        self.assertIn("compared 1200 requests with botocore", result.stdout)


if __name__ == "__main__":
    unittest.main()
