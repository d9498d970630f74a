//! The FFI functions' types, given to each function on its first use instead of at import.
//!
//! A generated module declares every FFI function of the library when it is imported: for each,
//! `_UniffiLib.NAME.argtypes = (...)` and `_UniffiLib.NAME.restype = ...`. Each statement looks
//! the symbol up (ctypes' `CDLL.__getattr__`: `dlsym` and a new function object) and converts the
//! types; the client module has 234 of them, 84 for checksum functions that nothing calls. They
//! become one table, `_UNIFFI_FFI_DECLARATIONS`, and the library an `_UniffiFfiLibrary`: a
//! `ctypes.CDLL` whose attribute lookup makes the function, gives it the table's types and only
//! then caches it, so no thread ever sees a function without its types.

use crate::{replace_once, unique};

const LIB_START: &str = "\n_UniffiLib = _uniffi_load_indirect()\n";
const LIB_END: &str = "\n_uniffi_check_contract_api_version(_UniffiLib)\n";
const PREFIX: &str = "_UniffiLib.";
const ARGTYPES: &str = ".argtypes = (";
const RESTYPE: &str = ".restype = ";

/// How the generated loader makes the library.
const LOAD: (&str, &str) = (
    "    lib = ctypes.cdll.LoadLibrary(path)\n    return lib\n",
    "    return _UniffiFfiLibrary(path)\n",
);

const LOADER_START: &str = "def _uniffi_load_indirect():\n";

const LIBRARY_CLASS: &str = "\
class _UniffiFfiLibrary(ctypes.CDLL):
    # qiscus: each FFI function is looked up and given its types (_UNIFFI_FFI_DECLARATIONS) on
    # first use, not at import; it is cached only once typed.
    def __getattr__(self, name):
        if name.startswith(\"__\"):
            raise AttributeError(name)
        func = self[name]
        declared = _UNIFFI_FFI_DECLARATIONS.get(name)
        if declared is not None:
            func.argtypes, func.restype = declared
        self.__dict__[name] = func
        return func

";

/// One function's declaration: its argument types (the tuple's source) and its return type.
#[derive(Default)]
struct Declaration {
    argtypes: Option<String>,
    restype: Option<String>,
}

/// Moves the declarations into `_UNIFFI_FFI_DECLARATIONS` and makes the library lazy. A module
/// without a library block (none is generated without FFI functions) is returned as it was.
pub fn patch_ffi_declarations(source: &str) -> Result<String, String> {
    if !source.contains(LIB_START) {
        return Ok(source.to_owned());
    }
    let start = unique(source, LIB_START, "the FFI library's loading")? + LIB_START.len();
    let end = unique(source, LIB_END, "the contract version check")?;
    if end < start {
        return Err("the FFI declarations are not in the expected order".into());
    }
    let mut names: Vec<String> = Vec::new();
    let mut declarations: std::collections::HashMap<String, Declaration> = Default::default();
    let mut kept = String::new();
    let mut lines = source[start..end].lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix(PREFIX) else {
            kept.push_str(line);
            kept.push('\n');
            continue;
        };
        let (name, slot, value) = if let Some(name) = rest.strip_suffix(ARGTYPES) {
            let mut items = Vec::new();
            loop {
                match lines.next() {
                    Some(")") => break,
                    Some(item) if item.starts_with("    ") && item.ends_with(',') => {
                        items.push(item.trim())
                    }
                    other => {
                        return Err(format!(
                            "the argument types of {name} changed shape: {other:?}"
                        ))
                    }
                }
            }
            (name, "argtypes", format!("({})", items.join(" ")))
        } else if let Some((name, restype)) = rest.split_once(RESTYPE) {
            (name, "restype", restype.to_owned())
        } else {
            return Err(format!("an FFI declaration changed shape: {line}"));
        };
        if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            return Err(format!("an FFI declaration changed shape: {line}"));
        }
        let declaration = declarations.entry(name.to_owned()).or_insert_with(|| {
            names.push(name.to_owned());
            Declaration::default()
        });
        let field = match slot {
            "argtypes" => &mut declaration.argtypes,
            _ => &mut declaration.restype,
        };
        if field.replace(value).is_some() {
            return Err(format!("the {slot} of {name} are declared twice"));
        }
    }
    if kept.contains(PREFIX) {
        return Err("the code between the FFI declarations uses the library".into());
    }
    if names.is_empty() {
        return Err("no FFI declarations were found after the library's loading".into());
    }
    let mut table = String::from(
        "# qiscus: the FFI functions' argument and return types, given on first use (_UniffiFfiLibrary)\n\
         _UNIFFI_FFI_DECLARATIONS = {\n",
    );
    for name in &names {
        let declaration = &declarations[name];
        let (Some(argtypes), Some(restype)) = (&declaration.argtypes, &declaration.restype) else {
            return Err(format!("{name} lacks its argument or return types"));
        };
        table.push_str(&format!("    \"{name}\": ({argtypes}, {restype}),\n"));
    }
    table.push_str("}\n");
    let patched = format!("{}{kept}{table}{}", &source[..start], &source[end..]);
    let patched = replace_once(&patched, LOAD.0, LOAD.1, "the library's loading")?;
    let with_class = format!("{LIBRARY_CLASS}{LOADER_START}");
    replace_once(&patched, LOADER_START, &with_class, "the library loader")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GENERATED: &str = "\
import ctypes

def _uniffi_load_indirect():
    path = os.path.join(os.path.dirname(__file__), libname)
    lib = ctypes.cdll.LoadLibrary(path)
    return lib

_UniffiLib = _uniffi_load_indirect()
_UniffiLib.ffi_x_rustbuffer_alloc.argtypes = (
    ctypes.c_uint64,
    ctypes.POINTER(_UniffiRustCallStatus),
)
_UniffiLib.ffi_x_rustbuffer_alloc.restype = _UniffiRustBuffer
_CALLBACK = ctypes.CFUNCTYPE(None,ctypes.c_uint64,
)
class _UniffiVTable(ctypes.Structure):
    _fields_ = [
        (\"clone\", _CALLBACK),
    ]
_UniffiLib.x_init_callback.argtypes = (
    ctypes.POINTER(_UniffiVTable),
)
_UniffiLib.x_init_callback.restype = None
_UniffiLib.x_checksum.argtypes = (
)
_UniffiLib.x_checksum.restype = ctypes.c_uint16

_uniffi_check_contract_api_version(_UniffiLib)
";

    #[test]
    fn declarations_become_one_table_after_the_types_they_use() {
        let out = patch_ffi_declarations(GENERATED).unwrap();
        assert!(!out.contains("_UniffiLib.ffi_x") && !out.contains("_UniffiLib.x_"));
        assert!(out.contains(
            "_UNIFFI_FFI_DECLARATIONS = {\n    \"ffi_x_rustbuffer_alloc\": ((ctypes.c_uint64, ctypes.POINTER(_UniffiRustCallStatus),), _UniffiRustBuffer),\n    \"x_init_callback\": ((ctypes.POINTER(_UniffiVTable),), None),\n    \"x_checksum\": ((), ctypes.c_uint16),\n}\n\n_uniffi_check_contract_api_version(_UniffiLib)\n"
        ));
        // the callback types and vtables stay in place, before the table that names them
        let vtable = out.find("class _UniffiVTable(").unwrap();
        assert!(out.find("_CALLBACK = ctypes.CFUNCTYPE(").unwrap() < vtable);
        assert!(vtable < out.find("_UNIFFI_FFI_DECLARATIONS = {").unwrap());
        assert!(out.contains("    return _UniffiFfiLibrary(path)\n"));
        assert!(!out.contains("LoadLibrary"));
        assert!(out.contains(&format!("{LIBRARY_CLASS}{LOADER_START}")));
    }

    #[test]
    fn a_module_without_a_library_is_left_alone() {
        let source = "import ctypes\nclass X:\n    pass\n";
        assert_eq!(patch_ffi_declarations(source).unwrap(), source);
    }

    #[test]
    fn refuses_declarations_of_another_shape() {
        let twice = "_UniffiLib.x_init_callback.restype = None\n".repeat(2);
        // (what the generated code reads, what it reads instead, the error's words)
        let cases = [
            (
                "_UniffiLib.x_checksum.restype = ctypes.c_uint16\n",
                "",
                "x_checksum lacks",
            ),
            (
                "_UniffiLib.x_init_callback.restype = None\n",
                twice.as_str(),
                "declared twice",
            ),
            (
                "_UniffiLib.x_checksum.restype",
                "_UniffiLib.x_checksum.errcheck",
                "changed shape",
            ),
            (
                "    ctypes.c_uint64,\n",
                "    ctypes.c_uint64\n",
                "argument types of ffi_x_rustbuffer_alloc changed shape",
            ),
            (
                "(\"clone\", _CALLBACK)",
                "(\"clone\", _UniffiLib.x_clone)",
                "uses the library",
            ),
            (
                "ctypes.cdll.LoadLibrary(path)",
                "ctypes.CDLL(path)",
                "library's loading",
            ),
        ];
        for (from, to, error) in cases {
            assert!(GENERATED.contains(from), "{from}");
            let err = patch_ffi_declarations(&GENERATED.replacen(from, to, 1)).unwrap_err();
            assert!(err.contains(error), "{from:?} -> {to:?}: {err}");
        }
    }
}
