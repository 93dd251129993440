"""User import jobs: ``CreateUserImportJob`` hands a pre-signed URL (served by cloudtwin
on the pool's path, ``PUT <issuer>/import/<job-id>``) for the CSV in
``GetCSVHeader``'s format; ``StartUserImportJob`` imports it at once: each row a user
in ``RESET_REQUIRED`` (no password: they set one with ForgotPassword), rows naming an
existing user or missing ``cognito:username`` counted as failed."""

from __future__ import annotations

import csv
import io
import secrets
import string
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.services.cognito_idp.errors import invalid_parameter, not_found
from cloudtwin.services.cognito_idp.pools import paged

Params = dict[str, Any]
_PUBLIC = ("JobName", "JobId", "UserPoolId", "PreSignedUrl", "CreationDate", "StartDate", "CompletionDate", "Status",
           "CloudWatchLogsRoleArn", "ImportedUsers", "SkippedUsers", "FailedUsers", "CompletionMessage",
           "PasswordHashingAlgorithm")  # fmt: skip


def _view(job: Params) -> Params:
    return {k: job[k] for k in _PUBLIC if job.get(k) is not None}


class ImportHandlers:
    def _job(self, store: Any, pool_id: str, job_id: str) -> Params:
        job = store.import_jobs.get((pool_id, job_id))
        if job is None:
            raise not_found(f"Import job {job_id} does not exist.")  # not an AWS text
        return job

    def create_user_import_job(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        job_id = "import-" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(10))
        job: Params = {
            "JobName": params["JobName"], "JobId": job_id, "UserPoolId": pool["Id"],
            "PreSignedUrl": f"{self.issuer(pool['Id'])}/import/{job_id}",  # type: ignore[attr-defined]
            "CreationDate": ctx.clock.now(), "Status": "Created", "CloudWatchLogsRoleArn": params["CloudWatchLogsRoleArn"],
            "ImportedUsers": 0, "SkippedUsers": 0, "FailedUsers": 0,
            "PasswordHashingAlgorithm": params.get("PasswordHashingAlgorithm"), "Csv": None,
        }  # fmt: skip
        store.import_jobs[(pool["Id"], job_id)] = job
        return {"UserImportJob": _view(job)}

    def upload_import_csv(self, store: Any, pool: Params, job_id: str, request: HttpRequest) -> HttpResponse:
        """The pre-signed URL's PUT: the CSV kept with the job until it starts."""
        job = store.import_jobs.get((pool["Id"], job_id))
        if job is None or job["Status"] != "Created":
            return HttpResponse(404, {"Content-Type": "text/plain"}, b"No such import job waiting for its file.")
        body = request.body if isinstance(request.body, (bytes, bytearray)) else b""
        job["Csv"] = bytes(body).decode("utf-8-sig", "replace")
        store.import_jobs.save((pool["Id"], job_id))
        return HttpResponse(200, {}, b"")

    def start_user_import_job(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        job = self._job(store, pool["Id"], params["JobId"])
        if job["Status"] != "Created":
            raise invalid_parameter(f"Import job {job['JobId']} cannot be started in status {job['Status']}.")  # not an AWS text
        job["StartDate"] = ctx.clock.now()
        imported = failed = 0
        rows = list(csv.DictReader(io.StringIO(job.get("Csv") or "")))
        schema = {a["Name"] for a in pool["SchemaAttributes"]}
        for row in rows:
            username = (row.get("cognito:username") or "").strip()
            if not username or self.find_user(store, pool, username) is not None:  # type: ignore[attr-defined]
                failed += 1
                continue
            attributes = {k: v for k, v in row.items() if k in schema and v not in (None, "")}
            user = self.new_user(ctx, pool, username, attributes)  # type: ignore[attr-defined]
            if not user:
                failed += 1
                continue
            user["UserStatus"] = "RESET_REQUIRED"
            self.save_user(store, pool, user)  # type: ignore[attr-defined]
            imported += 1
        job.update(Status="Succeeded" if rows or job.get("Csv") is not None else "Failed", ImportedUsers=imported,
                   FailedUsers=failed, CompletionDate=ctx.clock.now(), Csv=None,
                   CompletionMessage="Import Job Completed Successfully." if job.get("Csv") is not None
                   else "The user import file was not uploaded.")  # fmt: skip
        store.import_jobs.save((pool["Id"], job["JobId"]))
        return {"UserImportJob": _view(job)}

    def describe_user_import_job(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        return {"UserImportJob": _view(self._job(store, pool["Id"], params["JobId"]))}

    def list_user_import_jobs(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        jobs = [_view(j) for k, j in store.import_jobs.items() if k[0] == pool["Id"]]
        return paged(params, jobs, "UserImportJobs", token="PaginationToken")

    def stop_user_import_job(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        job = self._job(store, pool["Id"], params["JobId"])
        if job["Status"] not in ("Created", "Pending", "InProgress"):
            raise invalid_parameter(f"Import job {job['JobId']} cannot be stopped in status {job['Status']}.")  # not an AWS text
        job.update(Status="Stopped", CompletionDate=ctx.clock.now(), Csv=None, CompletionMessage="Import Job Stopped.")
        store.import_jobs.save((pool["Id"], job["JobId"]))
        return {"UserImportJob": _view(job)}
