"""Running user code: execution environments that speak the Lambda Runtime API.

An environment is a local process (no container) started in its own working directory
with the function's code and layers, which asks for work over HTTP exactly as AWS's own
runtimes do (``/2018-06-01/runtime/invocation/next``...). This package knows nothing of
the Lambda API: ``services/lambda_`` describes a function as a :class:`Blueprint` and
hands invocations to the :class:`~cloudtwin.execution.pool.EnvironmentPool`.

    pool.py          warm environments per function version, concurrency, idle reaping
    environment.py   one process: start, invoke, time out, logs, stop
    runtime_api.py   the Runtime API server an environment's process talks to
    runtimes.py      which command runs which runtime (python, nodejs, provided)
    sandbox_paths.py this machine's directories shown as AWS's (/var/task, /opt...) in errors
    python_runtime/  the pure-Python runtime_client for Pythons awslambdaric was not built for
"""
