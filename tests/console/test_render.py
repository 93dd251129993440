"""Escaping and the building blocks: user data never reaches a page as markup."""

from __future__ import annotations

from cloudtwin.console.render import Html, esc, field, form, h, kv_table, qs, table, when


def test_values_are_escaped_in_text_and_attributes() -> None:
    assert esc('<b a="1">&\'') == "&lt;b a=&quot;1&quot;&gt;&amp;&#x27;"
    assert h('<a title="{}">{}</a>', '"><script>', "<i>") == '<a title="&quot;&gt;&lt;script&gt;">&lt;i&gt;</a>'


def test_markup_made_here_is_not_escaped_twice() -> None:
    inner = h("<b>{}</b>", "x<y")
    assert isinstance(inner, Html)
    assert h("<p>{}</p>", inner) == "<p><b>x&lt;y</b></p>"


def test_joining_markup_keeps_it_markup_and_escapes_text() -> None:
    both = h("<p>{}</p>", 1) + h("<p>{}</p>", 2)
    assert isinstance(both, Html) and both == "<p>1</p><p>2</p>"
    assert h("<p>{}</p>", 1) + "<b>" == "<p>1</p>&lt;b&gt;"
    assert "<b>" + h("<i>{}</i>", 1) == "&lt;b&gt;<i>1</i>"


def test_tables_escape_keys_and_values_and_structures() -> None:
    out = table([{"<k>": "<v>", "doc": {"a": "<b>"}}])
    assert "&lt;k&gt;" in out and "&lt;v&gt;" in out and "<v>" not in out
    assert "&lt;b&gt;" in out
    assert "<b>" not in out
    assert "&lt;script&gt;" in kv_table({"x": "<script>"})


def test_forms_escape_values_and_hidden_fields() -> None:
    out = form("/a", field("n", "Name", '"onfocus="x'), hidden={"q": "</form>"})
    assert 'value="&quot;onfocus=&quot;x"' in out
    assert "&lt;/form&gt;" in out
    assert 'data-action="json"' in out
    assert 'data-action' not in form("/a", method="get")


def test_times_and_query_strings() -> None:
    assert "1970-01-01 00:00:00Z" in when(0)
    assert "2023-11-14 22:13:20Z" in when(1_700_000_000_000)  # milliseconds
    assert when("soon") == "soon"
    assert qs(a="1", b="", c=None, d="x y") == "?a=1&d=x+y"
    assert qs() == ""
