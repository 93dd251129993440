"""Start AWS's runtime interface client as AWS's Python runtimes start it.

Run as ``python -m bootstrap <handler>`` from ``/var/task`` with ``PYTHONPATH=/var/runtime``
(sandbox_mounts.py): the function's code comes first on ``sys.path``, then the layers'
``/opt/python/lib/python3.x/site-packages`` and ``/opt/python``, as on AWS.
"""

import os
import sys


def main() -> None:
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    task_root = os.environ.get("LAMBDA_TASK_ROOT", "/var/task")
    ahead = [task_root, f"/opt/python/lib/{version}/site-packages", "/opt/python"]
    sys.path[:] = ahead + [p for p in sys.path if p not in ahead and p not in ("", ".")]
    from awslambdaric.__main__ import main as run

    run([sys.argv[0], *sys.argv[1:]])


if __name__ == "__main__":
    main()
