"""API Gateway data plane: requests/s through an HTTP API with a warm Lambda proxy
integration (payload 2.0), and through a REST API MOCK integration (the gateway's own
overhead: routing, VTL, response). A server in its own process; keep-alive HTTP clients,
a few threads; the function is a real local process.

    .venv/bin/python benchmarks/bench_apigateway.py [--seconds 5] [--threads 4]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import threading
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _servers import free_port, start_cloudtwin, stop, wait_healthy  # noqa: E402

import boto3  # noqa: E402
import httpx  # noqa: E402

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
HANDLER = "def handler(e, c):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def rate(url: str, host: str, seconds: float, threads: int, method: str = "GET") -> tuple[float, int]:
    """Requests per second over ``seconds`` with ``threads`` keep-alive clients; errors counted."""
    counts = [0] * threads
    errors = [0] * threads
    deadline = time.perf_counter() + seconds

    def worker(i: int) -> None:
        with httpx.Client(headers={"Host": host}, timeout=30) as client:
            while time.perf_counter() < deadline:
                if client.request(method, url).status_code == 200:
                    counts[i] += 1
                else:
                    errors[i] += 1

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.perf_counter() - start), sum(errors)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    proc = start_cloudtwin(port)
    endpoint = f"http://127.0.0.1:{port}"
    wait_healthy(f"{endpoint}/_cloudtwin/health")
    kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    try:
        lam = boto3.client("lambda", **kw)
        role = boto3.client("iam", **kw).create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
        arn = lam.create_function(FunctionName="bench", Runtime="python3.12", Role=role, Handler="app.handler",
                                  Code={"ZipFile": zipped({"app.py": HANDLER})})["FunctionArn"]  # fmt: skip
        lam.get_waiter("function_active_v2").wait(FunctionName="bench")
        http_api = boto3.client("apigatewayv2", **kw).create_api(Name="bench", ProtocolType="HTTP", Target=arn)["ApiId"]

        apigw = boto3.client("apigateway", **kw)
        rest = apigw.create_rest_api(name="bench-mock")
        root = rest["rootResourceId"]
        apigw.put_method(restApiId=rest["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(restApiId=rest["id"], resourceId=root, httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_method_response(restApiId=rest["id"], resourceId=root, httpMethod="GET", statusCode="200")
        apigw.put_integration_response(restApiId=rest["id"], resourceId=root, httpMethod="GET", statusCode="200",
                                       responseTemplates={"application/json": '{"ok": true, "id": "$context.requestId"}'})
        apigw.create_deployment(restApiId=rest["id"], stageName="bench")

        rows = []
        rate(f"{endpoint}/", f"{http_api}.execute-api.localhost", 1.0, args.threads)  # warm the function(s)
        per_s, errors = rate(f"{endpoint}/", f"{http_api}.execute-api.localhost", args.seconds, args.threads)
        rows.append((f"HTTP API -> Lambda proxy (warm, payload 2.0), {args.threads} clients", f"{per_s:.0f} req/s ({errors} errors)"))
        per_s, errors = rate(f"{endpoint}/bench/", f"{rest['id']}.execute-api.localhost", args.seconds, args.threads)
        rows.append((f"REST API -> MOCK with a VTL response template, {args.threads} clients", f"{per_s:.0f} req/s ({errors} errors)"))
        per_s, errors = rate(f"{endpoint}/_cloudtwin/health", "localhost", args.seconds, args.threads)
        rows.append((f"baseline: GET /_cloudtwin/health, {args.threads} clients", f"{per_s:.0f} req/s ({errors} errors)"))
        width = max(len(r[0]) for r in rows)
        for name, value in rows:
            print(f"{name:<{width}}  {value}")
    finally:
        stop(proc)


if __name__ == "__main__":
    main()
