"""Driver for churn_load.sh: wrk keeps many connections open on the Iceberg
table-load route with vended credentials while another client creates and
deletes connectors. Checks that every response is 200 or an intended 503
and that every create and delete is accounted for (no connector and no
connector secret is left), and samples the server's resident memory.
Exits with status 1 when a check fails."""

import json
import os
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))

from floecat_fixtures import run_cli  # noqa: E402
from vending_fixtures import VendingEnvironment, put_table_metadata  # noqa: E402

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
THREADS = 2


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("VmRSS missing from /proc/%d/status" % pid)


class Churn(threading.Thread):
    """Creates a connector and deletes it in a loop and counts the statuses.
    A create rejected with 503 creates nothing, and a delete rejected with
    503 is retried."""

    def __init__(self, server):
        super().__init__(daemon=True)
        self.server = server
        self.stop_event = threading.Event()
        self.created = self.deleted = self.refused = 0
        self.unexpected = []

    def run(self):
        base = "/api/v1/accounts/acme/connectors"
        serial = 0
        while not self.stop_event.is_set():
            serial += 1
            body = {"display_name": "churn-%d" % serial, "kind": "iceberg",
                    "uri": "https://catalog.example.test/api",
                    "auth": {"scheme": "oauth2", "credentials": {
                        "type": "bearer", "token": "churn-token-%d" % serial}}}
            created = self.server.request("POST", base, body, timeout=60)
            if created.status == 503:
                self.refused += 1
                continue
            if created.status != 201:
                self.unexpected.append(("create", created.status, created.body[:200]))
                continue
            self.created += 1
            connector_id = created.json()["id"]
            while True:
                deleted = self.server.request("DELETE", base + "/" + connector_id, timeout=60)
                if deleted.status == 503:
                    self.refused += 1
                    time.sleep(0.05)
                    continue
                if deleted.status == 204:
                    self.deleted += 1
                else:
                    self.unexpected.append(("delete", deleted.status, deleted.body[:200]))
                break


class RssSampler(threading.Thread):
    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop_event = threading.Event()
        self.peak = 0

    def run(self):
        while not self.stop_event.wait(0.25):
            self.peak = max(self.peak, rss_kib(self.pid))


def run_wrk(url, connections, duration, headers):
    command = ["wrk", "-t%d" % THREADS, "-c%d" % connections, "-d" + duration, "--latency",
               "-s", os.path.join(BENCH_DIR, "status_counts.lua")]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run(command + [url], capture_output=True, text=True, check=True)
    output = done.stdout
    statuses = json.loads(re.search(r"^statuses: (.*)$", output, re.MULTILINE).group(1))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    socket_errors = re.search(r"Socket errors: (.*)$", output, re.MULTILINE)
    return {"rps": rps, "p99_ms": p99_ms, "statuses": statuses,
            "socket_errors": socket_errors.group(1) if socket_errors else "none"}


def main():
    connections = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    duration = sys.argv[2] if len(sys.argv) > 2 else "30s"
    failures = []
    with VendingEnvironment(overrides={"floecat.log.level": "warn"}) as env:
        server = env.server
        env.create_namespace(["bench"])
        _, metadata_location, _ = put_table_metadata(env.moto, env.keys, "warehouse/bench/t")
        registered = server.request("POST", "/iceberg/v1/acme/namespaces/bench/register",
                                    {"name": "t", "metadata-location": metadata_location})
        assert registered.status == 200, registered
        path = "/iceberg/v1/acme/namespaces/bench/tables/t"
        warm = server.request("GET", path, headers={"X-Iceberg-Access-Delegation":
                                                    "vended-credentials"})
        assert warm.status == 200, warm

        pid = server.process.pid
        rss_before = rss_kib(pid)
        sampler = RssSampler(pid)
        churn = Churn(server)
        sampler.start()
        churn.start()
        load = run_wrk(server.url + path, connections, duration,
                       ["X-Iceberg-Access-Delegation: vended-credentials",
                        "Authorization: Bearer " + server.admin_token])
        churn.stop_event.set()
        churn.join(timeout=120)
        sampler.stop_event.set()
        sampler.join()
        rss_after = rss_kib(pid)
        healthy = server.request("GET", "/healthz")

        left = server.request("GET", "/api/v1/accounts/acme/connectors").json()["connectors"]
        listed = run_cli(["secrets", "list", "--account", "acme", "--output", "json"],
                         data_dir=server.data_dir)
        secret_names = json.loads(listed.stdout)
        connector_secrets = [name for name in secret_names if "/connectors/" in name]
        authority_secret = "accounts/acme/storage-authorities/" + env.authority["id"]

    other = {status: count for status, count in load["statuses"].items()
             if status not in ("200", "503")}
    if other:
        failures.append("table loads answered with unexpected statuses %r" % other)
    if load["socket_errors"] != "none":
        failures.append("wrk saw socket errors: " + load["socket_errors"])
    if churn.unexpected:
        failures.append("connector churn got unexpected answers %r" % churn.unexpected[:5])
    if churn.created != churn.deleted:
        failures.append("%d connectors created but %d deleted" % (churn.created, churn.deleted))
    if left:
        failures.append("%d connectors left after the run" % len(left))
    if authority_secret not in secret_names:
        failures.append("the secrets listing lacks the authority's secret, so it proves nothing")
    if connector_secrets:
        failures.append("%d connector secrets left after the run" % len(connector_secrets))
    if healthy.status != 200:
        failures.append("/healthz answered %d after the run" % healthy.status)

    print("wrk -t%d -c%d -d%s on the table-load route with vended credentials, "
          "floecat %s" % (THREADS, connections, duration, os.environ.get("FLOECAT_BINARY")))
    print("table loads: %.0f req/s, p99 %.2f ms, statuses %s, socket errors %s" %
          (load["rps"], load["p99_ms"], json.dumps(load["statuses"], sort_keys=True),
           load["socket_errors"]))
    print("connector churn: %d created, %d deleted, %d answers of 503, %d unexpected" %
          (churn.created, churn.deleted, churn.refused, len(churn.unexpected)))
    print("left after the run: %d connectors, %d connector secrets" %
          (len(left), len(connector_secrets)))
    print("server RSS: %d KiB before, %d KiB peak, %d KiB after" %
          (rss_before, sampler.peak, rss_after))
    for failure in failures:
        print("FAILED: " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
