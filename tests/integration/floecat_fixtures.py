"""Shared helpers for the integration tests: a floecat server on a free
loopback port, an HTTP client that never uses a proxy, and the CLI."""

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

SOURCE_DIR = os.environ.get(
    "FLOECAT_SOURCE_DIR",
    os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
BINARY = os.environ.get("FLOECAT_BINARY", os.path.join(SOURCE_DIR, "build", "bin", "floecat"))

# Requests go straight to loopback: proxies from the environment are ignored.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port():
    """Returns a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ApiResponse:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return "ApiResponse(%d, %s)" % (self.status, self.body[:400])


class FloecatServer:
    """Runs `floecat serve` in a temporary data directory.

    `extra_env` adds environment variables (FLOECAT_FAULT_POINT, say);
    `overrides` become -Dkey=value arguments.
    """

    def __init__(self, data_dir=None, extra_env=None, overrides=None, log_level="info"):
        self.owns_data_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="floecat-test-")
        self.extra_env = extra_env or {}
        self.overrides = overrides or {}
        self.log_level = log_level
        self.port = None
        self.process = None
        # The admin token `serve` writes on first start; request() and
        # run_cli() send it unless told otherwise.
        self.admin_token = None
        self.log_path = os.path.join(self.data_dir, "server-%d.log" % time.time_ns())

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def command(self):
        args = [BINARY, "serve", "--listen", "127.0.0.1:%d" % self.port,
                "--data-dir", self.data_dir, "--log-level", self.log_level]
        for key, value in self.overrides.items():
            args.append("-D%s=%s" % (key, value))
        return args

    def start(self, wait=True):
        self.port = free_port()
        env = dict(os.environ)
        env.update(self.extra_env)
        self._log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command(), stdout=self._log, stderr=self._log,
                                        env=env, cwd=self.data_dir)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=30.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("floecat serve exited with %s; log:\n%s" %
                                   (self.process.returncode, self.log_text()))
            try:
                if self.request("GET", "/healthz").status == 200:
                    self.admin_token = self.read_admin_token()
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("floecat serve did not become healthy; log:\n" + self.log_text())

    def read_admin_token(self):
        with open(os.path.join(self.data_dir, "admin-token"), encoding="ascii") as f:
            return f.read().strip()

    def request(self, method, path, body=None, headers=None, raw_body=None, timeout=30,
                token=True):
        """Sends one request. `token` True sends the admin token, a string
        sends that token, and None or False sends no Authorization header;
        an Authorization entry in `headers` wins over all three."""
        data = raw_body
        all_headers = dict(headers or {})
        if token is True:
            token = self.admin_token
        if token and "Authorization" not in all_headers:
            all_headers["Authorization"] = "Bearer " + token
        if body is not None:
            data = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        if isinstance(data, str):
            data = data.encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers=all_headers)
        try:
            with _OPENER.open(req, timeout=timeout) as resp:
                return ApiResponse(resp.status, dict(resp.headers), resp.read().decode())
        except urllib.error.HTTPError as err:
            return ApiResponse(err.code, dict(err.headers), err.read().decode())

    def stop(self):
        """Stops the server with SIGTERM. Raises AssertionError when a server
        that was still running does not exit with status 0 within 20 s: a
        clean stop is part of the contract, and it is where the sanitized
        build reports leaks."""
        failure = None
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                code = self.process.wait(timeout=20)
                if code != 0:
                    failure = "floecat serve exited with %s after SIGTERM" % code
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                failure = "floecat serve did not exit within 20 s of SIGTERM"
        if self.process is not None:
            self._log.close()
        self.process = None
        if failure:
            raise AssertionError("%s; log:\n%s" % (failure, self.log_text()[-4000:]))

    def wait_exit(self, timeout=20):
        return self.process.wait(timeout=timeout)

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def cleanup(self):
        try:
            self.stop()
        finally:
            if self.owns_data_dir:
                shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


def run_cli(args, server=None, data_dir=None, input_bytes=None, check=True, env=None):
    """Runs the floecat CLI. `server` sets FLOECAT_SERVER and FLOECAT_TOKEN
    (its admin token; `env` may override it); `data_dir` adds --data-dir for
    the commands that open the stores directly."""
    full_env = dict(os.environ)
    if server is not None:
        full_env["FLOECAT_SERVER"] = server.url
        if server.admin_token:
            full_env["FLOECAT_TOKEN"] = server.admin_token
    if env:
        full_env.update(env)
    command = [BINARY] + list(args)
    if data_dir is not None:
        command += ["--data-dir", data_dir]
    result = subprocess.run(command, input=input_bytes, capture_output=True, env=full_env,
                            timeout=120)
    if check and result.returncode != 0:
        raise AssertionError("floecat %s exited %d\nstdout: %s\nstderr: %s" %
                             (" ".join(args), result.returncode, result.stdout[-2000:],
                              result.stderr[-2000:]))
    return result


def read_all_bytes(paths):
    """Concatenates the bytes of every existing file in `paths`."""
    chunks = []
    for path in paths:
        if os.path.exists(path):
            with open(path, "rb") as f:
                chunks.append(f.read())
    return b"".join(chunks)
