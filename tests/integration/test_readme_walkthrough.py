"""Runs the README's walkthrough exactly as written against a fresh server,
so that the README and the product cannot drift apart."""

import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from floecat_fixtures import BINARY, SOURCE_DIR, FloecatServer


def walkthrough_blocks():
    """Returns the fenced blocks of the README's Walkthrough section as
    (language, text) pairs."""
    with open(os.path.join(SOURCE_DIR, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    section = readme.split("\n## Walkthrough\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```(\w+)\n(.*?)```", section, re.S)


def expected_line_pattern(line):
    """Turns an expected output line into a regex; <...> stands for any value."""
    parts = re.split(r"<[^>]+>", line)
    return "^" + ".+".join(re.escape(p) for p in parts) + "$"


class ReadmeWalkthroughTest(unittest.TestCase):

    def setUp(self):
        self.server = FloecatServer()
        self.server.start()
        # The walkthrough puts $PWD/build/bin on PATH: lay that out around
        # the binary under test.
        self.workdir = tempfile.mkdtemp(prefix="floecat-readme-")
        os.makedirs(os.path.join(self.workdir, "build"))
        os.symlink(os.path.dirname(os.path.abspath(BINARY)),
                   os.path.join(self.workdir, "build", "bin"))
        # It also reads the admin token from ./floecat-data, the data
        # directory of a server started by scripts/run.sh at that root.
        os.symlink(self.server.data_dir, os.path.join(self.workdir, "floecat-data"))

    def tearDown(self):
        self.server.cleanup()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def run_block(self, text):
        env = dict(os.environ, FLOECAT_SERVER=self.server.url)
        # The curl example names the default address; point it at this server.
        text = text.replace("http://127.0.0.1:8181", self.server.url)
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", text], cwd=self.workdir,
                                env=env, capture_output=True, text=True, timeout=120)
        self.assertEqual(result.returncode, 0,
                         "walkthrough block failed:\n%s\nstdout:\n%s\nstderr:\n%s" %
                         (text, result.stdout, result.stderr))
        return result.stdout

    def test_walkthrough_runs_as_written(self):
        blocks = walkthrough_blocks()
        shell_blocks = [text for language, text in blocks if language == "sh"]
        expected = [text for language, text in blocks if language == "text"]
        self.assertGreaterEqual(len(shell_blocks), 2)
        self.assertEqual(len(expected), 1)

        output = self.run_block(shell_blocks[0])
        self.assertIn("****", output, "connector get should show masked credentials")
        for secret in re.findall(r"secret_access_key=(\S+)", shell_blocks[0]):
            self.assertNotIn(secret, output)

        # The resolve output ends the first block and must match the README.
        lines = output.rstrip("\n").split("\n")
        wanted = expected[0].rstrip("\n").split("\n")
        tail = lines[-len(wanted):]
        for got, want in zip(tail, wanted):
            self.assertRegex(got, expected_line_pattern(want))

        listed = json.loads(self.run_block(shell_blocks[1]))
        connectors = listed["connectors"]
        self.assertEqual([c["display_name"] for c in connectors], ["glue-prod"])
        self.assertEqual(connectors[0]["auth"]["credentials"]["secret_access_key"], "****")


if __name__ == "__main__":
    unittest.main()
