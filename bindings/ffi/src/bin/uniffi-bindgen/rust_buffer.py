class _UniffiRustBufferStream:
    """
    Helper for structured reading of bytes from a _UniffiRustBuffer.

    (qiscus: the buffer is copied into one `bytes` object when the stream is made and read with
    precompiled `struct.Struct`s; the generated original sliced the ctypes pointer once per field.)
    """

    _I32 = struct.Struct(">i")

    def __init__(self, data, len):
        self.data = ctypes.string_at(data, len) if len else b""
        self.len = len
        self.offset = 0

    @classmethod
    def from_rust_buffer(cls, buf):
        return cls(buf.data, buf.len)

    def remaining(self):
        return self.len - self.offset

    def _reader(format):
        # A reader of one fixed-size value (u8 and strings are written out below).
        packer = struct.Struct(format)

        def read(self):
            offset = self.offset
            end = offset + packer.size
            if end > self.len:
                raise InternalError("read past end of rust buffer")
            self.offset = end
            return packer.unpack_from(self.data, offset)[0]

        return read

    def read(self, size):
        offset = self.offset
        end = offset + size
        if end > self.len:
            raise InternalError("read past end of rust buffer")
        self.offset = end
        return self.data[offset:end]

    def read_str(self):
        # A string: its length as an i32, then that many bytes of UTF-8.
        offset = self.offset
        start = offset + 4
        if start > self.len:
            raise InternalError("read past end of rust buffer")
        size = self._I32.unpack_from(self.data, offset)[0]
        if size < 0:
            raise InternalError("Unexpected negative string length")
        end = start + size
        if end > self.len:
            raise InternalError("read past end of rust buffer")
        self.offset = end
        return self.data[start:end].decode("utf-8")

    def read_u8(self):
        offset = self.offset
        if offset >= self.len:
            raise InternalError("read past end of rust buffer")
        self.offset = offset + 1
        return self.data[offset]

    read_i8 = _reader(">b")
    read_i16 = _reader(">h")
    read_u16 = _reader(">H")
    read_i32 = _reader(">i")
    read_u32 = _reader(">I")
    read_i64 = _reader(">q")
    read_u64 = _reader(">Q")
    read_float = _reader(">f")
    read_double = _reader(">d")
    del _reader

class _UniffiRustBufferBuilder:
    """
    Helper for structured writing of bytes into a _UniffiRustBuffer.

    (qiscus: the bytes are gathered in a `bytearray` and copied into one Rust buffer of the exact
    size by `finalize`; the generated original made an FFI call to grow the buffer and a
    `ctypes.memmove` per field. Nothing is allocated on the Rust side before `finalize`, so
    `discard` has nothing to free until then.)
    """

    def _writer(format):
        packer = struct.Struct(format)

        def write(self, v):
            self.data += packer.pack(v)

        return write

    def __init__(self):
        self.data = bytearray()

    def finalize(self):
        data = self.data
        size = len(data)
        rbuf = _UniffiRustBuffer.alloc(size)
        rbuf.len = size
        if size > 0:
            ctypes.memmove(rbuf.data, bytes(data), size)
        self.data = None
        return rbuf

    def discard(self):
        self.data = None

    def write(self, value):
        self.data += value

    write_i8 = _writer(">b")
    write_u8 = _writer(">B")
    write_i16 = _writer(">h")
    write_u16 = _writer(">H")
    write_i32 = _writer(">i")
    write_u32 = _writer(">I")
    write_i64 = _writer(">q")
    write_u64 = _writer(">Q")
    write_float = _writer(">f")
    write_double = _writer(">d")
    write_c_size_t = _writer("@N")
    del _writer


class _UniffiConsumeScope:
    # qiscus: `with rbuf.consume_with_stream() as stream:` — the stream over a buffer that is freed
    # on the way out, after checking that it was read to the end (unless reading it failed).
    __slots__ = ("rbuf", "stream")

    def __init__(self, rbuf):
        self.rbuf = rbuf
        self.stream = None

    def __enter__(self):
        try:
            self.stream = _UniffiRustBufferStream.from_rust_buffer(self.rbuf)
        except BaseException:
            self.rbuf.free()
            raise
        return self.stream

    def __exit__(self, kind, value, traceback):
        try:
            remaining = self.stream.remaining()
            if kind is None and remaining != 0:
                raise RuntimeError(f"junk data left in buffer at end of consume_with_stream {remaining}")
        finally:
            self.rbuf.free()
        return False

class _UniffiBuilderScope:
    # qiscus: `with _UniffiRustBuffer.alloc_with_builder() as builder:` — a builder whose bytes
    # are dropped if the block fails.
    __slots__ = ("builder",)

    def __init__(self):
        self.builder = _UniffiRustBufferBuilder()

    def __enter__(self):
        return self.builder

    def __exit__(self, kind, value, traceback):
        if kind is not None:
            self.builder.discard()
        return False
