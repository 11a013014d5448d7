"""A minimal NBD client on a socket (fixed newstyle, NBD_OPT_GO, simple replies): for what
real clients refuse to send (requests past the end of an export), and for tests that keep a
ledger of every write the server acknowledged."""
import socket
import struct

NBD_CMD_READ, NBD_CMD_WRITE, NBD_CMD_DISC, NBD_CMD_FLUSH = 0, 1, 2, 3
NBD_CMD_FLAG_FUA = 1


class RawClient:
    def __init__(self, port, name, host="127.0.0.1", timeout=5):
        self.s = socket.create_connection((host, port), timeout=timeout)
        assert self.read(18) == b"NBDMAGICIHAVEOPT\x00\x03"
        data = struct.pack(">I", len(name)) + name.encode() + struct.pack(">H", 0)
        self.s.sendall(struct.pack(">IQII", 3, 0x49484156454F5054, 7, len(data)) + data)
        self.flags = None
        self.handle = 0
        while True:
            _, _, rtype, length = struct.unpack(">QIII", self.read(20))
            payload = self.read(length)
            if rtype == 3 and struct.unpack(">H", payload[:2])[0] == 0:
                self.size, self.flags = struct.unpack(">QH", payload[2:12])
            if rtype == 1:
                return
            assert not rtype & 0x80000000, f"NBD_OPT_GO refused: {rtype:#x} {payload!r}"

    def read(self, n):
        b = b""
        while len(b) < n:
            chunk = self.s.recv(n - len(b))
            if not chunk:
                raise ConnectionError("the server closed the connection")
            b += chunk
        return b

    def request(self, cmd, handle, offset, length, payload=b"", flags=0):
        """Sends one request, returns (error, data)."""
        self.s.sendall(struct.pack(">IHHQQI", 0x25609513, flags, cmd, handle, offset, length) + payload)
        magic, error, got = struct.unpack(">IIQ", self.read(16))
        assert magic == 0x67446698 and got == handle, (magic, got)
        data = self.read(length) if cmd == 0 and error == 0 else b""
        return error, data

    def write(self, offset, data, fua=True):
        """The NBD error (0: acknowledged, and with FUA durable)."""
        self.handle += 1
        return self.request(NBD_CMD_WRITE, self.handle, offset, len(data), data,
                            NBD_CMD_FLAG_FUA if fua else 0)[0]

    def read_at(self, offset, length):
        self.handle += 1
        error, data = self.request(NBD_CMD_READ, self.handle, offset, length)
        assert error == 0, f"read at {offset}: NBD error {error}"
        return data

    def flush(self):
        self.handle += 1
        return self.request(NBD_CMD_FLUSH, self.handle, 0, 0)[0]

    def close(self):
        self.s.sendall(struct.pack(">IHHQQI", 0x25609513, 0, 2, 0, 0, 0))  # NBD_CMD_DISC
        assert self.s.recv(1) == b"", "the server did not close after NBD_CMD_DISC"
        self.s.close()
