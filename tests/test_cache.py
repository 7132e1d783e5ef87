"""The bytecode cache, seen from fresh interpreters: what an import reads, writes and trusts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from wsapi.compiled import GENERATOR_VERSION

from .conftest import REPO

PROBE = """\
import sys, traceback, wsapi
import wsapi.{name} as m
generated = 'wsapi.codegen.render' in sys.modules or 'yaml' in sys.modules
sdk = m.DefaultApiServerSdk('http://127.0.0.1:9/x')
try:
    sdk.send_greeting('c', greeting=1)
except wsapi.PayloadValidationError:
    frame = traceback.extract_tb(sys.exc_info()[2])[-3]
print('generated' if generated else 'cached', frame.filename, frame.line, m.User.__doc__.splitlines()[0])
"""


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A copy of the example specs, as a project or Lambda bundle would have them."""
    target = tmp_path / "bundle" / "specs"
    shutil.copytree(REPO / "specs", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def run(spec_dir: Path, *, name: str = "myapi", cache_dir: Path | None = None, prelude: str = "", **env: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "WSAPI_CACHE_DIR")}
    environ.update({"WSAPI_SPEC_PATH": str(spec_dir), "XDG_CACHE_HOME": str(spec_dir.parent / "user-cache"), **env})
    if cache_dir is not None:
        environ["WSAPI_CACHE_DIR"] = str(cache_dir)
    out = subprocess.run(
        [sys.executable, "-c", prelude + PROBE.format(name=name)], cwd=spec_dir.parent, env=environ,
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout.split(" ", 1)[:1] + [out.stdout.strip(), out.stderr]


def cache_file(spec_dir: Path, name: str = "myapi") -> Path:
    return spec_dir / "__pycache__" / f"{name}.{sys.implementation.cache_tag}.wsapi{GENERATOR_VERSION}.pyc"


def test_second_import_uses_the_cache_and_tracebacks_show_generated_lines(bundle):
    assert run(bundle)[0] == "generated"
    assert cache_file(bundle).is_file()
    status, line, _ = run(bundle)
    assert status == "cached"
    assert f"{bundle / 'myapi.yaml'}#wsapi.myapi.py" in line
    assert "return self._send('SendGreeting', connection_id, payload" in line
    assert line.endswith("A chat participant.")


def test_cache_survives_mtime_changes_but_not_content_changes(bundle):
    run(bundle)
    for path in bundle.rglob("*.yaml"):
        os.utime(path, (1_000_000, 1_000_000))
    assert run(bundle)[0] == "cached"
    parts = bundle / "parts" / "schemas.yaml"
    parts.write_text(parts.read_text().replace("A chat participant.", "Somebody in a chat."))
    status, line, _ = run(bundle)
    assert status == "generated" and line.endswith("Somebody in a chat.")
    assert run(bundle)[0] == "cached"


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
        pytest.param(lambda data: b"", id="empty"),
        pytest.param(lambda data: os.urandom(len(data)), id="garbage"),
        pytest.param(lambda data: data[:8] + b"\x00\x00\x00\x00" + data[12:], id="other-python"),
        pytest.param(lambda data: data[:-20] + bytes(20), id="corrupt-code"),
    ],
)
def test_damaged_cache_is_ignored_and_replaced(bundle, damage):
    run(bundle)
    path = cache_file(bundle)
    good = path.read_bytes()
    path.write_bytes(damage(good))
    assert run(bundle)[0] == "generated"
    assert path.read_bytes() == good
    assert run(bundle)[0] == "cached"


def test_cache_of_another_spec_is_not_used(bundle):
    other = bundle.parent / "other"
    shutil.copytree(bundle, other)
    spec = other / "myapi.yaml"
    spec.write_text(spec.read_text().replace("title: MyApi", "title: OtherApi"))
    run(other)
    cache_file(bundle).parent.mkdir()
    shutil.copy(cache_file(other), cache_file(bundle))  # a stale cache from another version of the spec
    assert run(bundle)[0] == "generated"


def test_group_writable_cache_folder_is_never_loaded(bundle):
    run(bundle)
    os.chmod(bundle / "__pycache__", 0o775)
    status, _, stderr = run(bundle)
    assert status == "generated"
    assert "not loading cache" in stderr and "writable by another user" in stderr


def test_world_writable_cache_file_is_never_loaded(bundle):
    run(bundle)
    os.chmod(cache_file(bundle), 0o666)
    assert run(bundle)[0] == "generated"


def test_cache_owned_by_another_user_is_never_loaded(bundle):
    run(bundle)
    if os.getuid() == 0:
        os.chown(cache_file(bundle), 65534, 65534)
        assert run(bundle)[0] == "generated"
    else:  # only root can give a file away: run the importer as if it were another user
        assert run(bundle, prelude="import os; os.getuid = lambda: 424242\n")[0] == "generated"


def test_dont_write_bytecode_means_no_write(bundle):
    assert run(bundle, PYTHONDONTWRITEBYTECODE="1")[0] == "generated"
    assert not (bundle / "__pycache__").exists()
    assert not (bundle.parent / "user-cache").exists()


def test_wsapi_cache_dir_overrides(bundle, tmp_path):
    cache = tmp_path / "tmp-cache"
    run(bundle, cache_dir=cache)
    assert not (bundle / "__pycache__").exists()
    assert len(list(cache.glob("myapi.*.pyc"))) == 1
    assert run(bundle, cache_dir=cache)[0] == "cached"


def test_world_writable_cache_dir_gets_a_private_folder(bundle, tmp_path):
    shared = tmp_path / "shared-tmp"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    run(bundle, cache_dir=shared)
    private = shared / f"wsapi-{os.getuid()}"
    assert private.is_dir() and (private.stat().st_mode & 0o777) == 0o700
    assert run(bundle, cache_dir=shared)[0] == "cached"


def test_many_processes_importing_a_new_spec_at_once(bundle):
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environ.update(WSAPI_SPEC_PATH=str(bundle), XDG_CACHE_HOME=str(bundle.parent / "user-cache"))
    code = "import wsapi.myapi as m; print(len(m.OPERATIONS), m.ChatMessage.__name__)"
    procs = [
        subprocess.Popen([sys.executable, "-c", code], env=environ, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0] * 8, results
    assert {out.strip() for out, _ in results} == {"8 ChatMessage"}
    assert [p.name for p in (bundle / "__pycache__").iterdir()] == [cache_file(bundle).name]  # no temp files left
    assert run(bundle)[0] == "cached"


@pytest.fixture
def read_only_mount(tmp_path: Path):
    """A real read-only file system (root ignores permission bits, so chmod would prove nothing)."""
    mount = tmp_path / "ro"
    mount.mkdir()
    if os.getuid() != 0:
        yield mount, lambda: os.chmod(mount, 0o555)
        os.chmod(mount, 0o755)
        return
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], check=True)
    try:
        yield mount, lambda: subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_lambda_bundle_with_precompiled_cache_imports_without_generating(bundle, read_only_mount, tmp_path):
    mount, make_read_only = read_only_mount
    out = subprocess.run(
        [sys.executable, "-m", "wsapi", "compile", "myapi", "--spec-path", str(bundle)],
        capture_output=True, text=True, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "compiled wsapi.myapi" in out.stdout
    # zip and unzip as a deployment does (new paths, new mtimes), into a read-only /var/task
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in bundle.parent.rglob("*"):
            zf.write(path, path.relative_to(bundle.parent))
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(mount)
    for path in [mount, *mount.rglob("*")]:
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    make_read_only()
    lambda_tmp = tmp_path / "lambda-tmp"
    lambda_tmp.mkdir()
    status, line, stderr = run(mount / "specs", cache_dir=lambda_tmp)
    assert status == "cached", stderr
    assert str(mount / "specs" / "myapi.yaml") in line  # code points at where the bundle is now
    assert list(lambda_tmp.iterdir()) == []


def test_read_only_spec_folder_without_cache_generates_in_memory(bundle, read_only_mount):
    mount, make_read_only = read_only_mount
    shutil.copytree(bundle, mount / "specs")
    make_read_only()
    readonly_user_cache = mount / "no-user-cache"
    status, _, stderr = run(mount / "specs", XDG_CACHE_HOME=str(readonly_user_cache))
    assert status == "generated" and "Traceback" not in stderr
    assert not (mount / "specs" / "__pycache__").exists()
