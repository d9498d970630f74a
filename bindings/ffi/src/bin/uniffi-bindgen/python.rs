//! The patches applied to UniFFI's generated Python modules.
//!
//! Each one replaces a piece of the generated runtime helpers with code that behaves the same for
//! every caller but costs less (profiled with cProfile and `python -X importtime`, figures in
//! bench/RESULTS.md):
//!
//! * the byte buffers records cross the FFI in are read from one `bytes` copy with precompiled
//!   structs, and written into a `bytearray` copied to Rust once — instead of a ctypes slice, or an
//!   FFI call and a `memmove`, per field ([`RUST_BUFFER`]);
//! * `dataclasses.dataclass`, which found no fields on the generated records (they define
//!   `__init__`, `__eq__` and `__str__` themselves) and only added an empty `__repr__`, becomes a
//!   decorator that makes `repr()` the record's `str()` — saving the `dataclasses` import and its
//!   per-class code generation at import time;
//! * `asyncio` (and with it ssl, socket and concurrent.futures) is imported by the first async
//!   call instead of by `import qiscus`, `json` by the first JSON value, `datetime` by the first
//!   `Duration` ([`DURATION_ALIAS`]), `weakref` by the first async call too, and `typing` (with
//!   `re`) by the first run-time use of anything but the protocols' base, which its stand-in holds
//!   ([`LAZY_IMPORTS`]);
//! * the handle maps' lock is `_thread`'s, so `threading` is not imported ([`THREADING`]), and the
//!   unused `read_with_stream` goes with `contextlib` ([`READ_WITH_STREAM`]); the native readers'
//!   module is loaded through the import system's frozen modules rather than `importlib`
//!   (`speedups.rs`);
//! * the imports of `platform` and `traceback`, which the generated code never uses (it reads
//!   `sys.platform`), are dropped: they cost ~15 ms of module loading and regex compiling;
//! * the FFI functions are looked up and given their types on first use, not at import
//!   ([`crate::lazy_ffi`]);
//! * strings are read in one step ([`STRING_READ`]);
//! * the scopes around every lift and lower of a buffer are small classes instead of `contextlib`
//!   generators ([`BUFFER_SCOPES`]), and call statuses are made zero-filled ([`CALL_STATUS`]).
//! * records read their fields inline from the stream's bytes instead of through one converter
//!   call (or three, for an optional) per field ([`crate::records`]);
//! * each variant of an enum with data is one class, not a nested class and a subclass of it
//!   ([`crate::variants`]), and the flat enums, with `enum` itself, are made when first used
//!   ([`crate::lazy_enums`]);
//! * the converters are objects, not classes ([`crate::converters`]).
//!
//! The generator is pinned to one uniffi version; every patch checks that the code it replaces is
//! exactly the shape it expects and fails the build otherwise, so a uniffi upgrade cannot silently
//! drop a patch or a definition.

use std::path::{Path, PathBuf};

use crate::{replace_once, unique};

/// Our replacement for the generated `_UniffiRustBufferStream` and `_UniffiRustBufferBuilder`.
pub const RUST_BUFFER: &str = include_str!("rust_buffer.py");

const STREAM_START: &str = "class _UniffiRustBufferStream:\n";
const BUILDER_START: &str = "class _UniffiRustBufferBuilder:\n";
const AFTER_BUILDER: &str =
    "# A handful of classes and functions to support the generated data structures.\n";

const DATACLASS_IMPORT: &str = "from dataclasses import dataclass\n";
const DATACLASS_STANDIN: &str = "\
def dataclass(cls):
    # qiscus: stands in for dataclasses.dataclass, which found no fields on these records (they
    # define __init__, __eq__ and __str__ themselves) and only added an empty __repr__.
    if \"__str__\" in cls.__dict__:
        cls.__repr__ = cls.__str__
    return cls
";

/// Standard modules imported when first used rather than by `import qiscus`: the module, its
/// stand-in's class, what importing it at once would cost, and what the stand-in holds itself.
const LAZY_IMPORTS: [(&str, &str, &str, &str); 5] = [
    (
        "asyncio",
        "_UniffiLazyAsyncio",
        "asyncio (and through it ssl, socket, concurrent.futures) is imported by the first",
        "",
    ),
    (
        "json",
        "_UniffiLazyJson",
        "json (its decoder, scanner and encoder: ~2 ms) is imported by the first JSON value's",
        "",
    ),
    (
        "datetime",
        "_UniffiLazyDatetime",
        "datetime (~3 ms, with math) is imported by the first Duration read or written, or",
        "",
    ),
    (
        "enum",
        "_UniffiLazyEnum",
        "enum (with functools and collections: ~17 M instructions) is imported by the first flat enum's",
        "",
    ),
    (
        "typing",
        "_UniffiLazyTyping",
        "typing (and through it re: ~7 ms) is imported by the first run-time",
        TYPING_PROTOCOL,
    ),
];

/// What the `typing` stand-in holds: the base of the generated `...Protocol` classes at run time.
/// Annotations are never evaluated (the modules start with `from __future__ import annotations`),
/// so these bases are the only names of `typing` that `import qiscus` needs.
const TYPING_PROTOCOL: &str =
    "    # The generated protocols' base at run time: type checkers read the package's stub, where
    # it is typing.Protocol.
    class Protocol:
        __slots__ = ()

";

/// The stand-in for `import {module}` (see [`LAZY_IMPORTS`]): an object whose first attribute
/// lookup imports the module and puts it in its place in the module's globals.
fn lazy_import(module: &str, class: &str, why: &str, holds: &str) -> String {
    format!(
        "
class {class}:
    # qiscus: {why}
    # use, not by `import qiscus`; it then replaces this stand-in in the module globals.
{holds}    def __getattr__(self, name):
        import {module} as module
        globals()[\"{module}\"] = module
        return getattr(module, name)

{module} = {class}()
"
    )
}

/// The generated alias of the `Duration` type, which would import `datetime` with the module, and
/// ours: the same name, looked up when first used (the alias is not in `__all__`, and the
/// annotations that name it are never evaluated).
const DURATION_ALIAS: (&str, &str) = (
    "\nDuration = datetime.timedelta\n",
    "
def __getattr__(name):
    # qiscus: the alias `Duration = datetime.timedelta`, without importing datetime with the module.
    if name == \"Duration\":
        return datetime.timedelta
    raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\")
",
);

/// Standard modules the generated code imports but never uses (`contextlib` once
/// [`READ_WITH_STREAM`] is gone).
const UNUSED_IMPORTS: [&str; 3] = ["platform", "traceback", "contextlib"];

/// The generated string reader, and ours: one method of the stream (see [`RUST_BUFFER`]) reads
/// the length and the bytes and decodes them.
const STRING_READ: (&str, &str) = (
    "    @staticmethod
    def read(buf):
        size = buf.read_i32()
        if size < 0:
            raise InternalError(\"Unexpected negative string length\")
        utf8_bytes = buf.read(size)
        return utf8_bytes.decode(\"utf-8\")
",
    "    @staticmethod
    def read(buf):
        return buf.read_str()
",
);

/// The generated buffer scopes (`with rbuf.consume_with_stream() as stream:` and `with
/// _UniffiRustBuffer.alloc_with_builder() as builder:`, around every lift and lower of a buffer)
/// are `contextlib` generators, ~2.5 µs each per use; ours are two small classes (see
/// [`RUST_BUFFER`]) that do the same: free the buffer when the stream is done (after checking
/// that it was read to the end, unless the read failed), drop the builder's bytes on an error.
const BUFFER_SCOPES: (&str, &str) = (
    "    @contextlib.contextmanager
    def alloc_with_builder(*args):
        \"\"\"Context-manger to allocate a buffer using a _UniffiRustBufferBuilder.

        The allocated buffer will be automatically freed if an error occurs, ensuring that
        we don't accidentally leak it.
        \"\"\"
        builder = _UniffiRustBufferBuilder()
        try:
            yield builder
        except:
            builder.discard()
            raise

    @contextlib.contextmanager
    def consume_with_stream(self):
        \"\"\"Context-manager to consume a buffer using a _UniffiRustBufferStream.

        The _UniffiRustBuffer will be freed once the context-manager exits, ensuring that we don't
        leak it even if an error occurs.
        \"\"\"
        try:
            s = _UniffiRustBufferStream.from_rust_buffer(self)
            yield s
            if s.remaining() != 0:
                raise RuntimeError(f\"junk data left in buffer at end of consume_with_stream {s.remaining()}\")
        finally:
            self.free()
",
    "    def alloc_with_builder(*args):
        # qiscus: a small class instead of a contextlib generator (same behaviour).
        return _UniffiBuilderScope()

    def consume_with_stream(self):
        # qiscus: a small class instead of a contextlib generator (same behaviour).
        return _UniffiConsumeScope(self)
",
);

/// The generated call wrapper builds its call status with keyword arguments and a nested
/// `_UniffiRustBuffer` (~1.1 µs); a new ctypes structure is zero-filled, which is the same status
/// (`CALL_SUCCESS`, an empty buffer) for ~0.15 µs.
const CALL_STATUS: (&str, &str) = (
    "    call_status = _UniffiRustCallStatus.default()\n\n    args_with_error = args + (ctypes.byref(call_status),)\n",
    "    # qiscus: zero-filled by ctypes, i.e. CALL_SUCCESS and an empty error buffer.\n    call_status = _UniffiRustCallStatus()\n\n    args_with_error = args + (ctypes.byref(call_status),)\n",
);

/// The generated continuation callback of async calls, and ours. The Rust future calls it twice
/// per call: from a runtime worker when the request is done (the future must be polled again),
/// then once more from inside that poll, on the event loop's own thread, with READY. The generated
/// one always goes through `call_soon_threadsafe`: for the second call that is a write to the
/// loop's self-pipe, a turn of the loop and another task step before the call can finish. Ours
/// sets the result at once when it runs on the loop's thread, so the `await` on it does not
/// yield; from any other thread it does what the generated one does, and an exit waits for it to
/// return (a worker that asked for the GIL during finalization aborted the process).
const CONTINUATION: (&str, &str) = (
    "def _uniffi_continuation_callback(future_ptr, poll_code):
    (eventloop, future) = _UniffiContinuationHandleMap.remove(future_ptr)
    eventloop.call_soon_threadsafe(_uniffi_set_future_result, future, poll_code)
",
    "def _uniffi_continuation_callback(future_ptr, poll_code):
    (eventloop, future) = _UniffiContinuationHandleMap.remove(future_ptr)
    # qiscus: on the loop's own thread (inside `ffi_poll`), the result is set at once.
    if asyncio._get_running_loop() is eventloop:
        _uniffi_set_future_result(future, poll_code)
        return
    # From a runtime worker: `call_soon_threadsafe` makes the result visible to the loop, then
    # writes to its self-pipe, which lets the GIL go; the worker needs it back to return. Exit
    # (below) waits for such callbacks, since a thread that asks for the GIL once the interpreter
    # is finalizing is ended with pthread_exit, which aborts the process in Rust's frames.
    me = _thread.get_ident()
    _UNIFFI_CALLBACK_THREADS.add(me)
    try:
        eventloop.call_soon_threadsafe(_uniffi_set_future_result, future, poll_code)
    finally:
        _UNIFFI_CALLBACK_THREADS.discard(me)

_UNIFFI_CALLBACK_THREADS = set()

def _uniffi_wait_for_callbacks():
    # qiscus: at exit, before the interpreter finalizes (see above); a second at most.
    import time
    deadline = time.monotonic() + 1.0
    while _UNIFFI_CALLBACK_THREADS and time.monotonic() < deadline:
        time.sleep(0.001)

import atexit
atexit.register(_uniffi_wait_for_callbacks)
",
);

/// The native wakes in the generated poll loop of async calls, in three patches: their helpers
/// before it, the loop's wakes looked up, and a branch at the top of the loop that polls with them
/// (the generated body below it is left as it is, for the other cases). Where the native readers'
/// module loads (bindings/python/speedups), each event loop gets a `Channel` and the Rust future's
/// continuation callback is the native one (speedups/src/wake.rs), which queues the wake and writes
/// a byte to the channel's socket, watched with `loop.add_reader`, without taking the GIL on the
/// runtime's thread: faster, and no worker asks for the GIL while the interpreter finalizes (which
/// aborted the process). A wake that comes inside the poll itself is taken at once. Elsewhere (no native
/// module, a loop set with `uniffi_set_event_loop`, a loop without `add_reader` or that cannot be
/// weakly referenced), the generated loop runs as it was.
const ASYNC_CALL: [(&str, &str); 3] = [
    (
        "async def _uniffi_rust_call_async(",
        "class _UniffiLoopWakes:
    # qiscus: the native wakes of one event loop's async calls (see uniffi-bindgen/python.rs).
    def __init__(self, eventloop):
        self.channel = _uniffi_speedups.Channel()
        self.futures = {}
        # the reader resolves each woken key's future with its poll code (Channel.resolve)
        eventloop.add_reader(self.channel.fileno(), self.channel.resolve, self.futures)

    async def wait(self, eventloop, key):
        # The poll code of `key`'s wake, once the loop's reader has it.
        future = eventloop.create_future()
        self.futures[key] = future
        try:
            return await future
        finally:
            self.futures.pop(key, None)

_UNIFFI_LOOP_WAKES = None  # a WeakKeyDictionary, made by the first async call
_UNIFFI_NATIVE_CONTINUATION = None
_UNIFFI_LAST_LOOP = (None, None)  # a weak reference to the loop looked up last, and its wakes

def _uniffi_loop_wakes(eventloop):
    global _UNIFFI_NATIVE_CONTINUATION, _UNIFFI_LOOP_WAKES, _UNIFFI_LAST_LOOP
    if _UNIFFI_GLOBAL_EVENT_LOOP is not None or _uniffi_speedups is None:
        return None
    last, wakes = _UNIFFI_LAST_LOOP
    if last is not None and last() is eventloop:
        return wakes
    import weakref
    if _UNIFFI_LOOP_WAKES is None:
        _UNIFFI_LOOP_WAKES = weakref.WeakKeyDictionary()
    try:
        wakes = _UNIFFI_LOOP_WAKES.get(eventloop)
    except TypeError:  # a loop that cannot be weakly referenced: the generated path
        return None
    if wakes is None:
        # A closed loop's wakes go: the futures of calls it left in flight hold the loop (their
        # `_loop`), and would keep it, their tasks and their Rust futures (with their connections)
        # for good; dropped, they are collected with the loop, and their calls freed.
        for closed in [l for l in _UNIFFI_LOOP_WAKES.keys() if l.is_closed()]:
            _UNIFFI_LOOP_WAKES.pop(closed, None)
        if _UNIFFI_NATIVE_CONTINUATION is None:
            _UNIFFI_NATIVE_CONTINUATION = _UNIFFI_RUST_FUTURE_CONTINUATION_CALLBACK(
                _uniffi_speedups.continuation_address()
            )
        try:
            wakes = _UniffiLoopWakes(eventloop)
        except NotImplementedError:  # a loop without add_reader (Windows' proactor)
            wakes = False
        _UNIFFI_LOOP_WAKES[eventloop] = wakes
    # The next call on the same loop skips the dictionary (and the weak reference it makes).
    _UNIFFI_LAST_LOOP = (weakref.ref(eventloop), wakes or None)
    return wakes or None

async def _uniffi_rust_call_async(",
    ),
    (
        "        eventloop = _uniffi_get_event_loop()\n",
        "        eventloop = _uniffi_get_event_loop()\n        wakes = _uniffi_loop_wakes(eventloop)\n",
    ),
    (
        "        while True:\n            future = eventloop.create_future()\n",
        "        while True:
            if wakes is not None:
                # qiscus: the native continuation; nothing runs on this thread between the poll
                # and the await, so the loop's reader cannot miss the future.
                channel = wakes.channel
                key = channel.key()
                ffi_poll(rust_future, _UNIFFI_NATIVE_CONTINUATION, key)
                poll_code = channel.take(key)
                if poll_code is None:
                    poll_code = await wakes.wait(eventloop, key)
                if poll_code == _UNIFFI_RUST_FUTURE_POLL_READY:
                    break
                continue
            future = eventloop.create_future()
",
    ),
];

/// `threading` (~2 ms with `_weakrefset`) is imported by the generated code for its handle map's
/// lock only (our continuation above takes the thread's id too): `_thread`, built into the
/// interpreter, has both, and `threading.Lock` is `_thread.allocate_lock`.
const THREADING: [(&str, &str); 2] = [
    ("\nimport threading\n", "\nimport _thread\n"),
    (
        "        self._lock = threading.Lock()\n",
        "        self._lock = _thread.allocate_lock()  # qiscus: threading's Lock, without importing threading\n",
    ),
];

/// The generated buffer's `read_with_stream`, a `contextlib` generator for reading borrowed
/// buffers, which none of the generated code calls: dropped, and `contextlib` (~1.2 ms) with it.
const READ_WITH_STREAM: &str = "    @contextlib.contextmanager
    def read_with_stream(self):
        \"\"\"Context-manager to read a buffer using a _UniffiRustBufferStream.

        This is like consume_with_stream, but doesn't free the buffer afterwards.
        It should only be used with borrowed `_UniffiRustBuffer` data.
        \"\"\"
        s = _UniffiRustBufferStream.from_rust_buffer(self)
        yield s
        if s.remaining() != 0:
            raise RuntimeError(f\"junk data left in buffer at end of read_with_stream {s.remaining()}\")
";

/// Patches every generated `.py` module in `dir`; returns the files patched.
pub fn patch_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    crate::patch_files(dir, "py", patch_module)
}

/// Applies the patches to one generated module.
pub fn patch_module(source: &str) -> Result<String, String> {
    let source = replace_buffer_helpers(source)?;
    let source = replace_once(
        &source,
        DATACLASS_IMPORT,
        DATACLASS_STANDIN,
        "the dataclass import",
    )?;
    let source = replace_once(&source, STRING_READ.0, STRING_READ.1, "the string reader")?;
    let source = replace_once(
        &source,
        BUFFER_SCOPES.0,
        BUFFER_SCOPES.1,
        "the buffer scopes",
    )?;
    let source = replace_once(&source, CALL_STATUS.0, CALL_STATUS.1, "the call status")?;
    let source = if source.contains("def _uniffi_continuation_callback(") {
        let source = replace_once(
            &source,
            CONTINUATION.0,
            CONTINUATION.1,
            "the continuation callback",
        )?;
        ASYNC_CALL.iter().try_fold(source, |source, (from, to)| {
            replace_once(&source, from, to, "the async poll loop")
        })?
    } else {
        source
    };
    let source = crate::lazy_ffi::patch_ffi_declarations(&source)?;
    let (source, records) = crate::records::patch_record_readers(&source)?;
    let source = crate::records::patch_record_slots(&source, &records)?;
    let source = crate::speedups::patch_speedups(&source, &records)?;
    let source = crate::native_calls::patch_native_calls(&source)?;
    let mut source = crate::variants::patch_variants(&source)?;
    if source.contains(DURATION_ALIAS.0) {
        source = replace_once(
            &source,
            DURATION_ALIAS.0,
            DURATION_ALIAS.1,
            "the Duration alias",
        )?;
    }
    for (from, to) in THREADING {
        source = replace_once(&source, from, to, "the threading import and lock")?;
    }
    if source.contains("threading.") {
        return Err("the generated code uses threading for more than its lock".into());
    }
    source = replace_once(&source, READ_WITH_STREAM, "", "read_with_stream")?;
    if source.contains("read_with_stream(") {
        return Err("the generated code calls read_with_stream".into());
    }
    for module in UNUSED_IMPORTS {
        source = drop_unused_import(&source, module)?;
    }
    for (module, class, why, holds) in LAZY_IMPORTS {
        let import = format!("\nimport {module}\n");
        if source.contains(&import) {
            let what = format!("the {module} import");
            let lazy = lazy_import(module, class, why, holds);
            source = replace_once(&source, &import, &lazy, &what)?;
        }
    }
    let source = crate::lazy_enums::patch_lazy_enums(&source)?;
    crate::converters::patch_converters(&source)
}

/// Removes `import {module}` after checking that nothing refers to `{module}.` other than as an
/// attribute of something else (`sys.platform` is fine, `platform.system()` is not; a sentence
/// ending in "platform." is not a use).
fn drop_unused_import(source: &str, module: &str) -> Result<String, String> {
    let line = format!("\nimport {module}\n");
    let what = format!("the {module} import");
    let source = replace_once(source, &line, "\n", &what)?;
    let attribute = format!("{module}.");
    let used = source.match_indices(&attribute).any(|(at, _)| {
        let before = source[..at].chars().next_back();
        let after = source[at + attribute.len()..].chars().next();
        let identifier = |c: Option<char>| matches!(c, Some(c) if c == '_' || c.is_alphanumeric());
        !(before == Some('.') || identifier(before)) && identifier(after)
    });
    if used {
        return Err(format!(
            "{what} is used by the generated code; it cannot be dropped"
        ));
    }
    Ok(source)
}

/// Replaces the span from the stream class to the comment after the builder class, after checking
/// that the span defines those two classes and nothing else.
fn replace_buffer_helpers(source: &str) -> Result<String, String> {
    let start = unique(source, STREAM_START, "the _UniffiRustBufferStream class")?;
    let end = unique(
        source,
        AFTER_BUILDER,
        "the comment after _UniffiRustBufferBuilder",
    )?;
    if end < start {
        return Err("the buffer helpers are not in the expected order".into());
    }
    let span = &source[start..end];
    let top_level: Vec<&str> = span
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with([' ', '\t', '#']))
        .collect();
    let expected = [STREAM_START.trim_end(), BUILDER_START.trim_end()];
    if top_level != expected {
        return Err(format!(
            "the buffer helpers changed shape: expected top-level {expected:?}, found {top_level:?}"
        ));
    }
    Ok(format!(
        "{}{RUST_BUFFER}{}",
        &source[..start],
        &source[end..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ASYNCIO_IMPORT: &str = "\nimport asyncio\n";

    /// A module of the generated shape (the parts the patches touch).
    const GENERATED_TEMPLATE: &str = "\
from __future__ import annotations
import ctypes
from dataclasses import dataclass
import struct
import traceback
import asyncio
import platform
import json
import typing
import contextlib
import threading
import datetime

class _UniffiRustBuffer(ctypes.Structure):
{BUFFER_SCOPES}
{READ_WITH_STREAM}
class _UniffiHandleMap:
    def __init__(self):
        self._lock = threading.Lock()

def _uniffi_rust_call_with_error(error_ffi_converter, fn, *args):
{CALL_STATUS}    return fn(*args_with_error)

class _UniffiRustBufferStream:
    def read(self, size):
        pass

class _UniffiRustBufferBuilder:
    def write(self, value):
        pass
# A handful of classes and functions to support the generated data structures.

class InternalError(Exception):
    pass

class _UniffiFfiConverterString:
{STRING_READER}
def _uniffi_load_indirect():
    if sys.platform == \"darwin\":
        pass

# The Duration type.
Duration = datetime.timedelta

{CONTINUATION}
{ASYNC_CALL}";

    /// The generated async poll loop (its start).
    const GENERATED_ASYNC_CALL: &str = "async def _uniffi_rust_call_async(rust_future, ffi_poll, ffi_complete, ffi_free, lift_func, error_ffi_converter):
    try:
        eventloop = _uniffi_get_event_loop()

        # Loop and poll until we see a _UNIFFI_RUST_FUTURE_POLL_READY value
        while True:
            future = eventloop.create_future()
            ffi_poll(
                rust_future,
                _uniffi_continuation_callback,
                _UniffiContinuationHandleMap.insert((eventloop, future)),
            )
            poll_code = await future
            if poll_code == _UNIFFI_RUST_FUTURE_POLL_READY:
                break
";

    fn generated() -> String {
        GENERATED_TEMPLATE
            .replace("{STRING_READER}\n", STRING_READ.0)
            .replace("{BUFFER_SCOPES}\n", BUFFER_SCOPES.0)
            .replace("{CALL_STATUS}", CALL_STATUS.0)
            .replace("{READ_WITH_STREAM}", READ_WITH_STREAM)
            .replace("{CONTINUATION}", CONTINUATION.0)
            .replace("{ASYNC_CALL}", GENERATED_ASYNC_CALL)
    }

    #[test]
    fn patches_a_module_of_the_generated_shape() {
        let out = patch_module(&generated()).unwrap();
        assert!(out.contains(RUST_BUFFER));
        assert!(!out.contains("    def read(self, size):\n        pass"));
        assert!(out.contains("class _UniffiRustBuffer(ctypes.Structure):"));
        assert!(out.contains("class InternalError(Exception):"));
        assert!(!out.contains(DATACLASS_IMPORT));
        assert!(out.contains("def dataclass(cls):"));
        assert!(!out.contains(ASYNCIO_IMPORT));
        assert!(out.contains("asyncio = _UniffiLazyAsyncio()"));
        assert!(!out.contains("\nimport json\n"));
        assert!(out.contains(
            "class _UniffiLazyJson:\n    # qiscus: json (its decoder, scanner and encoder: ~2 ms) is imported by the first JSON value's\n    # use, not by `import qiscus`; it then replaces this stand-in in the module globals.\n    def __getattr__(self, name):\n        import json as module\n        globals()[\"json\"] = module\n        return getattr(module, name)\n\njson = _UniffiLazyJson()\n"
        ));
        assert!(!out.contains("\nimport typing\n"));
        assert!(out.contains(
            "class _UniffiLazyTyping:\n    # qiscus: typing (and through it re: ~7 ms) is imported by the first run-time\n    # use, not by `import qiscus`; it then replaces this stand-in in the module globals.\n    # The generated protocols' base at run time: type checkers read the package's stub, where\n    # it is typing.Protocol.\n    class Protocol:\n        __slots__ = ()\n\n    def __getattr__(self, name):\n        import typing as module\n"
        ));
        assert_eq!(out.matches("class _UniffiRustBufferStream:").count(), 1);
        assert!(out.contains("        return buf.read_str()\n"));
        assert!(RUST_BUFFER.contains("    def read_str(self):\n"));
        assert!(!out.contains("import platform") && !out.contains("import traceback"));
        assert!(out.contains("if sys.platform == \"darwin\":"));
        assert!(out.contains("        return _UniffiConsumeScope(self)\n"));
        assert!(out.contains("        return _UniffiBuilderScope()\n"));
        assert!(!out.contains("@contextlib.contextmanager"));
        assert!(out.contains("    call_status = _UniffiRustCallStatus()\n"));
        assert!(RUST_BUFFER.contains("class _UniffiConsumeScope:"));
        assert!(out.contains(CONTINUATION.1));
        for gone in [
            "import threading",
            "threading.",
            "import contextlib",
            "contextlib.",
        ] {
            assert!(!out.contains(gone), "{gone}");
        }
        assert!(!out.contains("read_with_stream"));
        assert!(out.contains("\nimport _thread\n"));
        assert!(out.contains("datetime = _UniffiLazyDatetime()"));
        assert!(out.contains(DURATION_ALIAS.1) && !out.contains(DURATION_ALIAS.0));
        assert!(out.contains("        self._lock = _thread.allocate_lock()"));
        for (_, patched) in ASYNC_CALL {
            assert!(out.contains(patched));
        }
        // the native branch comes first in the generated loop, which stays as it was
        assert!(out.contains(
            "                continue\n            future = eventloop.create_future()\n            ffi_poll(\n"
        ));
    }

    #[test]
    fn a_module_without_async_calls_keeps_no_asyncio_stand_in() {
        let out = patch_module(&generated().replace("import asyncio\n", "")).unwrap();
        assert!(!out.contains("_UniffiLazyAsyncio"));
    }

    #[test]
    fn refuses_code_of_another_shape() {
        let extra = generated().replace(
            "class _UniffiRustBufferBuilder:",
            "def helper():\n    pass\n\nclass _UniffiRustBufferBuilder:",
        );
        let err = patch_module(&extra).unwrap_err();
        assert!(err.contains("changed shape"), "{err}");
        let no_stream = generated().replace("class _UniffiRustBufferStream:", "class Other:");
        assert!(patch_module(&no_stream).unwrap_err().contains("not found"));
        let no_dataclass = generated().replace(DATACLASS_IMPORT, "");
        assert!(patch_module(&no_dataclass)
            .unwrap_err()
            .contains("dataclass"));
        let prose = format!("{}\"\"\"The device platform.\"\"\"\n", generated());
        assert!(patch_module(&prose).is_ok());
        let used = format!("{}print(platform.system())\n", generated());
        assert!(patch_module(&used)
            .unwrap_err()
            .contains("platform import is used"));
        let twice = format!("{}import asyncio\n", generated());
        assert!(patch_module(&twice).unwrap_err().contains("more than once"));
        let callback = generated().replace(
            "    eventloop.call_soon_threadsafe(_uniffi_set_future_result, future, poll_code)\n",
            "    eventloop.call_soon_threadsafe(_uniffi_set_future_result, future, poll_code, 1)\n",
        );
        assert!(patch_module(&callback)
            .unwrap_err()
            .contains("the continuation callback"));
        // threading for more than the lock, a caller of read_with_stream, another use of
        // contextlib: each is refused rather than left broken
        let thread = format!("{}threading.Thread(target=print)\n", generated());
        assert!(patch_module(&thread)
            .unwrap_err()
            .contains("threading for more than its lock"));
        let reader = format!("{}    with buf.read_with_stream() as s:\n", generated());
        assert!(patch_module(&reader)
            .unwrap_err()
            .contains("calls read_with_stream"));
        let context = format!(
            "{}@contextlib.contextmanager\ndef f():\n    yield\n",
            generated()
        );
        assert!(patch_module(&context)
            .unwrap_err()
            .contains("contextlib import is used"));
    }
}
