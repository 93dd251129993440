"""The pytest plugin, run the way users run it: a sample project in its own pytest, with
``-n 2`` (a subprocess) and against an external endpoint; reset modes in-process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from cloudtwin.testing.server import ServerThread

SAMPLE = Path(__file__).parent / "sample_project"
SAMPLE_TESTS = 3 + 5 + 6  # test_identity, test_clock, test_where


#: Plugins the inner runs do not need; hypothesis's summary alone costs seconds a run.
UNNEEDED = ["-p", "no:hypothesispytest"]


def plugin_args() -> list[str]:
    """Load the plugin explicitly when its entry point is not installed (bare checkout)."""
    installed = any(ep.name == "cloudtwin" for ep in entry_points(group="pytest11"))
    if installed and not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return list(UNNEEDED)
    return [*UNNEEDED, "-p", "cloudtwin.testing.plugin"]


def run_sample(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run a copy of the sample project in a fresh pytest process; outcome counts."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "out"
    out.mkdir()
    report = tmp_path / "report.xml"
    run_env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTEST_", "CLOUDTWIN_")) or k == "PYTEST_DISABLE_PLUGIN_AUTOLOAD"
    }
    run_env.update(SAMPLE_OUT=str(out), **(env or {}))
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}",
         *plugin_args(), *args],
        cwd=project,
        env=run_env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    if report.exists():
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        total = int(suite.get("tests", 0))
        counts.update(
            failed=int(suite.get("failures", 0)),
            errors=int(suite.get("errors", 0)),
            skipped=int(suite.get("skipped", 0)),
        )
        counts["passed"] = total - counts["failed"] - counts["errors"] - counts["skipped"]
    records = [json.loads(p.read_text()) for p in sorted(out.glob("*.json"))]
    return {"counts": counts, "records": records, "output": proc.stdout + proc.stderr}


def test_sample_project_under_xdist_gets_one_server_per_worker(tmp_path) -> None:
    # ``--dist each`` runs every test on both workers, so both are sure to report
    result = run_sample(tmp_path, "-n", "2", "--dist", "each")
    expected = {"passed": 2 * SAMPLE_TESTS, "failed": 0, "errors": 0, "skipped": 0}
    assert result["counts"] == expected, result["output"][-3000:]
    records = result["records"]
    assert len(records) == 12 and all(r["in_process"] for r in records)
    by_worker: dict[str, set[str]] = {}
    for record in records:
        by_worker.setdefault(record["worker"], set()).add(record["endpoint"])
    assert set(by_worker) == {"gw0", "gw1"}, by_worker
    # one server per worker, each on its own port
    assert all(len(endpoints) == 1 for endpoints in by_worker.values())
    assert by_worker["gw0"] != by_worker["gw1"]


def test_sample_project_against_an_external_endpoint(tmp_path) -> None:
    with ServerThread() as external:
        result = run_sample(tmp_path / "all", "--cloudtwin-endpoint", external.endpoint)
        # once more, STS only and never reset, to see the calls land on the external server
        again = run_sample(
            tmp_path / "sts",
            "--cloudtwin-endpoint", external.endpoint,
            "--cloudtwin-reset=never",
            "test_identity.py",
        )
        sts_calls = external.app.request_log.query(service="sts", status=200)
    expected = {"passed": SAMPLE_TESTS, "failed": 0, "errors": 0, "skipped": 0}
    assert result["counts"] == expected, result["output"][-3000:]
    assert {r["endpoint"] for r in result["records"]} == {external.endpoint}
    assert not any(r["in_process"] for r in result["records"])
    assert again["counts"]["passed"] == 3, again["output"][-3000:]
    assert sorted(r.account_id for r in sts_calls) == [
        "000000000000", "000000000000", "123456789012"
    ]


# -- in-process runs (pytester): options, reset modes, marker ------------------------------

OBSERVE = """
import json, os
import pytest

def observe(client, name):
    with open(os.environ["OBS"], "a") as f:
        f.write(json.dumps([name, client.clock()["frozen"]]) + "\\n")
    client.freeze()
"""

MODE_FILES = {
    "test_a": OBSERVE
    + """
def test_a1(cloudtwin_client): observe(cloudtwin_client, "a1")
def test_a2(cloudtwin_client): observe(cloudtwin_client, "a2")
@pytest.mark.cloudtwin_no_reset
def test_a3(cloudtwin_client): observe(cloudtwin_client, "a3")
def test_a4_without_cloudtwin(): pass
""",
    "test_b": OBSERVE
    + """
def test_b0_without_cloudtwin(): pass
def test_b1(cloudtwin_client): observe(cloudtwin_client, "b1")
def test_b2(cloudtwin_client): observe(cloudtwin_client, "b2")
""",
    "test_c": OBSERVE
    + """
@pytest.fixture(scope="module")
def module_state(cloudtwin_client):
    cloudtwin_client.unfreeze()
    cloudtwin_client.set_time("2030-01-01T00:00:00Z")

def test_c1(module_state, cloudtwin_client):
    offset = cloudtwin_client.clock()["offset"]
    with open(os.environ["OBS"], "a") as f:
        f.write(json.dumps(["c1-module-state-kept", offset > 1e6]) + "\\n")
""",
}

# Was the clock still frozen (by the previous test) when each test started?
EXPECTED = {
    "test": {"a1": False, "a2": False, "a3": True, "b1": False, "b2": False,
             "c1-module-state-kept": False},
    "module": {"a1": False, "a2": True, "a3": True, "b1": False, "b2": True,
               "c1-module-state-kept": True},
    "session": {"a1": False, "a2": True, "a3": True, "b1": True, "b2": True,
                "c1-module-state-kept": True},
    "never": {"a1": False, "a2": True, "a3": True, "b1": True, "b2": True,
              "c1-module-state-kept": True},
}


def run_modes(pytester: pytest.Pytester, monkeypatch, *args: str) -> dict[str, bool]:
    obs = pytester.path / "obs.jsonl"
    monkeypatch.setenv("OBS", str(obs))
    monkeypatch.delenv("CLOUDTWIN_ENDPOINT", raising=False)
    pytester.makepyfile(**MODE_FILES)
    result = pytester.runpytest("-p", "no:cacheprovider", *plugin_args(), *args)
    result.assert_outcomes(passed=8)
    return dict(json.loads(line) for line in obs.read_text().splitlines())


@pytest.mark.parametrize("mode", ["test", "module", "session", "never"])
def test_reset_modes(pytester, monkeypatch, mode) -> None:
    assert run_modes(pytester, monkeypatch, f"--cloudtwin-reset={mode}") == EXPECTED[mode]


def test_default_reset_mode_is_per_test(pytester, monkeypatch) -> None:
    assert run_modes(pytester, monkeypatch) == EXPECTED["test"]


def test_reset_mode_from_the_ini_file(pytester, monkeypatch) -> None:
    pytester.makeini("[pytest]\ncloudtwin_reset = module\n")
    assert run_modes(pytester, monkeypatch) == EXPECTED["module"]


def test_a_bad_reset_mode_in_the_ini_is_a_usage_error(pytester, monkeypatch) -> None:
    pytester.makeini("[pytest]\ncloudtwin_reset = sometimes\n")
    pytester.makepyfile("def test_x(cloudtwin): pass")
    result = pytester.runpytest("-p", "no:cacheprovider", *plugin_args())
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*cloudtwin_reset must be one of*"])


def test_tests_that_do_not_use_cloudtwin_start_no_server(pytester, monkeypatch) -> None:
    pytester.makepyfile(
        """
        def test_plain(request):
            assert "cloudtwin" not in request.fixturenames
        def test_twin(cloudtwin):
            pass
        """
    )
    args = ("-p", "no:cacheprovider", *plugin_args(), "--setup-show")
    plain = pytester.runpytest(*args, "-k", "plain")
    plain.assert_outcomes(passed=1)
    plain.stdout.no_fnmatch_line("*SETUP    S cloudtwin*")
    both = pytester.runpytest(*args)
    both.assert_outcomes(passed=2)
    both.stdout.fnmatch_lines(["*SETUP    S cloudtwin*"])


def test_endpoint_from_the_environment(pytester, monkeypatch) -> None:
    with ServerThread() as external:
        monkeypatch.setenv("CLOUDTWIN_ENDPOINT", external.endpoint)
        monkeypatch.setenv("EXPECTED", external.endpoint)
        pytester.makepyfile(
            """
            import os
            def test_external(cloudtwin, cloudtwin_endpoint, aws_client):
                assert cloudtwin.server is None and cloudtwin.gateway is None
                assert cloudtwin_endpoint == os.environ["EXPECTED"]
                assert aws_client("sts").meta.endpoint_url == os.environ["EXPECTED"]
                cloudtwin.client.freeze()
            """
        )
        result = pytester.runpytest("-p", "no:cacheprovider", *plugin_args())
        result.assert_outcomes(passed=1)
        assert external.app.clock.frozen  # the test drove the external server's clock


def test_real_aws_target_has_no_control_api(pytester, monkeypatch) -> None:
    monkeypatch.delenv("CLOUDTWIN_ENDPOINT", raising=False)
    pytester.makepyfile(
        """
        def test_target(cloudtwin, aws_client):
            assert cloudtwin.is_aws and cloudtwin.client is None and cloudtwin.endpoint is None
            assert "amazonaws.com" in aws_client("sts", region="eu-west-1").meta.endpoint_url
        def test_needs_control(cloudtwin_client):
            raise AssertionError("skipped before it gets here")
        """
    )
    result = pytester.runpytest(
        "-p", "no:cacheprovider", *plugin_args(), "--cloudtwin-endpoint", "aws"
    )
    result.assert_outcomes(passed=1, skipped=1)


def test_env_fixture_sets_and_restores_the_aws_environment(pytester, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_PROFILE", "someone-real")
    pytester.makepyfile(
        """
        import os
        def test_with_env(cloudtwin, cloudtwin_env):
            assert os.environ["AWS_ENDPOINT_URL"] == cloudtwin.endpoint
            assert os.environ["AWS_DEFAULT_REGION"] == "eu-central-1"
            assert os.environ["AWS_ACCESS_KEY_ID"] == "test"
            assert os.environ["AWS_SECRET_ACCESS_KEY"] == "test"
            assert "AWS_PROFILE" not in os.environ
        def test_after():
            assert "AWS_ENDPOINT_URL" not in os.environ
            assert os.environ["AWS_PROFILE"] == "someone-real"
        """
    )
    pytester.makeini("[pytest]\ncloudtwin_region = eu-central-1\n")
    result = pytester.runpytest("-p", "no:cacheprovider", *plugin_args())
    result.assert_outcomes(passed=2)


def test_autouse_env_from_the_ini(pytester, monkeypatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    pytester.makeini("[pytest]\ncloudtwin_autouse_env = true\n")
    pytester.makepyfile(
        """
        import os
        def test_plain():
            assert os.environ["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", *plugin_args())
    result.assert_outcomes(passed=1)


def test_aws_client_caches_clients_and_turns_retries_off(aws_client) -> None:
    sts = aws_client("sts")
    assert aws_client("sts") is sts
    assert aws_client("sts", region="eu-west-1") is not sts
    assert sts.meta.region_name == "us-east-1"
    assert sts.meta.config.retries["total_max_attempts"] == 1


def test_an_endpoint_that_is_not_cloudtwin_fails_the_tests_clearly(pytester, monkeypatch) -> None:
    monkeypatch.delenv("CLOUDTWIN_ENDPOINT", raising=False)
    with ServerThread() as other:
        pytester.makepyfile("def test_x(cloudtwin): pass")
        wrong = other.endpoint + "/not-here"  # answers, but not the control API
        result = pytester.runpytest("-p", "no:cacheprovider", *plugin_args(),
                                    "--cloudtwin-endpoint", wrong)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*no cloudtwin answers at {wrong}*"])
