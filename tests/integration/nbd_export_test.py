"""The replica function's NBD export (nbd_export_runner: a file behind nbd_export_engine) with
real NBD clients:
- nbdinfo reports the size, the flags (flush, FUA, trim, zero, multi-conn) and block sizes;
- qemu-io writes patterns (plain, FUA, flush, discard, write -z) and reads them back;
- nbdcopy copies a random 8 MiB file in and out, byte for byte (and the backing file holds it);
- a raw client's out-of-range read gets EINVAL, a write past the end ENOSPC, and the
  connection stays usable; the runner's counters saw them;
- a read-only export says so and refuses writes (EPERM) without touching the file;
- as root with /dev/fuse: nbdfuse exposes the export as a file, mkfs.ext4 on it, loop-mounted,
  files written, unmounted, fsck.ext4 -n clean, remounted and the files read back.
Every process and mount is cleaned up in finally blocks, even on failure."""
import hashlib
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

from nbd_client import RawClient
from harness import wait_for

BIN = os.path.abspath(sys.argv[1])
MiB = 1 << 20
SIZE = 64 * MiB


class Runner:
    """One nbd_export_runner process, stopped by SIGTERM (and by closing its stdin)."""

    def __init__(self, path, name="vol", size=SIZE, read_only=False):
        cmd = [os.path.join(BIN, "nbd_export_runner"), "--file", path, "--size", str(size),
               "--listen", "127.0.0.1:0", "--name", name]
        if read_only:
            cmd.append("--read-only")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.name = name
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._out = b""
        self.port = int(wait_for("the runner's 'listening PORT' line", self._listening, timeout=10))
        self.stderr = ""

    def _listening(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"nbd_export_runner exited: {self.proc.stderr.read().decode()}")
        r, _, _ = select.select([self.proc.stdout], [], [], 0.05)
        if r:
            self._out += self.proc.stdout.read() or b""
        for line in self._out.decode().splitlines():
            if line.startswith("listening "):
                return line.split()[1]
        return None

    @property
    def uri(self):
        return f"nbd://127.0.0.1:{self.port}/{self.name}"

    def stop(self):
        """SIGTERM, then the exit code; its counters (stderr) are kept in self.stderr."""
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=15)
        self.stderr = self.proc.stderr.read().decode()
        return rc

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            f.close()


def run(cmd, check=True, timeout=120):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r


def sha256(path, limit=None):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read(limit) if limit else f.read())
    return h.hexdigest()


def check_nbdinfo(runner):
    import json
    info = json.loads(run(["nbdinfo", "--json", runner.uri]).stdout)
    e = info["exports"][0]
    want = {"export-size": SIZE, "is_read_only": False, "can_flush": True, "can_fua": True,
            "can_trim": True, "can_zero": True, "can_multi_conn": True,
            "block_size_minimum": 1, "block_size_preferred": 4096,
            "block_size_maximum": 32 * MiB}
    for key, value in want.items():
        assert e.get(key) == value, f"nbdinfo {key}: {e.get(key)!r}, want {value!r}\n{info}"
    print(f"ok: nbdinfo: size {e['export-size']}, flush/fua/trim/zero/multi-conn, "
          f"block sizes 1/4096/{e['block_size_maximum']}")


def check_qemu_io(runner):
    commands = [
        "write -P 0xab 0 64k", "read -P 0xab 0 64k",
        "write -f -P 0xcd 64k 64k", "read -P 0xcd 64k 64k",  # FUA
        "write -P 0x11 1M 4k", "flush", "read -P 0x11 1M 4k",
        "discard 0 4k",
        "write -z 8k 4k", "read -P 0 8k 4k", "read -P 0xab 12k 4k",
        "write -z -f 128k 64k", "read -P 0 128k 64k",
        f"write -P 0x5a {SIZE - 4096} 4k", f"read -P 0x5a {SIZE - 4096} 4k",
    ]
    args = ["qemu-io", "-f", "raw"]
    for c in commands:
        args += ["-c", c]
    r = run(args + [runner.uri])
    out = r.stdout + r.stderr
    assert "failed" not in out and "fail" not in out.lower(), out
    assert out.count("wrote ") == 6 and out.count("read ") == 7, out
    print(f"ok: qemu-io: {len(commands)} commands (patterns, FUA, flush, discard, write -z) verified")


def check_nbdcopy(runner, work, backing):
    src = os.path.join(work, "random.bin")
    with open(src, "wb") as f:
        f.write(os.urandom(8 * MiB))
    run(["nbdcopy", src, runner.uri])
    out = os.path.join(work, "copied-out.bin")
    run(["nbdcopy", runner.uri, out])
    assert os.path.getsize(out) == SIZE
    assert sha256(out, 8 * MiB) == sha256(src), "nbdcopy out differs from what went in"
    assert sha256(backing, 8 * MiB) == sha256(src), "the backing file differs"
    print("ok: nbdcopy: random 8 MiB in and out, byte for byte (and in the backing file)")


def check_errors(runner):
    c = RawClient(runner.port, "vol")
    err, _ = c.request(0, 1, SIZE - 512, 1024)
    assert err == 22, f"read past the end: error {err}, want EINVAL (22)"
    err, _ = c.request(1, 2, SIZE - 2, 4, b"abcd")
    assert err == 28, f"write past the end: error {err}, want ENOSPC (28)"
    err, data = c.request(0, 3, 0, 4096)
    assert err == 0 and len(data) == 4096, "the connection is not usable after the errors"
    err, _ = c.request(9, 4, 0, 1)
    assert err == 22, f"unknown command: error {err}, want EINVAL"
    c.close()
    print("ok: raw client: read past the end -> EINVAL, write past the end -> ENOSPC, unknown "
          "command -> EINVAL, connection still usable, NBD_CMD_DISC closes")


def check_read_only(backing):
    before = sha256(backing)
    ro = Runner(backing, name="ro", read_only=True)
    try:
        import json
        info = json.loads(run(["nbdinfo", "--json", ro.uri]).stdout)["exports"][0]
        assert info["is_read_only"] is True, info
        r = run(["qemu-io", "-f", "raw", "-c", "write -P 0x77 0 4k", ro.uri], check=False)
        assert r.returncode != 0 or "failed" in (r.stdout + r.stderr), r.stdout + r.stderr
        c = RawClient(ro.port, "ro")
        assert c.flags & 2, "NBD_FLAG_READ_ONLY not set"
        err, _ = c.request(1, 1, 0, 4, b"abcd")
        assert err == 1, f"write on a read-only export: error {err}, want EPERM (1)"
        err, _ = c.request(4, 2, 0, 4096)
        assert err == 1, f"trim on a read-only export: error {err}, want EPERM (1)"
        err, _ = c.request(0, 3, 0, 4)
        assert err == 0
        c.close()
        assert ro.stop() == 0
        assert "read_only=2" in ro.stderr, ro.stderr
        assert sha256(backing) == before, "a read-only export changed its file"
        print("ok: read-only export: nbdinfo is_read_only, qemu-io write refused, EPERM for "
              "write and trim, file unchanged")
    finally:
        ro.cleanup()


def check_ext4_over_nbdfuse(runner, work):
    why = None
    if os.geteuid() != 0:
        why = "not root"
    elif not os.path.exists("/dev/fuse"):
        why = "no /dev/fuse"
    elif not shutil.which("nbdfuse") or not shutil.which("mkfs.ext4") or not shutil.which("losetup"):
        why = "nbdfuse, mkfs.ext4 or losetup missing"
    if why:
        print(f"SKIP: nbdfuse -> loop -> ext4 ({why})")
        return
    fuse_dir = os.path.join(work, "fuse")
    mnt = os.path.join(work, "ext4")
    os.makedirs(fuse_dir)
    os.makedirs(mnt)
    image = os.path.join(fuse_dir, "nbd")
    fuse = subprocess.Popen(["nbdfuse", fuse_dir, runner.uri], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    loop = None
    mounted = False
    try:
        wait_for("nbdfuse's file", lambda: os.path.exists(image) and os.path.getsize(image) == SIZE,
                 timeout=15)
        run(["mkfs.ext4", "-q", "-F", image])
        loop = run(["losetup", "--find", "--show", image]).stdout.strip()
        run(["mount", loop, mnt])
        mounted = True
        files = {}
        for i in range(5):
            data = os.urandom((i + 1) * 300 * 1024)
            p = os.path.join(mnt, f"file{i}.bin")
            with open(p, "wb") as f:
                f.write(data)
            files[f"file{i}.bin"] = hashlib.sha256(data).hexdigest()
        os.makedirs(os.path.join(mnt, "dir/sub"))
        with open(os.path.join(mnt, "dir/sub/note.txt"), "w") as f:
            f.write("written through NBD\n")
        run(["sync"])
        run(["umount", mnt])
        mounted = False
        run(["losetup", "-d", loop])
        loop = None
        r = run(["fsck.ext4", "-n", "-f", image], check=False)
        assert r.returncode == 0, f"fsck.ext4 -n: {r.returncode}\n{r.stdout}{r.stderr}"
        loop = run(["losetup", "--find", "--show", "--read-only", image]).stdout.strip()
        run(["mount", "-o", "ro", loop, mnt])
        mounted = True
        for name, digest in files.items():
            assert sha256(os.path.join(mnt, name)) == digest, f"{name} differs after remount"
        with open(os.path.join(mnt, "dir/sub/note.txt")) as f:
            assert f.read() == "written through NBD\n"
        print("ok: nbdfuse -> losetup -> ext4: mkfs, 6 files written, umount, fsck.ext4 -n clean, "
              "remounted read-only and read back")
    finally:
        if mounted:
            subprocess.run(["umount", mnt], capture_output=True)
        if loop:
            subprocess.run(["losetup", "-d", loop], capture_output=True)
        subprocess.run(["fusermount3", "-u", fuse_dir], capture_output=True)
        try:
            fuse.wait(timeout=10)
        except subprocess.TimeoutExpired:
            fuse.kill()
            fuse.wait()
        fuse.stdout.close()


def main():
    missing = [t for t in ("qemu-io", "nbdinfo", "nbdcopy") if not shutil.which(t)]
    if missing:
        print(f"SKIP: {', '.join(missing)} not installed (qemu-utils, libnbd-bin)")
        sys.exit(77)
    work = tempfile.mkdtemp(prefix="hamesh-nbd-")
    backing = os.path.join(work, "volume.img")
    runner = None
    failed = True
    try:
        runner = Runner(backing)
        check_nbdinfo(runner)
        check_qemu_io(runner)
        check_nbdcopy(runner, work, backing)
        check_errors(runner)
        check_ext4_over_nbdfuse(runner, work)
        assert runner.stop() == 0
        for counted in ("out_of_range=2", "unknown_command=1", "unsupported_option="):
            assert counted in runner.stderr, f"{counted} not in the counters:\n{runner.stderr}"
        print("ok: runner stopped on SIGTERM; counters: " + " ".join(runner.stderr.split()[-12:]))
        check_read_only(backing)
        failed = False
        print("PASS nbd_export_test")
    finally:
        if runner:
            if failed and runner.proc.poll() is None:
                runner.proc.send_signal(signal.SIGTERM)
                try:
                    runner.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            if failed:
                print(f"--- runner stderr:\n{runner.stderr or ''}", file=sys.stderr)
            runner.cleanup()
        if failed:
            print(f"--- work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
