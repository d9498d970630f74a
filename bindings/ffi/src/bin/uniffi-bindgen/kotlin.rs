//! The patch applied to UniFFI's generated Kotlin.
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

/// Patches every generated `.kt` file under `dir`; returns the files patched.
pub fn patch_dir(dir: &Path) -> Result<Vec<PathBuf>, String> {
    crate::patch_files(dir, "kt", patch_source)
}

/// Applies the patch to one generated file.
pub fn patch_source(source: &str) -> Result<String, String> {
    replace_once(
        source,
        CALL_WITH_ERROR,
        CALL_WITH_ERROR_POOLED,
        "uniffiRustCallWithError",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_the_call_status() {
        let generated = format!("package qiscus\n\n{CALL_WITH_ERROR}\nfun other() {{}}\n");
        let out = patch_source(&generated).unwrap();
        assert!(out.contains("val pool = uniffiCallStatusPool.get()"));
        assert!(out.contains("internal val uniffiCallStatusPool"));
        assert!(!out.contains("var status = UniffiRustCallStatus()"));
        assert!(out.ends_with("fun other() {}\n"));
    }

    #[test]
    fn refuses_code_of_another_shape() {
        let changed = CALL_WITH_ERROR.replace("var status", "val status");
        let err = patch_source(&changed).unwrap_err();
        assert!(
            err.contains("uniffiRustCallWithError was not found"),
            "{err}"
        );
    }
}
