//! Routes the generated method calls through native calls: a blocking method through one, an
//! async method's steps through one each.
//!
//! A generated blocking method clones its object's handle (a ctypes call), lowers its arguments
//! into ctypes buffer structures, calls the FFI function through ctypes with a new call status
//! structure, checks the status in Python and lifts the returned buffer: three crossings of
//! ctypes and four Python frames around the one call that does the work (bench/RESULTS.md,
//! fix 32). With the extension module loaded, `_UNIFFI_CALLER` (a `Caller` of
//! bindings/python/speedups, `call.rs`) does all of it in one call, and the generated lines stay
//! below for the pure-Python path (`QISCUS_PURE_PYTHON=1`, or where the extension cannot load).
//! An async method's future is made by `Caller.start` and awaited by
//! `_uniffi_rust_call_async_native` ([`ASYNC_NATIVE`]), which polls, completes and frees it by
//! `Caller` too, and hands it to the generated coroutine where the loop has no native wakes
//! (fix 33).
//!
//! A method is routed only when its body has the generated shape (a clone, at most two lowered
//! arguments, a lift or none, then `_uniffi_rust_call_with_error` or `_uniffi_rust_call_async`)
//! and its FFI declarations the ones `Caller` calls natively: a blocking method takes the handle,
//! a buffer per argument and the call status, and returns a buffer, or nothing exactly when the
//! method returns nothing; an async method takes the handle and a buffer per argument and returns
//! its future, whose poll, complete and free functions are the Rust future's, complete returning
//! a buffer or nothing as the method does. Any other method is left as it was, so a shape that
//! UniFFI changes falls back to the generated code, and the patch fails only when it routes none.

use crate::unique;

/// Where a generated method's lowering begins, after its `check_lower` lines.
const LOWERED: &str =
    "\n        _uniffi_lowered_args = (\n            self._uniffi_clone_handle(),\n";

/// How a generated class clones its handle: the line after `def _uniffi_clone_handle(self):`.
const CLONE: (&str, &str) = (
    "    def _uniffi_clone_handle(self):\n        return _uniffi_rust_call(_UniffiLib.",
    ", self._handle)\n",
);

/// Where the caller is made: after the extension module is loaded.
const LOADED: &str = "\n_uniffi_speedups = _uniffi_load_speedups()\n";
const CALLER: &str = "
# qiscus: the method calls' FFI steps, made natively (uniffi-bindgen/native_calls.rs).
_UNIFFI_CALLER = None if _uniffi_speedups is None else _uniffi_speedups.Caller(
    _UniffiLib,
    _UniffiRustBuffer,
    _UniffiRustCallStatus,
    _UniffiRustBufferStream,
    _UniffiRustBufferBuilder,
    _uniffi_check_call_status,
    _UniffiFfiConverterString,
)
";

/// Where the async calls' coroutine goes: before the generated one, which it falls back to.
const ASYNC_AT: &str = "\nasync def _uniffi_rust_call_async(";
const ASYNC_NATIVE: &str = "
async def _uniffi_rust_call_async_native(rust_future, poll, complete, free, lift, error_ffi_converter):
    # qiscus: an async call whose FFI steps are native calls (uniffi-bindgen/native_calls.rs):
    # `rust_future` made by _UNIFFI_CALLER.start, then polled, completed and freed by the FFI
    # functions named. Without the native wakes, the generated coroutine does the rest.
    try:
        eventloop = _uniffi_get_event_loop()
        wakes = _uniffi_loop_wakes(eventloop)
        if wakes is None:
            generated, rust_future = rust_future, None
            return await _uniffi_rust_call_async(
                generated,
                getattr(_UniffiLib, poll),
                getattr(_UniffiLib, complete),
                getattr(_UniffiLib, free),
                (lambda val: None) if lift is None else lift.lift,
                error_ffi_converter,
            )
        caller = _UNIFFI_CALLER
        channel = wakes.channel
        futures = wakes.futures
        while True:
            key, poll_code = caller.poll(poll, rust_future, channel)
            if poll_code is None:
                # wakes.wait, inline: the loop's reader resolves the future with the key's code
                future = eventloop.create_future()
                futures[key] = future
                try:
                    poll_code = await future
                finally:
                    futures.pop(key, None)
            if poll_code == _UNIFFI_RUST_FUTURE_POLL_READY:
                return caller.complete(complete, rust_future, lift, error_ffi_converter)
    finally:
        if rust_future is not None:
            _UNIFFI_CALLER.free(free, rust_future)
";

/// A buffer type in an FFI declaration (this module's, or the other module's).
fn is_buffer(ty: &str) -> bool {
    ty == "_UniffiRustBuffer"
        || ty
            .strip_suffix("._UniffiRustBuffer")
            .is_some_and(crate::identifier)
}

/// The argument types and the return type of FFI function `name`, as declared in `source`.
fn declaration<'a>(source: &'a str, name: &str) -> Option<(Vec<&'a str>, &'a str)> {
    let key = format!("\n    \"{name}\": ((");
    let at = source.find(&key)? + key.len();
    let line = &source[at..at + source[at..].find('\n')?];
    let (args, ret) = line.split_once(",), ")?;
    Some((args.split(", ").collect(), ret.strip_suffix("),")?))
}

/// Whether a return type is a buffer (`true`) or nothing (`false`), if it is either.
fn buffer_or_nothing(ret: &str) -> Option<bool> {
    match ret {
        "None" => Some(false),
        r => is_buffer(r).then_some(true),
    }
}

/// The number of buffer arguments after the handle, and whether it returns a buffer, of the
/// blocking FFI function `name` as declared in `source`, if its declaration has a shape that the
/// native caller calls: the handle, up to two buffers, the call status.
fn declared_shape(source: &str, name: &str) -> Option<(usize, bool)> {
    let (args, ret) = declaration(source, name)?;
    let [handle, buffers @ .., status] = &args[..] else {
        return None;
    };
    if *handle != "ctypes.c_uint64"
        || *status != "ctypes.POINTER(_UniffiRustCallStatus)"
        || !buffers.iter().all(|b| is_buffer(b))
        || buffers.len() > 2
    {
        return None;
    }
    Some((buffers.len(), buffer_or_nothing(ret)?))
}

/// Whether the async FFI functions named have the shapes the native caller calls: `start` takes
/// the handle and `buffers` buffers and returns its future's handle; `poll`, `complete` and
/// `free` are the Rust future functions, `complete` returning a buffer exactly when `returns`.
fn declared_async(
    source: &str,
    [start, poll, complete, free]: [&str; 4],
    buffers: usize,
    returns: bool,
) -> bool {
    let shape = |name| declaration(source, name);
    let start_ok = shape(start).is_some_and(|(args, ret)| {
        ret == "ctypes.c_uint64"
            && args.len() == buffers + 1
            && args[0] == "ctypes.c_uint64"
            && args[1..].iter().all(|a| is_buffer(a))
            && buffers <= 2
    });
    let poll_ok = shape(poll).is_some_and(|(args, ret)| {
        ret == "None"
            && args
                == [
                    "ctypes.c_uint64",
                    "_UNIFFI_RUST_FUTURE_CONTINUATION_CALLBACK",
                    "ctypes.c_uint64",
                ]
    });
    let complete_ok = shape(complete).is_some_and(|(args, ret)| {
        args == ["ctypes.c_uint64", "ctypes.POINTER(_UniffiRustCallStatus)"]
            && buffer_or_nothing(ret) == Some(returns)
    });
    let free_ok =
        shape(free).is_some_and(|(args, ret)| ret == "None" && args == ["ctypes.c_uint64"]);
    start_ok && poll_ok && complete_ok && free_ok
}

/// The name in `line`, `            _UniffiLib.{name}{suffix}`.
fn named<'a>(line: Option<&'a str>, suffix: &str) -> Option<&'a str> {
    line?
        .strip_prefix("            _UniffiLib.")?
        .strip_suffix(suffix)
        .filter(|n| crate::identifier(n))
}

/// Whether the next lines are `expected`.
fn expect(lines: &mut std::str::Lines<'_>, expected: &[&str]) -> bool {
    expected.iter().all(|l| lines.next() == Some(*l))
}

/// A dotted Python name (`qiscus_core._UniffiFfiConverterTypeComment`).
fn dotted(s: &str) -> bool {
    s.split('.').all(crate::identifier)
}

/// The lines that route the generated method body following [`LOWERED`] in `rest` through the
/// native caller, with `clone` its class's clone function, if the body and the FFI declarations
/// in `source` have the shapes that the caller knows.
fn routed(rest: &str, clone: &str, source: &str) -> Option<String> {
    let mut lines = rest.lines();
    let mut args = Vec::new();
    let lift = loop {
        let line = lines.next()?;
        if line == "        )" {
            let lift = lines
                .next()?
                .strip_prefix("        _uniffi_lift_return = ")?;
            break match lift {
                "lambda val: None" => None,
                _ => Some(lift.strip_suffix(".lift").filter(|c| dotted(c))?),
            };
        }
        let (converter, value) = line
            .strip_prefix("            ")?
            .strip_suffix("),")?
            .split_once(".lower(")?;
        if !dotted(converter) || !crate::identifier(value) {
            return None;
        }
        args.push(format!("{converter}, {value}"));
    };
    let error = lines
        .next()?
        .strip_prefix("        _uniffi_error_converter = ")?;
    if !dotted(error) {
        return None;
    }
    let quoted = |name: &str| format!("\"{name}\"");
    let head = [quoted(clone), "self._handle".to_owned()];
    let lift = lift.unwrap_or("None");
    let route = match lines.next()? {
        "        _uniffi_ffi_result = _uniffi_rust_call_with_error(" => {
            if !expect(&mut lines, &["            _uniffi_error_converter,"]) {
                return None;
            }
            let function = named(lines.next(), ",")?;
            if !expect(
                &mut lines,
                &[
                    "            *_uniffi_lowered_args,",
                    "        )",
                    "        return _uniffi_lift_return(_uniffi_ffi_result)",
                ],
            ) || declared_shape(source, function)? != (args.len(), lift != "None")
            {
                return None;
            }
            let call = [
                &[quoted(function)],
                &head[..],
                &[lift.into(), error.into()],
                &args[..],
            ];
            format!("return _UNIFFI_CALLER.call({})", call.concat().join(", "))
        }
        "        return await _uniffi_rust_call_async(" => {
            let start = named(lines.next(), "(*_uniffi_lowered_args),")?;
            let poll = named(lines.next(), ",")?;
            let complete = named(lines.next(), ",")?;
            let free = named(lines.next(), ",")?;
            if !expect(
                &mut lines,
                &[
                    "            _uniffi_lift_return,",
                    "            _uniffi_error_converter,",
                    "        )",
                ],
            ) || !declared_async(
                source,
                [start, poll, complete, free],
                args.len(),
                lift != "None",
            ) {
                return None;
            }
            let call = [&[quoted(start)], &head[..], &args[..]].concat().join(", ");
            let rest = [
                quoted(poll),
                quoted(complete),
                quoted(free),
                lift.into(),
                error.into(),
            ];
            format!(
                "return await _uniffi_rust_call_async_native(_UNIFFI_CALLER.start({call}), {})",
                rest.join(", ")
            )
        }
        _ => return None,
    };
    Some(format!(
        "\n        if _UNIFFI_CALLER is not None:\n            {route}"
    ))
}

/// Applies the patch (see the module docs).
pub fn patch_native_calls(source: &str) -> Result<String, String> {
    if !source.contains(LOWERED) {
        return Ok(source.to_owned());
    }
    let mut out = String::with_capacity(source.len() + 16384);
    let mut done = 0;
    let mut routed_count = 0;
    for (at, _) in source.match_indices(LOWERED) {
        out.push_str(&source[done..at]);
        done = at;
        // The class this method belongs to, and how it clones its handle.
        let class = source[..at].rfind("\nclass ").unwrap_or(0);
        let clone = source[class..at].find(CLONE.0).and_then(|c| {
            let name = &source[class + c + CLONE.0.len()..at];
            Some(&name[..name.find(CLONE.1)?]).filter(|n| crate::identifier(n))
        });
        if let Some(lines) = clone.and_then(|c| routed(&source[at + LOWERED.len()..], c, source)) {
            out.push_str(&lines);
            routed_count += 1;
        }
    }
    out.push_str(&source[done..]);
    if routed_count == 0 {
        return Err("no generated method has the shape of a native call".into());
    }
    unique(&out, LOADED, "the extension module's loading")?;
    let mut out = out.replacen(LOADED, &format!("{LOADED}{CALLER}"), 1);
    if out.contains("return await _uniffi_rust_call_async_native(") {
        unique(&out, ASYNC_AT, "the async calls' coroutine")?;
        out = out.replacen(ASYNC_AT, &format!("{ASYNC_NATIVE}{ASYNC_AT}"), 1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = r#"_UNIFFI_FFI_DECLARATIONS = {
    "uniffi_x_fn_clone_client": ((ctypes.c_uint64, ctypes.POINTER(_UniffiRustCallStatus),), ctypes.c_uint64),
    "uniffi_x_fn_method_client_post_blocking": ((ctypes.c_uint64, core._UniffiRustBuffer, ctypes.POINTER(_UniffiRustCallStatus),), core._UniffiRustBuffer),
    "uniffi_x_fn_method_client_drop_blocking": ((ctypes.c_uint64, _UniffiRustBuffer, ctypes.POINTER(_UniffiRustCallStatus),), None),
    "uniffi_x_fn_method_client_count_blocking": ((ctypes.c_uint64, ctypes.c_int64, _UniffiRustBuffer, ctypes.POINTER(_UniffiRustCallStatus),), _UniffiRustBuffer),
}

class Client:
    def _uniffi_clone_handle(self):
        return _uniffi_rust_call(_UniffiLib.uniffi_x_fn_clone_client, self._handle)

    def post_blocking(self, params):
        core._UniffiFfiConverterTypeParams.check_lower(params)
        _uniffi_lowered_args = (
            self._uniffi_clone_handle(),
            core._UniffiFfiConverterTypeParams.lower(params),
        )
        _uniffi_lift_return = core._UniffiFfiConverterTypeComment.lift
        _uniffi_error_converter = core._UniffiFfiConverterTypeError
        _uniffi_ffi_result = _uniffi_rust_call_with_error(
            _uniffi_error_converter,
            _UniffiLib.uniffi_x_fn_method_client_post_blocking,
            *_uniffi_lowered_args,
        )
        return _uniffi_lift_return(_uniffi_ffi_result)
    def drop_blocking(self, ids):
        _UniffiFfiConverterSequenceInt.check_lower(ids)
        _uniffi_lowered_args = (
            self._uniffi_clone_handle(),
            _UniffiFfiConverterSequenceInt.lower(ids),
        )
        _uniffi_lift_return = lambda val: None
        _uniffi_error_converter = core._UniffiFfiConverterTypeError
        _uniffi_ffi_result = _uniffi_rust_call_with_error(
            _uniffi_error_converter,
            _UniffiLib.uniffi_x_fn_method_client_drop_blocking,
            *_uniffi_lowered_args,
        )
        return _uniffi_lift_return(_uniffi_ffi_result)
    def count_blocking(self, n, ids):
        _uniffi_lowered_args = (
            self._uniffi_clone_handle(),
            _UniffiFfiConverterInt64.lower(n),
            _UniffiFfiConverterSequenceInt.lower(ids),
        )
        _uniffi_lift_return = _UniffiFfiConverterString.lift
        _uniffi_error_converter = core._UniffiFfiConverterTypeError
        _uniffi_ffi_result = _uniffi_rust_call_with_error(
            _uniffi_error_converter,
            _UniffiLib.uniffi_x_fn_method_client_count_blocking,
            *_uniffi_lowered_args,
        )
        return _uniffi_lift_return(_uniffi_ffi_result)

_uniffi_speedups = _uniffi_load_speedups()
"#;

    #[test]
    fn methods_of_the_native_shapes_are_routed_and_keep_their_generated_lines() {
        let out = patch_native_calls(GENERATED).unwrap();
        assert!(out.contains(
            "        core._UniffiFfiConverterTypeParams.check_lower(params)
        if _UNIFFI_CALLER is not None:
            return _UNIFFI_CALLER.call(\"uniffi_x_fn_method_client_post_blocking\", \"uniffi_x_fn_clone_client\", self._handle, core._UniffiFfiConverterTypeComment, core._UniffiFfiConverterTypeError, core._UniffiFfiConverterTypeParams, params)
        _uniffi_lowered_args = (
            self._uniffi_clone_handle(),
            core._UniffiFfiConverterTypeParams.lower(params),"
        ));
        assert!(out.contains(
            "            return _UNIFFI_CALLER.call(\"uniffi_x_fn_method_client_drop_blocking\", \"uniffi_x_fn_clone_client\", self._handle, None, core._UniffiFfiConverterTypeError, _UniffiFfiConverterSequenceInt, ids)\n"
        ));
        assert!(out.ends_with(&format!("{LOADED}{CALLER}")));
        // Everything generated is still there, below the routes.
        let routes: Vec<_> = out
            .lines()
            .filter(|l| l.contains("_UNIFFI_CALLER"))
            .collect();
        assert_eq!(routes.len(), 2 * 2 + 1);
        let without: String = out
            .split_inclusive('\n')
            .filter(|l| !l.contains("_UNIFFI_CALLER.call(") && !l.contains("if _UNIFFI_CALLER"))
            .collect();
        assert_eq!(without, format!("{GENERATED}{CALLER}"));
    }

    #[test]
    fn a_declaration_of_another_shape_keeps_the_generated_call() {
        let out = patch_native_calls(GENERATED).unwrap();
        assert!(!out.contains("uniffi_x_fn_method_client_count_blocking\", "));
        assert_eq!(
            declared_shape(GENERATED, "uniffi_x_fn_method_client_post_blocking"),
            Some((1, true))
        );
        assert_eq!(
            declared_shape(GENERATED, "uniffi_x_fn_method_client_drop_blocking"),
            Some((1, false))
        );
        assert_eq!(
            declared_shape(GENERATED, "uniffi_x_fn_method_client_count_blocking"),
            None
        );
        assert_eq!(declared_shape(GENERATED, "uniffi_x_fn_clone_client"), None);
        assert_eq!(declared_shape(GENERATED, "missing"), None);
    }

    #[test]
    fn a_lift_that_disagrees_with_the_declaration_keeps_the_generated_call() {
        let changed = GENERATED.replace(
            "_uniffi_lift_return = core._UniffiFfiConverterTypeComment.lift",
            "_uniffi_lift_return = lambda val: None",
        );
        let out = patch_native_calls(&changed).unwrap();
        assert!(!out.contains("uniffi_x_fn_method_client_post_blocking\", "));
        assert!(out.contains("uniffi_x_fn_method_client_drop_blocking\", "));
    }

    #[test]
    fn a_module_without_methods_is_unchanged_and_one_with_none_routable_fails() {
        assert_eq!(patch_native_calls("x = 1\n").unwrap(), "x = 1\n");
        let unroutable = GENERATED.replace("self._handle)\n", "self._other)\n");
        assert!(patch_native_calls(&unroutable).is_err());
    }

    /// [`GENERATED`] with an async method, its FFI functions and the generated coroutine.
    fn with_async(complete_returns: &str) -> String {
        let declarations = format!(
            r#"_UNIFFI_FFI_DECLARATIONS = {{
    "uniffi_x_fn_method_client_post": ((ctypes.c_uint64, core._UniffiRustBuffer,), ctypes.c_uint64),
    "ffi_x_rust_future_poll_rust_buffer": ((ctypes.c_uint64, _UNIFFI_RUST_FUTURE_CONTINUATION_CALLBACK, ctypes.c_uint64,), None),
    "ffi_x_rust_future_complete_rust_buffer": ((ctypes.c_uint64, ctypes.POINTER(_UniffiRustCallStatus),), {complete_returns}),
    "ffi_x_rust_future_free_rust_buffer": ((ctypes.c_uint64,), None),
"#
        );
        let method = r#"    async def post(self, params):
        core._UniffiFfiConverterTypeParams.check_lower(params)
        _uniffi_lowered_args = (
            self._uniffi_clone_handle(),
            core._UniffiFfiConverterTypeParams.lower(params),
        )
        _uniffi_lift_return = core._UniffiFfiConverterTypeComment.lift
        _uniffi_error_converter = core._UniffiFfiConverterTypeError
        return await _uniffi_rust_call_async(
            _UniffiLib.uniffi_x_fn_method_client_post(*_uniffi_lowered_args),
            _UniffiLib.ffi_x_rust_future_poll_rust_buffer,
            _UniffiLib.ffi_x_rust_future_complete_rust_buffer,
            _UniffiLib.ffi_x_rust_future_free_rust_buffer,
            _uniffi_lift_return,
            _uniffi_error_converter,
        )
    def post_blocking(self, params):
"#;
        format!("x = 0\nasync def _uniffi_rust_call_async(rust_future):\n    pass\n\n{GENERATED}")
            .replacen("_UNIFFI_FFI_DECLARATIONS = {\n", &declarations, 1)
            .replacen("    def post_blocking(self, params):\n", method, 1)
    }

    #[test]
    fn async_methods_start_natively_and_await_the_native_coroutine() {
        let out = patch_native_calls(&with_async("_UniffiRustBuffer")).unwrap();
        assert!(out.contains(
            "        core._UniffiFfiConverterTypeParams.check_lower(params)
        if _UNIFFI_CALLER is not None:
            return await _uniffi_rust_call_async_native(_UNIFFI_CALLER.start(\"uniffi_x_fn_method_client_post\", \"uniffi_x_fn_clone_client\", self._handle, core._UniffiFfiConverterTypeParams, params), \"ffi_x_rust_future_poll_rust_buffer\", \"ffi_x_rust_future_complete_rust_buffer\", \"ffi_x_rust_future_free_rust_buffer\", core._UniffiFfiConverterTypeComment, core._UniffiFfiConverterTypeError)
        _uniffi_lowered_args = ("
        ));
        assert!(out.starts_with(&format!("x = 0{ASYNC_NATIVE}{ASYNC_AT}")));
        // The blocking form is routed as before.
        assert!(out.contains("_UNIFFI_CALLER.call(\"uniffi_x_fn_method_client_post_blocking\""));
    }

    #[test]
    fn an_async_method_whose_complete_disagrees_with_its_lift_keeps_the_generated_call() {
        let out = patch_native_calls(&with_async("None")).unwrap();
        assert!(!out.contains("_UNIFFI_CALLER.start("));
        assert!(!out.contains("async def _uniffi_rust_call_async_native("));
        assert!(out.contains("_UNIFFI_CALLER.call(\"uniffi_x_fn_method_client_post_blocking\""));
    }
}
