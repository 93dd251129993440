"""Start-up time of `cloudtwin start` to the first 200 from /_cloudtwin/health, and idle RSS.

    .venv/bin/python benchmarks/startup.py [--runs 10]
"""

from __future__ import annotations

import argparse
import statistics
import time

from _servers import free_port, rss_mib, start_cloudtwin, stop, wait_healthy


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    times, rss = [], []
    for _ in range(args.runs):
        port = free_port()
        started = time.perf_counter()
        proc = start_cloudtwin(port)
        try:
            wait_healthy(f"http://127.0.0.1:{port}/_cloudtwin/health")
            times.append(time.perf_counter() - started)
            time.sleep(1.0)  # let it settle: idle memory, not start-up transients
            rss.append(rss_mib(proc.pid))
        finally:
            stop(proc)
    print(f"start-up to first health 200: median {statistics.median(times) * 1000:.0f} ms "
          f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f}, n={len(times)})")
    print(f"resident memory at idle: median {statistics.median(rss):.1f} MiB")


if __name__ == "__main__":
    main()
