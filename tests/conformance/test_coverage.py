"""The README's feature table: operations, coverage, passes and the success-path share."""

from __future__ import annotations

from cloudtwin.conformance.coverage import END, START, ServiceCoverage, table, write_readme


def test_table_shows_passes_and_the_success_path_share():
    text = table([ServiceCoverage("sqs", 23, 23, 23, 100, 99, 80, 60), ServiceCoverage("x", 1, 1, 0, 0, 0)])
    assert "| sqs | 23 | 23 | 23 | 99/100 | 75.0 % |" in text
    assert "| x | 1 | 1 | 0 | not in the baseline | - |" in text


def test_only_the_text_between_the_markers_is_rewritten(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{START}\nold\n{END}\noutro\n")
    assert write_readme(readme, [ServiceCoverage("sqs", 1, 1, 1, 2, 2, 1, 1)])
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("outro\n") and "old" not in text
    assert "| sqs | 1 | 1 | 1 | 2/2 | 100.0 % |" in text
    readme.write_text("no markers")
    assert not write_readme(readme, [])
