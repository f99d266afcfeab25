"""A Xen host reached over SSH with the real OpenSSH client.

Implements: parsing `ssh://user@host[:port]`, one multiplexed connection per host
(an OpenSSH ControlMaster started and closed by `Host`, so a fleet of deploys does
one key exchange), running POSIX shell scripts on the host (they must also run under
busybox sh: the lab's dom0 has nothing else), and streaming a file to the host
through `ssh ... 'cat > tmp'` with a SHA-256 check before it is renamed into place
(no scp or sftp-server needed on the far side: dropbear and busybox suffice).
Keys come from the user's agent, or from --identity; BatchMode is always on, so a
host that would ask for a password fails at once instead of hanging.

Not here: what the scripts do on the host (xen.py).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

URL_RE = re.compile(
    r"^ssh://(?:(?P<user>[^@/:\s]+)@)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^@/:\s]+)"
    r"(?::(?P<port>\d{1,5}))?/?$"
)


# xl and the xenstore tools live in sbin, which a non-login SSH session (dropbear's
# default PATH, some sshd configurations) does not search; a dom0 without Debian's
# xen-utils wrapper has xl only in the versioned directory /usr/lib/xen-X.Y/bin.
SBIN_PATH = (
    'PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; '
    'for d in /usr/lib/xen-*/bin; do [ -d "$d" ] && PATH="$PATH:$d"; done; export PATH\n'
)


RC_TAG = "@rumpnet-exit-status="
RETRIES = 3


class DeployError(Exception):
    """A deploy that cannot go on; str() is one line for the user. code: 1 or 2."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Target:
    host: str
    user: str | None = None
    port: int | None = None

    @classmethod
    def parse(cls, url: str) -> Target:
        m = URL_RE.match(url.strip())
        if not m:
            raise DeployError(f"{url!r} is not ssh://[user@]host[:port]", 2)
        port = int(m["port"]) if m["port"] else None
        if port is not None and not 0 < port < 65536:
            raise DeployError(f"{url!r}: port {port} is outside 1..65535", 2)
        return cls(host=m["host"].strip("[]"), user=m["user"], port=port)

    def __str__(self) -> str:
        user = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        return f"{user}{host}{port}"


@dataclass
class Host:
    """A connection to one host; use as a context manager (opens and closes the master)."""

    target: Target
    identity: Path | None = None
    options: tuple[str, ...] = ()  # extra `-o Key=Value` options, e.g. UserKnownHostsFile
    connect_timeout: int = 10
    _dir: str | None = field(default=None, repr=False)
    _master: subprocess.Popen | None = field(default=None, repr=False)

    def _base(self) -> list[str]:
        ssh = shutil.which("ssh")
        if ssh is None:
            raise DeployError("the OpenSSH client `ssh` is not installed on this machine", 2)
        cmd = [
            ssh,
            "-o",
            "BatchMode=yes",
            "-o",
            f"ConnectTimeout={self.connect_timeout}",
            "-o",
            "ServerAliveInterval=5",
            "-o",
            "ServerAliveCountMax=3",
            "-o",
            "LogLevel=ERROR",
        ]
        if self.identity is not None:
            cmd += ["-i", str(self.identity), "-o", "IdentitiesOnly=yes"]
        for opt in self.options:
            cmd += ["-o", opt]
        if self.target.port:
            cmd += ["-p", str(self.target.port)]
        if self._dir:
            cmd += ["-S", os.path.join(self._dir, "ctl")]
        return cmd

    def _dest(self) -> str:
        return f"{self.target.user}@{self.target.host}" if self.target.user else self.target.host

    def __enter__(self) -> Host:
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        """Start the ControlMaster; raises DeployError('unreachable ...') when it cannot."""
        if self.identity is not None and not self.identity.is_file():
            raise DeployError(f"identity file {self.identity} does not exist", 2)
        self._dir = tempfile.mkdtemp(prefix="rumpnet-ssh-")
        cmd = self._base() + ["-M", "-N", "-o", "ControlPersist=no", self._dest()]
        err = Path(self._dir) / "err"
        with open(err, "wb") as errf:
            self._master = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errf
            )
        deadline = time.monotonic() + self.connect_timeout + 5
        while time.monotonic() < deadline:
            if self._master.poll() is not None:
                why = _last_line(err.read_text(errors="replace")) or "ssh exited"
                self.close()
                if any(s in why for s in ("Permission denied", "Host key verification")):
                    raise DeployError(f"host {self.target} refused the login: {why}")
                raise DeployError(f"host {self.target} unreachable: {why}")
            ok = (
                subprocess.run(
                    self._base() + ["-O", "check", self._dest()], capture_output=True
                ).returncode
                == 0
            )
            if ok:
                return
            time.sleep(0.05)
        self.close()
        raise DeployError(f"host {self.target} unreachable: no answer in {self.connect_timeout} s")

    def close(self) -> None:
        if self._master is not None:
            if self._master.poll() is None:
                subprocess.run(self._base() + ["-O", "exit", self._dest()], capture_output=True)
                try:
                    self._master.wait(5)
                except subprocess.TimeoutExpired:
                    self._master.kill()
                    self._master.wait()
            self._master = None
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def run(self, script: str, stdin=None, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a POSIX sh script on the host; returns the completed process (text).

        The script's exit status also travels in-band, as a last line on stdout. Under
        load, dropbear (2022.83) sometimes closes a session channel without output or
        exit status; ssh then exits 255 while the connection is fine. Such a session is
        run again (every script rumpnet runs on a host is idempotent; a file given as
        stdin is rewound), up to RETRIES times.
        """
        wrapped = f"{SBIN_PATH}(\n{script}\n)\nprintf '\\n{RC_TAG}%d\\n' $?\n"
        cmd = self._base() + [self._dest(), "sh -c " + shlex.quote(wrapped)]
        for attempt in range(RETRIES + 1):
            if stdin is not None and attempt:
                stdin.seek(0)
            try:
                r = subprocess.run(
                    cmd,
                    stdin=stdin if stdin is not None else subprocess.DEVNULL,
                    capture_output=True,
                    timeout=timeout,
                )
            except subprocess.TimeoutExpired:
                raise DeployError(
                    f"host {self.target}: a command took longer than {timeout} s"
                ) from None
            text = r.stdout.decode(errors="replace")
            stdout, sep, tail = text.rpartition(f"\n{RC_TAG}")
            err = r.stderr.decode(errors="replace")
            if sep and tail.strip().isdigit():
                return subprocess.CompletedProcess(r.args, int(tail.strip()), stdout, err)
            if r.returncode != 255:
                return subprocess.CompletedProcess(r.args, r.returncode, text, err)
            alive = self._master is None or self._master.poll() is None
            if _last_line(err) or not alive or attempt == RETRIES:
                break
            time.sleep(0.2 * (attempt + 1))
        why = _last_line(err) or self._master_said() or "connection lost"
        raise DeployError(f"host {self.target} unreachable: {why}")

    def _master_said(self) -> str:
        """The last line the ControlMaster wrote (why a shared connection went away)."""
        err = Path(self._dir) / "err" if self._dir else None
        return _last_line(err.read_text(errors="replace")) if err and err.exists() else ""

    def check(self, script: str, what: str, **kw) -> str:
        """run(), raising DeployError naming `what` when the script fails; returns stdout."""
        r = self.run(script, **kw)
        if r.returncode != 0:
            why = _last_line(r.stderr) or _last_line(r.stdout) or f"exit status {r.returncode}"
            raise DeployError(f"host {self.target}: {what} failed: {why}")
        return r.stdout

    def upload(self, local: Path, remote: str, sha256: str) -> None:
        """Copy `local` to `remote` atomically, verified by its SHA-256 on the host."""
        tmp = f"{remote}.part.$$"
        script = (
            f"set -e; mkdir -p {shlex.quote(os.path.dirname(remote))}; t={tmp}; "
            f'cat > "$t"; s=$(sha256sum "$t" | cut -d" " -f1); '
            f'if [ "$s" != {sha256} ]; then rm -f "$t"; echo "checksum mismatch" >&2; exit 1; fi; '
            f'mv -f "$t" {shlex.quote(remote)}'
        )
        with open(local, "rb") as f:
            self.check(script, f"copying {local.name}", stdin=f, timeout=600)


def _last_line(text: str, limit: int = 200) -> str:
    lines = [x.strip() for x in text.strip().splitlines() if x.strip()]
    line = lines[-1] if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."
