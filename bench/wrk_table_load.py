"""Driver for wrk_table_load.sh: sets up moto, floecat, an account, a storage
authority and a registered table, then runs wrk against the table-load route
and /healthz and prints the numbers."""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))

from vending_fixtures import VendingEnvironment, put_table_metadata  # noqa: E402

CONNECTIONS = 64
THREADS = 2
DELEGATION = "X-Iceberg-Access-Delegation: vended-credentials"


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def to_ms(value, unit):
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return float(value) * scale


def run_wrk(url, duration, headers=()):
    command = ["wrk", "-t%d" % THREADS, "-c%d" % CONNECTIONS, "-d" + duration, "--latency"]
    for header in headers:
        command += ["-H", header]
    done = subprocess.run(command + [url], capture_output=True, text=True, check=True)
    output = done.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)", output, re.MULTILINE)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {"rps": rps, "p99_ms": to_ms(*p99.groups()),
            "errors": int(non_2xx.group(1)) if non_2xx else 0, "raw": output}


def main():
    duration = sys.argv[1] if len(sys.argv) > 1 else "10s"
    with VendingEnvironment(overrides={"floecat.log.level": "warn"}) as env:
        env.create_namespace(["bench"])
        _, metadata_location, _ = put_table_metadata(env.moto, env.keys, "warehouse/bench/t")
        registered = env.server.request("POST", "/iceberg/v1/acme/namespaces/bench/register",
                                        {"name": "t", "metadata-location": metadata_location})
        assert registered.status == 200, registered
        path = "/iceberg/v1/acme/namespaces/bench/tables/t"
        warm = env.server.request("GET", path, headers={"X-Iceberg-Access-Delegation":
                                                        "vended-credentials"})
        assert warm.status == 200, warm
        env.proxy.reset()

        pid = env.server.process.pid
        rss_before = rss_kib(pid)
        authorization = "Authorization: Bearer " + env.server.admin_token
        load = run_wrk(env.server.url + path, duration, [DELEGATION, authorization])
        health = run_wrk(env.server.url + "/healthz", duration)
        rss_after = rss_kib(pid)
        assume_role_calls = len(env.proxy.assume_role_calls())

    print("wrk -t%d -c%d -d%s, floecat %s" % (THREADS, CONNECTIONS, duration,
                                             os.environ.get("FLOECAT_BINARY")))
    print("table load (vended, warm): %10.0f req/s  p99 %7.2f ms  non-2xx %d" %
          (load["rps"], load["p99_ms"], load["errors"]))
    print("healthz:                   %10.0f req/s  p99 %7.2f ms  non-2xx %d" %
          (health["rps"], health["p99_ms"], health["errors"]))
    print("table load / healthz:      %10.3f of the req/s, %.2fx the p99" %
          (load["rps"] / health["rps"], load["p99_ms"] / health["p99_ms"]))
    print("server RSS: %d KiB before, %d KiB after" % (rss_before, rss_after))
    print("AssumeRole calls during the run: %d" % assume_role_calls)


if __name__ == "__main__":
    main()
