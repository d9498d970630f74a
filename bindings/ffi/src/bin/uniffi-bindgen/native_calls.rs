//! Routes the generated blocking method calls through one native call each.
//!
//! A generated blocking method clones its object's handle (a ctypes call), lowers its arguments
//! into ctypes buffer structures, calls the FFI function through ctypes with a new call status
//! structure, checks the status in Python and lifts the returned buffer: three crossings of
//! ctypes and four Python frames around the one call that does the work (bench/RESULTS.md,
//! fix 32). With the extension module loaded, `_UNIFFI_CALLER` (a `Caller` of
//! bindings/python/speedups, `call.rs`) does all of it in one call, and the generated lines stay
//! below for the pure-Python path (`QISCUS_PURE_PYTHON=1`, or where the extension cannot load).
//!
//! A method is routed only when its body has the generated shape (a clone, at most two lowered
//! arguments, a lift or none, `_uniffi_rust_call_with_error`) and its FFI declaration the one
//! `Caller.call` calls natively: the handle, a buffer per argument and the call status, returning
//! a buffer, or nothing exactly when the method returns nothing. Any other method is left as it
//! was, so a shape that UniFFI changes falls back to the generated code, and the patch fails only
//! when it routes none.

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
# qiscus: the blocking method calls, each made by one native call (uniffi-bindgen/native_calls.rs).
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

/// A buffer type in an FFI declaration (this module's, or the other module's).
fn is_buffer(ty: &str) -> bool {
    ty == "_UniffiRustBuffer"
        || ty
            .strip_suffix("._UniffiRustBuffer")
            .is_some_and(crate::identifier)
}

/// The number of buffer arguments after the handle, and whether it returns a buffer, of FFI
/// function `name` as declared in `source`, if its declaration has a shape that the native caller
/// calls.
fn declared_shape(source: &str, name: &str) -> Option<(usize, bool)> {
    let key = format!("\n    \"{name}\": ((");
    let at = source.find(&key)? + key.len();
    let line = &source[at..at + source[at..].find('\n')?];
    let (args, ret) = line.split_once(",), ")?;
    let ret = ret.strip_suffix("),")?;
    let args: Vec<&str> = args.split(", ").collect();
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
    match ret {
        "None" => Some((buffers.len(), false)),
        r if is_buffer(r) => Some((buffers.len(), true)),
        _ => None,
    }
}

/// A dotted Python name (`qiscus_core._UniffiFfiConverterTypeComment`).
fn dotted(s: &str) -> bool {
    s.split('.').all(crate::identifier)
}

/// The lines that route the generated method body following [`LOWERED`] in `rest` through the
/// native caller, with `clone` its class's clone function, if the body and the FFI declaration
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
    let expected = [
        "        _uniffi_ffi_result = _uniffi_rust_call_with_error(",
        "            _uniffi_error_converter,",
    ];
    if lines.next()? != expected[0] || lines.next()? != expected[1] {
        return None;
    }
    let function = lines
        .next()?
        .strip_prefix("            _UniffiLib.")?
        .strip_suffix(',')?;
    let rest = [
        "            *_uniffi_lowered_args,",
        "        )",
        "        return _uniffi_lift_return(_uniffi_ffi_result)",
    ];
    if !crate::identifier(function) || rest.iter().any(|l| lines.next() != Some(*l)) {
        return None;
    }
    if declared_shape(source, function)? != (args.len(), lift.is_some()) {
        return None;
    }
    let mut call = vec![
        format!("\"{function}\""),
        format!("\"{clone}\""),
        "self._handle".to_owned(),
        lift.unwrap_or("None").to_owned(),
        error.to_owned(),
    ];
    call.extend(args);
    Some(format!(
        "\n        if _UNIFFI_CALLER is not None:\n            return _UNIFFI_CALLER.call({})",
        call.join(", ")
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
    Ok(out.replacen(LOADED, &format!("{LOADED}{CALLER}"), 1))
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
}
