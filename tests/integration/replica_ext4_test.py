"""A real filesystem on a replicated volume survives a failover (root: FUSE, loop devices):
ext4 made and mounted through the primary's NBD export (nbdfuse -> losetup -> mount), files
written and synced, the primary SIGKILLed with the filesystem still mounted, the secondary
promoted, and its export mounted: the journal replays, every file reads back with the same
SHA-256, and after umount `fsck.ext4 -n -f` finds the filesystem clean."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

from harness import Node, free_port, wait_for
from replica_pair_test import config, state, volume

BIN = os.path.abspath(sys.argv[1])
SIZE = 32 << 20


def run(cmd, check=True, timeout=60):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd}: exit {r.returncode}\n{r.stdout}{r.stderr}")
    return r


class Attached:
    """An export as a block device: nbdfuse's file, a loop device on it, a mount point."""

    def __init__(self, work, name, port):
        self.fuse_dir = os.path.join(work, f"fuse-{name}")
        self.mnt = os.path.join(work, f"mnt-{name}")
        os.makedirs(self.fuse_dir)
        os.makedirs(self.mnt)
        self.image = os.path.join(self.fuse_dir, "nbd")
        self.fuse = subprocess.Popen(["nbdfuse", self.fuse_dir, f"nbd://127.0.0.1:{port}/mail"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.loop = None
        self.mounted = False
        wait_for("nbdfuse's file", lambda: os.path.exists(self.image) and os.path.getsize(self.image) == SIZE,
                 timeout=15)

    def attach(self):
        self.loop = run(["losetup", "--find", "--show", self.image]).stdout.strip()

    def mount(self):
        run(["mount", self.loop, self.mnt])
        self.mounted = True

    def umount(self):
        run(["umount", self.mnt])
        self.mounted = False

    def cleanup(self, lazy=False):
        if self.mounted:
            subprocess.run(["umount", "-l" if lazy else "-f", self.mnt], capture_output=True)
        if self.loop:
            subprocess.run(["losetup", "-d", self.loop], capture_output=True)
        subprocess.run(["fusermount3", "-u", "-z", self.fuse_dir], capture_output=True)
        try:
            self.fuse.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.fuse.kill()
            self.fuse.wait()
        self.mounted, self.loop = False, None


def main():
    why = None
    if os.geteuid() != 0:
        why = "not root (FUSE mounts and loop devices)"
    elif not os.path.exists("/dev/fuse"):
        why = "no /dev/fuse"
    elif not all(shutil.which(t) for t in ("nbdfuse", "mkfs.ext4", "losetup", "fsck.ext4")):
        why = "nbdfuse, mkfs.ext4, losetup or fsck.ext4 missing (tools/setup.sh installs them)"
    if why:
        print(f"SKIP: {why}")
        sys.exit(77)
    ports = {k: free_port() for k in ("la", "lb", "ea", "eb", "ma", "mb")}
    a = Node(BIN, config("store-a", ports["la"], ports["lb"], ports["ea"], ports["ma"], True), "ext4-a")
    b = Node(BIN, config("store-b", ports["lb"], ports["la"], ports["eb"], ports["mb"], False), "ext4-b")
    work = tempfile.mkdtemp(prefix="hamesh-ext4-")
    on_a = on_b = None
    try:
        a.start()
        b.start()
        wait_for("the pair in sync", lambda: state(a) == "primary/connected/up_to_date"
                 and state(b) == "secondary/connected/up_to_date", timeout=30)
        on_a = Attached(work, "a", ports["ea"])
        run(["mkfs.ext4", "-q", "-F", on_a.image])
        on_a.attach()
        on_a.mount()
        digests = {}
        for i in range(8):
            data = os.urandom((i + 1) * 200 * 1024)
            with open(os.path.join(on_a.mnt, f"mail{i}.eml"), "wb") as f:
                f.write(data)
            digests[f"mail{i}.eml"] = hashlib.sha256(data).hexdigest()
        os.makedirs(os.path.join(on_a.mnt, "Maildir/new"))
        run(["sync"])
        writes = volume(a)["client"]["writes"]
        print(f"ext4 on a's export: mkfs, mount, 8 files and a Maildir written, synced "
              f"({writes} NBD writes replicated)")

        # The primary dies with the filesystem mounted on it.
        a.proc.kill()
        a.proc.wait()
        on_a.cleanup(lazy=True)
        on_a = None
        wait_for("b to see a gone", lambda: volume(b)["connection"] == "connecting")
        rc, out = b.ctl("replica", "promote", "mail", json_output=False)
        assert rc == 0, out
        on_b = Attached(work, "b", ports["eb"])
        on_b.attach()
        on_b.mount()  # replays the journal, if the crash left one to replay
        for name, digest in digests.items():
            with open(os.path.join(on_b.mnt, name), "rb") as f:
                assert hashlib.sha256(f.read()).hexdigest() == digest, f"{name} differs on b"
        assert os.path.isdir(os.path.join(on_b.mnt, "Maildir/new"))
        on_b.umount()
        r = run(["fsck.ext4", "-n", "-f", on_b.image], check=False)
        assert r.returncode == 0, f"fsck.ext4 -n -f: exit {r.returncode}\n{r.stdout}{r.stderr}"
        print("a SIGKILLed with ext4 mounted; b promoted, mounted: every file reads back with the same "
              "SHA-256; fsck.ext4 -n -f clean")
        assert b.stop() == 0
    finally:
        for x in (on_a, on_b):
            if x:
                x.cleanup(lazy=True)
        for n in (a, b):
            n.cleanup()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
