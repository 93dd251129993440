"""The code of a service's dataclasses, cached on disk: the same classes, made faster."""

from __future__ import annotations

import dataclasses
import marshal
from dataclasses import dataclass, field

from cloudtwin import code_cache
from cloudtwin.code_cache import compiled_code


def _make():
    """A dataclass using what the generated code does: defaults, factories, types,
    frozen attribute guards, ordering, slots."""

    @dataclass(frozen=True, order=True, slots=True)
    class Sample:
        name: str
        size: int = 0
        tags: list[str] = field(default_factory=list)

    return Sample


def _compare(a: type, b: type) -> None:
    for method in ("__init__", "__repr__", "__eq__", "__lt__", "__setattr__", "__hash__"):
        fa, fb = getattr(a, method), getattr(b, method)
        assert fa.__code__.co_code == fb.__code__.co_code, method
        assert fa.__annotations__ == fb.__annotations__, method  # not made strings
    assert repr(a("x", 1)) == repr(b("x", 1)).replace(b.__qualname__, a.__qualname__)
    assert a("x") == a("x", 0, []) and a("x") < a("y")


def test_classes_made_from_cached_code_are_the_same(tmp_path):
    plain = _make()
    with compiled_code("svc", tmp_path):
        first = _make()  # compiled, then written
    path = tmp_path / "svc.marshal"
    stored = marshal.loads(path.read_bytes())
    assert stored and all(type(text) is str for text in stored)
    compiled = []
    original = code_cache._compile
    code_cache._compile = lambda text: compiled.append(text) or original(text)
    try:
        with compiled_code("svc", tmp_path):
            cached = _make()  # nothing compiled
    finally:
        code_cache._compile = original
    assert compiled == []
    _compare(plain, first)
    _compare(plain, cached)
    assert cached.__init__.__annotations__["size"] == "int"  # the type, not the name "_type_size"


def test_outside_the_block_classes_are_made_as_always(tmp_path):
    with compiled_code("svc", tmp_path):
        pass
    assert dataclasses.exec is code_cache._exec
    made = _make()
    _compare(made, _make())
    assert made.__init__.__annotations__["size"] == "int"


def test_a_damaged_or_unwritable_file_is_no_error(tmp_path):
    (tmp_path / "svc.marshal").write_bytes(b"\x00not marshal")
    with compiled_code("svc", tmp_path):
        _make()
    stored = marshal.loads((tmp_path / "svc.marshal").read_bytes())  # written anew
    (tmp_path / "svc.marshal").write_bytes(marshal.dumps({text: 0 for text in stored}))  # not code
    with compiled_code("svc", tmp_path):
        _compare(_make(), _make())
    blocker = tmp_path / "file"
    blocker.write_text("")
    with compiled_code("svc", blocker / "sub"):
        _compare(_make(), _make())


def test_a_file_others_may_write_is_not_read(tmp_path):
    with compiled_code("svc", tmp_path / "code"):
        _make()
    path = tmp_path / "code" / "svc.marshal"
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)
    assert oct((tmp_path / "code").stat().st_mode & 0o777) == oct(0o700)
    path.chmod(0o666)
    compiled = []
    original = code_cache._compile
    code_cache._compile = lambda text: compiled.append(text) or original(text)
    try:
        with compiled_code("svc", tmp_path / "code"):
            _make()
    finally:
        code_cache._compile = original
    assert compiled, "code read from a file anyone may write"


def test_a_file_keeps_what_the_last_import_used(tmp_path):
    """A file does not grow with texts no longer made (renamed fields, removed classes)."""
    path = tmp_path / "svc.marshal"
    path.write_bytes(marshal.dumps({"stale text": compile("", "<string>", "exec")}))
    path.chmod(0o600)
    with compiled_code("svc", tmp_path):
        _make()
    assert "stale text" not in marshal.loads(path.read_bytes())


def test_no_cache_dir_to_be_found_is_no_error(monkeypatch):
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(code_cache, "_folder", no_home)
    with compiled_code("svc"):
        _compare(_make(), _make())
