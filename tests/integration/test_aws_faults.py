"""floecat's AWS secrets store behind a proxy that injects throttling,
server errors, connection resets and stalls in front of moto_server."""

import shutil
import tempfile
import unittest

import awsfixtures


class AwsFaultsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = awsfixtures.MotoServer().start()
        cls.keys = cls.moto.enable_auth()
        cls.proxy = awsfixtures.FaultProxy(cls.moto.url).start()

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.moto.stop()

    def setUp(self):
        self.data_dir = tempfile.mkdtemp(prefix="floecat-faults-")

    def tearDown(self):
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def secrets(self, args, input_bytes=None, overrides=None):
        return awsfixtures.floecat_secrets(args, self.keys, self.proxy.url, self.data_dir,
                                           input_bytes=input_bytes, overrides=overrides)

    def test_transient_faults_are_retried(self):
        self.proxy.set_script(["throttle", "500", "503", "reset"])

        result = self.secrets(["put", "--account", "faults", "--type", "connectors",
                               "--id", "c1"], input_bytes=b"payload-after-faults")

        self.assertEqual(result.returncode, 0, result.stderr.decode())
        create_calls = [r for r in self.proxy.seen if r == "secretsmanager.CreateSecret"]
        self.assertEqual(len(create_calls), 5, self.proxy.seen)
        read = self.secrets(["get", "--account", "faults", "--type", "connectors", "--id", "c1"])
        self.assertEqual(read.returncode, 0, read.stderr.decode())
        self.assertEqual(read.stdout, b"payload-after-faults")

    def test_throttling_until_attempts_run_out_is_unavailable(self):
        self.proxy.set_script(["throttle"] * 10)

        result = self.secrets(["get", "--account", "faults", "--type", "connectors",
                               "--id", "throttled"])

        self.assertEqual(result.returncode, 1)
        stderr = result.stderr.decode()
        self.assertIn("ThrottlingException", stderr)
        self.assertIn("after 5 attempts", stderr)
        self.assertEqual(len(self.proxy.seen), 5)

    def test_client_error_is_not_retried(self):
        # A wrong key produces a real 4xx from moto, which must not be retried.
        self.proxy.set_script([])
        keys = dict(self.keys, secret_access_key="wrong" + self.keys["secret_access_key"][5:])

        result = awsfixtures.floecat_secrets(
            ["get", "--account", "faults", "--type", "connectors", "--id", "c1"], keys,
            self.proxy.url, self.data_dir)

        self.assertEqual(result.returncode, 1)
        self.assertEqual(len(self.proxy.seen), 1, self.proxy.seen)
        self.assertNotIn(keys["secret_access_key"], result.stderr.decode())

    def test_stalled_answer_ends_at_deadline(self):
        self.proxy.set_script(["stall"] * 5)

        result = self.secrets(["get", "--account", "faults", "--type", "connectors",
                               "--id", "stalled"],
                              overrides={"floecat.secrets.aws.deadline-ms": "2000"})

        self.assertEqual(result.returncode, 1)
        stderr = result.stderr.decode()
        self.assertIn("did not succeed within 2000 ms", stderr)
        self.assertIn("timed out", stderr)


if __name__ == "__main__":
    unittest.main()
