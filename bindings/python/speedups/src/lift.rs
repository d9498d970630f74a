//! Native lifting: a buffer the library returned, read by its plan and freed, in one call.
//!
//! The generated `lift` of a record, enum or list copies the returned buffer into a `bytes` object
//! through ctypes, wraps it in a stream object inside a context manager, reads it, checks that it
//! was read to the end and frees the buffer with another FFI call through ctypes: ~16 µs of a
//! small blocking call measured between requests (bench/RESULTS.md, fix 16), more than reading
//! the record itself. Here the buffer's bytes are taken back as the `Vec<u8>` the library made
//! them from, read in place and dropped, which frees them.
//!
//! This is the one place where the Python package's native code must trust its caller: the
//! generated `lift` hands over each buffer the library returned to it exactly once, and uses it no
//! more (as after the generated `free`).

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use pyo3::PyTypeInfo;

use crate::{Plan, Reader, Stream};

/// The capacity, length and data address of a generated `_UniffiRustBuffer` (a ctypes structure
/// of `u64` capacity, `u64` length and a pointer, in the machine's byte order).
pub(crate) fn parts(buffer: &Bound<'_, PyAny>) -> PyResult<(usize, usize, usize)> {
    let py = buffer.py();
    let raw = PyBytes::type_object(py).call1((buffer,))?;
    let raw = raw.cast::<PyBytes>()?.as_bytes();
    let malformed = || PyValueError::new_err(format!("not a RustBuffer: {} bytes", raw.len()));
    let u64_at = |at: usize| -> PyResult<usize> {
        let bytes = raw.get(at..at + 8).ok_or_else(malformed)?;
        usize::try_from(u64::from_ne_bytes(bytes.try_into().expect("8 bytes")))
            .map_err(|_| malformed())
    };
    const WORD: usize = std::mem::size_of::<usize>();
    let data = raw.get(16..16 + WORD).ok_or_else(malformed)?;
    let data = usize::from_ne_bytes(data.try_into().expect("a word"));
    Ok((u64_at(0)?, u64_at(8)?, data))
}

/// The bytes of a buffer the library made from a `Vec<u8>` (`uniffi::RustBuffer::from_vec`),
/// owned again: dropping them frees the buffer, as uniffi's `RustBuffer::destroy` does.
pub(crate) fn take(capacity: usize, len: usize, data: usize) -> PyResult<Vec<u8>> {
    if data == 0 {
        // What foreign code may pass for an empty buffer.
        return match (capacity, len) {
            (0, 0) => Ok(Vec::new()),
            _ => Err(PyValueError::new_err("a null RustBuffer with a length")),
        };
    }
    if len > capacity {
        return Err(PyValueError::new_err(
            "a RustBuffer longer than its capacity",
        ));
    }
    // SAFETY: the generated `lift` passes each buffer that a call into this library returned, once
    // (see the module docs). Such a buffer is a `Vec<u8>` of this capacity and length, allocated
    // by this library's global allocator and given up with `RustBuffer::from_vec`; nothing else
    // reads or frees it after this.
    Ok(unsafe { Vec::from_raw_parts(data as *mut u8, len, capacity) })
}

/// Reads one value by `plan` from `buffer` and frees it, whatever happens; `stream` is the
/// generated `_UniffiRustBufferStream`, made over the bytes if a converter is read in Python. As
/// the generated `lift`, it fails with `RuntimeError` when bytes are left over.
pub(crate) fn lift(
    plan: &Plan,
    buffer: &Bound<'_, PyAny>,
    stream: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let (capacity, len, data) = parts(buffer)?;
    let bytes = take(capacity, len, data)?;
    read_all(plan, &bytes, stream)
}

/// Reads one value by `plan` from all of `bytes` (see [`lift`]).
pub(crate) fn read_all(
    plan: &Plan,
    bytes: &[u8],
    stream: &Bound<'_, PyAny>,
) -> PyResult<Py<PyAny>> {
    let mut reader = Reader::new(stream.py(), Stream::Lazy(stream.clone()), bytes, 0);
    let value = reader.read(plan)?;
    let remaining = bytes.len() - reader.offset;
    if remaining != 0 {
        return Err(PyRuntimeError::new_err(format!(
            "junk data left in buffer at end of consume_with_stream {remaining}"
        )));
    }
    Ok(value)
}
