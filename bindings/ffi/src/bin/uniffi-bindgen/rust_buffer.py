class _UniffiRustBufferStream:
    """
    Helper for structured reading of bytes from a _UniffiRustBuffer.

    (qiscus: the buffer is copied into one `bytes` object when the stream is made and read with
    precompiled `struct.Struct`s; the generated original sliced the ctypes pointer once per field.)
    """

    _I8 = struct.Struct(">b")
    _I16 = struct.Struct(">h")
    _U16 = struct.Struct(">H")
    _I32 = struct.Struct(">i")
    _U32 = struct.Struct(">I")
    _I64 = struct.Struct(">q")
    _U64 = struct.Struct(">Q")
    _F32 = struct.Struct(">f")
    _F64 = struct.Struct(">d")

    def __init__(self, data, len):
        self.data = ctypes.string_at(data, len) if len else b""
        self.len = len
        self.offset = 0

    @classmethod
    def from_rust_buffer(cls, buf):
        return cls(buf.data, buf.len)

    def remaining(self):
        return self.len - self.offset

    def _unpack(self, packer):
        offset = self.offset
        end = offset + packer.size
        if end > self.len:
            raise InternalError("read past end of rust buffer")
        self.offset = end
        return packer.unpack_from(self.data, offset)[0]

    def _unpack_from(self, size, format):
        return self._unpack(struct.Struct(format))

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

    def read_i8(self):
        return self._unpack(self._I8)

    def read_u8(self):
        offset = self.offset
        if offset >= self.len:
            raise InternalError("read past end of rust buffer")
        self.offset = offset + 1
        return self.data[offset]

    def read_i16(self):
        return self._unpack(self._I16)

    def read_u16(self):
        return self._unpack(self._U16)

    def read_i32(self):
        offset = self.offset
        end = offset + 4
        if end > self.len:
            raise InternalError("read past end of rust buffer")
        self.offset = end
        return self._I32.unpack_from(self.data, offset)[0]

    def read_u32(self):
        return self._unpack(self._U32)

    def read_i64(self):
        offset = self.offset
        end = offset + 8
        if end > self.len:
            raise InternalError("read past end of rust buffer")
        self.offset = end
        return self._I64.unpack_from(self.data, offset)[0]

    def read_u64(self):
        return self._unpack(self._U64)

    def read_float(self):
        return self._unpack(self._F32)

    def read_double(self):
        return self._unpack(self._F64)

class _UniffiRustBufferBuilder:
    """
    Helper for structured writing of bytes into a _UniffiRustBuffer.

    (qiscus: the bytes are gathered in a `bytearray` and copied into one Rust buffer of the exact
    size by `finalize`; the generated original made an FFI call to grow the buffer and a
    `ctypes.memmove` per field. Nothing is allocated on the Rust side before `finalize`, so
    `discard` has nothing to free until then.)
    """

    _I8 = struct.Struct(">b")
    _U8 = struct.Struct(">B")
    _I16 = struct.Struct(">h")
    _U16 = struct.Struct(">H")
    _I32 = struct.Struct(">i")
    _U32 = struct.Struct(">I")
    _I64 = struct.Struct(">q")
    _U64 = struct.Struct(">Q")
    _F32 = struct.Struct(">f")
    _F64 = struct.Struct(">d")

    def __init__(self):
        self.data = bytearray()
        self.rbuf = None

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

    def write_i8(self, v):
        self.data += self._I8.pack(v)

    def write_u8(self, v):
        self.data += self._U8.pack(v)

    def write_i16(self, v):
        self.data += self._I16.pack(v)

    def write_u16(self, v):
        self.data += self._U16.pack(v)

    def write_i32(self, v):
        self.data += self._I32.pack(v)

    def write_u32(self, v):
        self.data += self._U32.pack(v)

    def write_i64(self, v):
        self.data += self._I64.pack(v)

    def write_u64(self, v):
        self.data += self._U64.pack(v)

    def write_float(self, v):
        self.data += self._F32.pack(v)

    def write_double(self, v):
        self.data += self._F64.pack(v)

    def write_c_size_t(self, v):
        self.data += struct.pack("@N", v)

