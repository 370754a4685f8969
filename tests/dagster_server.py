"""Test helpers: the real `dagster dev` (webserver + daemon) on loopback, and headless Chromium.

Both run in their own process group, and the whole group is killed on the way out, whatever
happened: `dagster dev` forks a code server, a gRPC server, the webserver, the daemon and run
workers, and signalling the parent alone leaves some of them running.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import requests
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]

# Variables of the developer's shell that would point the server at another instance or data.
_SCRUBBED_PREFIXES = ("X_", "ARXIV_", "HOTPAPERS_", "DAGSTER_")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_instance_yaml(home: Path, storage_dir: Path) -> Path:
    """The repo's dagster.yaml, with its SQLite storage moved to ``storage_dir``."""
    config = yaml.safe_load((REPO_ROOT / "dagster.yaml").read_text()) or {}
    storage = config.setdefault("storage", {})
    assert set(storage) <= {"sqlite"}, f"dagster.yaml: expected SQLite storage, found {sorted(storage)}"
    (storage.get("sqlite") or storage.setdefault("sqlite", {}))["base_dir"] = str(storage_dir)
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


# --------------------------------------------------------------------------------------------------
# process groups


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_group(process: subprocess.Popen, grace_seconds: float = 5.0) -> None:
    """SIGTERM to the process group, then SIGKILL to whatever is left after ``grace_seconds``."""
    pgid = process.pid  # start_new_session=True: the child leads its own group
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            process.poll()  # reap our direct child so it does not linger as a zombie
            if not _group_alive(pgid):
                break
            time.sleep(0.1)
        if not _group_alive(pgid):
            break
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass


def _pids_with_env(name: str, value: str) -> list[int]:
    """Processes whose environment has ``name=value`` (a unique temp path: only ours)."""
    needle = f"{name}={value}".encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                pids.append(int(entry.name))
        except OSError:
            continue
    return pids


def kill_escaped(name: str, value: str) -> list[int]:
    """SIGKILL processes that left our process group (a setsid'd grandchild) but carry our env."""
    pids = _pids_with_env(name, value)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


# --------------------------------------------------------------------------------------------------
# dagster dev


class GraphQLError(AssertionError):
    pass


@dataclass
class DagsterServer:
    url: str
    home: Path
    storage_dir: Path
    data_dir: Path
    log_path: Path
    process: subprocess.Popen
    session: requests.Session = field(default_factory=requests.Session)

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        response = self.session.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=timeout
        )
        if response.status_code != 200:
            raise GraphQLError(f"POST /graphql: HTTP {response.status_code}: {response.text[:2000]}")
        body = response.json()
        if body.get("errors"):
            raise GraphQLError(f"GraphQL errors: {body['errors']}")
        return body["data"]


WORKSPACE_QUERY = """
{
  workspaceOrError {
    __typename
    ... on PythonError { message }
    ... on Workspace {
      locationEntries {
        name
        loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message stack }
        }
      }
    }
  }
}
"""


def _wait_ready(server: DagsterServer, timeout: float) -> None:
    """Until /server_info answers and every code location has loaded."""
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(
                f"`dagster dev` exited with code {server.process.returncode} before it was ready:\n{server.log_tail()}"
            )
        try:
            info = server.session.get(f"{server.url}/server_info", timeout=2)
            if info.status_code == 200 and "dagster_version" in info.json():
                workspace = server.graphql(WORKSPACE_QUERY)["workspaceOrError"]
                if workspace["__typename"] != "Workspace":
                    raise AssertionError(f"workspace failed to load: {workspace}")
                entries = workspace["locationEntries"]
                for entry in entries:
                    error = entry["locationOrLoadError"]
                    if error and error["__typename"] == "PythonError":
                        raise AssertionError(
                            f"code location {entry['name']} failed to load:\n{error['message']}\n{error['stack']}"
                        )
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    return
                last = f"locations: {[(e['name'], e['loadStatus']) for e in entries]}"
            else:
                last = f"/server_info: HTTP {info.status_code}"
        except (requests.RequestException, ValueError, GraphQLError) as exc:
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.25)
    raise AssertionError(f"`dagster dev` not ready after {timeout:.0f} s ({last}):\n{server.log_tail()}")


@contextmanager
def dagster_dev(workdir: Path, ready_timeout: float = 60.0) -> Iterator[DagsterServer]:
    """`dagster dev` in the repo root (code location from `[tool.dagster]` in pyproject.toml) with a
    temporary DAGSTER_HOME, run storage, HOTPAPERS_DATA_DIR and TMPDIR under ``workdir``."""
    dagster = Path(sys.executable).with_name("dagster")
    assert dagster.exists(), f"the `dagster` command is missing next to {sys.executable}: pip install -e '.[test]'"
    home, storage_dir, data_dir, tmp = (workdir / n for n in ("dagster_home", "storage", "data", "tmp"))
    for folder in (storage_dir, data_dir, tmp):
        folder.mkdir(parents=True, exist_ok=True)
    write_instance_yaml(home, storage_dir)

    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    env.update(
        DAGSTER_HOME=str(home),
        HOTPAPERS_DATA_DIR=str(data_dir),
        TMPDIR=str(tmp),  # dagster dev puts its gRPC sockets and workspace.yaml there
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    port = free_port()
    log_path = workdir / "dagster-dev.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(dagster), "dev", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = DagsterServer(f"http://127.0.0.1:{port}", home, storage_dir, data_dir, log_path, process)
    escaped: list[int] = []
    try:
        _wait_ready(server, ready_timeout)
        yield server
    finally:
        server.session.close()
        kill_group(process)
        escaped = kill_escaped("DAGSTER_HOME", str(home))
    assert not escaped, f"processes escaped the `dagster dev` process group and were killed: {escaped}"


# --------------------------------------------------------------------------------------------------
# headless Chromium


CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
]


def chromium_binary() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    assert path, "headless Chromium is required for the UI test: apt-get install -y chromium"
    return path


@dataclass
class Page:
    url: str
    dom: str
    screenshot: Path

    @property
    def text(self) -> str:
        """The visible text of the rendered DOM, whitespace collapsed."""
        body = re.sub(r"<(script|style|noscript)\b.*?</\1>", " ", self.dom, flags=re.S | re.I)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def render_page(
    url: str,
    screenshot: Path,
    profile_dir: Path,
    virtual_time_ms: int = 15000,
    timeout: float = 90,
    window: tuple[int, int] = (1600, 1000),
) -> Page:
    """Load ``url`` in headless Chromium, let the app run ``virtual_time_ms`` of virtual time, then
    dump the DOM (stdout) and save a screenshot; Chromium's process group is killed in any case."""
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    screenshot.unlink(missing_ok=True)
    profile_dir.mkdir(parents=True, exist_ok=True)
    command = [
        chromium_binary(),
        *CHROMIUM_FLAGS,
        f"--window-size={window[0]},{window[1]}",
        f"--user-data-dir={profile_dir}",
        f"--virtual-time-budget={virtual_time_ms}",
        f"--screenshot={screenshot}",
        "--dump-dom",
        url,
    ]
    env = {**os.environ, "TMPDIR": str(profile_dir)}
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env=env,
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(process, grace_seconds=0)
        process.communicate()
        raise AssertionError(f"chromium did not finish {url} within {timeout:.0f} s")
    finally:
        kill_group(process, grace_seconds=0)  # its helpers (zygote, crashpad) too
    dom = out.decode(errors="replace")
    assert process.returncode == 0, f"chromium exited {process.returncode} on {url}:\n{err.decode(errors='replace')[-3000:]}"
    assert screenshot.exists() and screenshot.stat().st_size > 10_000, f"chromium saved no screenshot of {url}"
    assert "<html" in dom.lower(), f"chromium dumped no DOM for {url}:\n{err.decode(errors='replace')[-3000:]}"
    return Page(url, dom, screenshot)
