//! The patches applied to UniFFI's generated Kotlin.
//!
//! Every call into Rust — the call itself, and the helper calls around it (cloning the object
//! handle, allocating the argument buffer, freeing the result buffer) — creates a new
//! `UniffiRustCallStatus`, a JNA `Structure` holding a nested `RustBuffer.ByValue`. JNA allocates
//! native memory for both and registers each allocation in its global `ConcurrentHashMap` and
//! `Cleaner` (JFR: `com.sun.jna.Memory.<init>` was 23 % of the Java samples of a blocking
//! login_or_register). The patch keeps a small per-thread stack of call statuses instead: a call
//! takes one (or makes one when the stack is empty, so calls nested inside a call — a Kotlin
//! callback calling Rust — get their own), resets it, and puts it back when the call is over.
//! JNA writes the reset fields to native memory before every call and reads them back after, as
//! before.
//!
//! Every `RustBuffer` struct — JNA makes one for every buffer a call returns by value, the
//! generated code one for every argument it lowers — took its 24 bytes from JNA's `Memory`, which
//! registers each block in a global `ConcurrentHashMap` and JNA's cleaner (JFR: `Memory.<init>`
//! and that map's resizing were two thirds of the samples of a call that passes and returns one
//! string). The patched struct overrides `Structure.autoAllocate` with `UniffiStructMemory`: a
//! block of its own, malloc'ed, zeroed and freed by a `java.lang.ref.Cleaner` once the struct is
//! unreachable, without the global map.
//!
//! Lifting reads the result from a heap copy of the Rust buffer (one bulk copy) instead of a
//! direct `ByteBuffer` over native memory, so that strings decode straight from that array: the
//! generated reader made a `ByteArray` and copied each string into it before decoding (JFR: half
//! of the Java samples of a blocking `load_comments(limit = 100)` were string reads).
//!
//! A Rust future wakes its Kotlin coroutine through a JNA callback made on one of the runtime's
//! worker threads, which the JVM does not know. Unless told otherwise, JNA attaches such a thread
//! to the JVM for the callback and detaches it afterwards: a new `java.lang.Thread` for every
//! wake-up (JFR: 4,172 `jdk.ThreadStart` events in a 3-second run of ~3,000 suspend calls). The
//! patched continuation callback registers a `CallbackThreadInitializer` that keeps the worker
//! attached (as a daemon thread named `qiscus-rt`), so each worker is attached once.
//!
//! As for Python, the generator is pinned to one uniffi version and the patch checks that the code
//! it replaces has exactly the expected shape; a uniffi upgrade fails the build instead of
//! silently losing the patch.

use std::path::{Path, PathBuf};

use crate::replace_once;

const CALL_WITH_ERROR: &str = "\
private inline fun <U, E: kotlin.Exception> uniffiRustCallWithError(errorHandler: UniffiRustCallStatusErrorHandler<E>, callback: (UniffiRustCallStatus) -> U): U {
    var status = UniffiRustCallStatus()
    val return_value = callback(status)
    uniffiCheckCallStatus(errorHandler, status)
    return return_value
}
";

const CALL_WITH_ERROR_POOLED: &str = "\
private inline fun <U, E: kotlin.Exception> uniffiRustCallWithError(errorHandler: UniffiRustCallStatusErrorHandler<E>, callback: (UniffiRustCallStatus) -> U): U {
    // qiscus: the call status comes from a per-thread stack instead of a new JNA Structure (and
    // two native allocations) per call; a nested call finds the stack without it and gets another.
    val pool = uniffiCallStatusPool.get()
    val status = pool.removeLastOrNull() ?: UniffiRustCallStatus()
    status.code = UNIFFI_CALL_SUCCESS
    status.error_buf.capacity = 0
    status.error_buf.len = 0
    status.error_buf.data = null
    try {
        val return_value = callback(status)
        uniffiCheckCallStatus(errorHandler, status)
        return return_value
    } finally {
        pool.addLast(status)
    }
}

// qiscus: the free call statuses of each thread (see uniffiRustCallWithError).
internal val uniffiCallStatusPool: ThreadLocal<ArrayDeque<UniffiRustCallStatus>> =
    ThreadLocal.withInitial { ArrayDeque<UniffiRustCallStatus>() }
";

const LIFT_FROM_BUFFER: (&str, &str) = (
    "    fun liftFromRustBuffer(rbuf: RustBuffer.ByValue): KotlinType {
        val byteBuf = rbuf.asByteBuffer()!!
",
    "    fun liftFromRustBuffer(rbuf: RustBuffer.ByValue): KotlinType {
        // qiscus: read from one heap copy of the buffer, so that strings decode from its array.
        val byteBuf = ByteBuffer.wrap(rbuf.data?.getByteArray(0, rbuf.len.toInt()) ?: ByteArray(0))
            .order(ByteOrder.BIG_ENDIAN)
",
);

const STRING_READ: (&str, &str) = (
    "    override fun read(buf: ByteBuffer): String {
        val len = buf.getInt()
        val byteArr = ByteArray(len)
        buf.get(byteArr)
        return byteArr.toString(Charsets.UTF_8)
    }
",
    "    override fun read(buf: ByteBuffer): String {
        val len = buf.getInt()
        if (!buf.hasArray() || len < 0 || len > buf.remaining()) {
            val byteArr = ByteArray(len)
            buf.get(byteArr)
            return byteArr.toString(Charsets.UTF_8)
        }
        // qiscus: decoded straight from the heap buffer's array (see liftFromRustBuffer).
        val start = buf.position()
        buf.position(start + len)
        return String(buf.array(), buf.arrayOffset() + start, len, Charsets.UTF_8)
    }
",
);

const RUST_BUFFER_CLASSES: &str = "    class ByValue: RustBuffer(), Structure.ByValue
    class ByReference: RustBuffer(), Structure.ByReference
";

const RUST_BUFFER_MEMORY: &str = "
    // qiscus: the struct's own 24 bytes come from UniffiStructMemory instead of JNA's Memory.
    override fun autoAllocate(size: Int): com.sun.jna.Memory = UniffiStructMemory(size)
";

const AFTER_RUST_BUFFER: &str =
    "// This is a helper for safely passing byte references into the rust code.\n";

const STRUCT_MEMORY: &str = "\
// qiscus: native memory for the RustBuffer structs JNA makes for every buffer returned by value
// (and for every one made in Kotlin): malloc'ed, zeroed, and freed by a java.lang.ref.Cleaner once
// the struct is unreachable, like JNA's own Memory, but without registering each block in JNA's
// global map of allocations, whose updates and resizing were most of the cost of a call.
internal class UniffiStructMemory(size: Int) : com.sun.jna.Memory() {
    init {
        val address = Native.malloc(size.toLong())
        if (address == 0L) {
            throw OutOfMemoryError(\"cannot allocate $size bytes of native memory\")
        }
        peer = address
        this.size = size.toLong()
        clear()
        uniffiStructMemoryCleaner.register(this, UniffiFreeNative(address))
    }
}

private class UniffiFreeNative(private val address: Long) : Runnable {
    override fun run() = Native.free(address)
}

private val uniffiStructMemoryCleaner: java.lang.ref.Cleaner = java.lang.ref.Cleaner.create()

";

const CONTINUATION: (&str, &str) = (
    "internal object uniffiRustFutureContinuationCallbackImpl: UniffiRustFutureContinuationCallback {
",
    "internal object uniffiRustFutureContinuationCallbackImpl: UniffiRustFutureContinuationCallback {
    // qiscus: the runtime's worker threads that call this stay attached to the JVM (as daemon
    // threads) instead of being attached and detached, a new java.lang.Thread, on every wake-up.
    init {
        Native.setCallbackThreadInitializer(this, com.sun.jna.CallbackThreadInitializer(true, false, \"qiscus-rt\"))
    }

",
);

/// Patches every generated `.kt` file under `dir`; returns the files patched.
pub fn patch_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    crate::patch_files(dir, "kt", patch_source)
}

/// Applies the patches to one generated file.
pub fn patch_source(source: &str) -> Result<String, String> {
    let source = replace_once(
        source,
        CALL_WITH_ERROR,
        CALL_WITH_ERROR_POOLED,
        "uniffiRustCallWithError",
    )?;
    let source = replace_once(
        &source,
        LIFT_FROM_BUFFER.0,
        LIFT_FROM_BUFFER.1,
        "liftFromRustBuffer",
    )?;
    let source = replace_once(&source, STRING_READ.0, STRING_READ.1, "the string reader")?;
    let source = replace_once(
        &source,
        RUST_BUFFER_CLASSES,
        &format!("{RUST_BUFFER_CLASSES}{RUST_BUFFER_MEMORY}"),
        "the RustBuffer struct classes",
    )?;
    let source = replace_once(
        &source,
        AFTER_RUST_BUFFER,
        &format!("{STRUCT_MEMORY}{AFTER_RUST_BUFFER}"),
        "the comment after RustBuffer",
    )?;
    // Only a module with async functions has the continuation callback (and its handle map).
    if !source.contains("uniffiContinuationHandleMap") {
        return Ok(source);
    }
    replace_once(
        &source,
        CONTINUATION.0,
        CONTINUATION.1,
        "the future continuation callback",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated() -> String {
        format!(
            "package qiscus\n\nopen class RustBuffer : Structure() {{\n{RUST_BUFFER_CLASSES}}}\n\n{AFTER_RUST_BUFFER}\n{CALL_WITH_ERROR}\n{}\n{}\ninternal val uniffiContinuationHandleMap = UniffiHandleMap<CancellableContinuation<Byte>>()\n{}}}\nfun other() {{}}\n",
            LIFT_FROM_BUFFER.0, STRING_READ.0, CONTINUATION.0
        )
    }

    /// The same without async functions: no continuation callback, no handle map.
    fn generated_sync_only() -> String {
        generated()
            .replace(CONTINUATION.0, "")
            .replace("uniffiContinuationHandleMap", "otherMap")
    }

    #[test]
    fn pools_the_call_status() {
        let out = patch_source(&generated()).unwrap();
        assert!(out.contains("val pool = uniffiCallStatusPool.get()"));
        assert!(out.contains("internal val uniffiCallStatusPool"));
        assert!(!out.contains("var status = UniffiRustCallStatus()"));
        assert!(out.ends_with("fun other() {}\n"));
    }

    #[test]
    fn lifts_from_a_heap_copy_and_decodes_strings_from_its_array() {
        let out = patch_source(&generated()).unwrap();
        assert!(out.contains(
            "val byteBuf = ByteBuffer.wrap(rbuf.data?.getByteArray(0, rbuf.len.toInt())"
        ));
        assert!(!out.contains("val byteBuf = rbuf.asByteBuffer()!!"));
        assert!(out.contains(
            "return String(buf.array(), buf.arrayOffset() + start, len, Charsets.UTF_8)"
        ));
    }

    #[test]
    fn gives_rust_buffers_their_own_memory_class() {
        let out = patch_source(&generated()).unwrap();
        let class = out.find("open class RustBuffer").unwrap();
        let over = out.find("override fun autoAllocate(size: Int)").unwrap();
        let memory = out.find("internal class UniffiStructMemory").unwrap();
        assert!(class < over && over < memory);
        assert!(memory < out.find(AFTER_RUST_BUFFER).unwrap());
        assert_eq!(out.matches("class UniffiStructMemory").count(), 1);
    }

    #[test]
    fn keeps_the_runtime_threads_attached_to_the_jvm() {
        let out = patch_source(&generated()).unwrap();
        let object = out.find(CONTINUATION.0).unwrap();
        let init = out
            .find("Native.setCallbackThreadInitializer(this, com.sun.jna.CallbackThreadInitializer(true, false, \"qiscus-rt\"))")
            .unwrap();
        assert!(object < init);
        let err =
            patch_source(&generated().replace(CONTINUATION.0, "object Other {\n")).unwrap_err();
        assert!(
            err.contains("the future continuation callback was not found"),
            "{err}"
        );
        let out = patch_source(&generated_sync_only()).unwrap();
        assert!(!out.contains("setCallbackThreadInitializer"));
        assert!(out.contains("internal class UniffiStructMemory"));
    }

    #[test]
    fn refuses_code_of_another_shape() {
        let changed = generated().replace("var status", "val status");
        let err = patch_source(&changed).unwrap_err();
        assert!(
            err.contains("uniffiRustCallWithError was not found"),
            "{err}"
        );
        let changed = generated().replace(
            "val byteArr = ByteArray(len)",
            "val byteArr = ByteArray(len + 0)",
        );
        let err = patch_source(&changed).unwrap_err();
        assert!(err.contains("the string reader was not found"), "{err}");
    }
}
