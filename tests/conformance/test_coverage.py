"""The README's table: only what the judge measures — the success-path share of the valid
variants and the round trips verified."""

from __future__ import annotations

from cloudtwin.conformance.coverage import END, START, ServiceCoverage, table, write_readme


def test_table_shows_the_success_path_share_and_the_round_trips():
    text = table([ServiceCoverage("sqs", 23, 23, 20, 100, 99, 80, 60, None, 12, 1),
                  ServiceCoverage("x", 1, 1, 0, 0, 0)])
    assert "| sqs | 23 | 23 | 20 | 75.0 % (60/80) | 12 / 1 |" in text
    assert "| x | 1 | 1 | - | not in the baseline | - |" in text
    assert "99/100" not in text  # the pass count of all variants is not a measure of correctness


def test_only_the_text_between_the_markers_is_rewritten(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold\n{END}\noutro\n")
    assert write_readme(readme, [ServiceCoverage("sqs", 1, 1, 1, 2, 2, 1, 1, None, 1, 0)])
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n") and "old" not in text
    assert "| sqs | 1 | 1 | 1 | 100.0 % (1/1) | 1 / 0 |" in text
    readme.write_text("no markers")
    assert not write_readme(readme, [])


def test_progress_is_plain_lines_when_not_on_a_terminal():
    import io

    from cloudtwin.conformance.report import ProgressBar

    stream = io.StringIO()
    progress = ProgressBar(stream)
    for done in range(0, 21):
        progress("sqs", "SendMessage", done, 20)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "sqs: 0/20 variants (SendMessage)"
    assert lines[-1] == "sqs: 20 variants done"
    assert 5 <= len(lines) <= 12 and "\r" not in stream.getvalue()
