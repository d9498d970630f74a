//! Counts the elements of a top-level JSON array as its bytes stream past, in constant memory.

/// A small state machine over JSON bytes: tracks nesting and strings, and counts each value that
/// starts directly inside the top-level array. It does not validate the JSON beyond that.
#[derive(Debug, Default, Clone)]
pub(crate) struct ArrayCounter {
    depth: u32,
    in_string: bool,
    escaped: bool,
    expecting_element: bool,
    started: bool,
    closed: bool,
    bad: Option<String>,
    count: u64,
}

impl ArrayCounter {
    pub(crate) fn new() -> Self {
        ArrayCounter::default()
    }

    /// Feeds the next bytes.
    pub(crate) fn feed(&mut self, bytes: &[u8]) {
        if self.bad.is_some() {
            return;
        }
        for &b in bytes {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
                continue;
            }
            if b.is_ascii_whitespace() {
                continue;
            }
            if !self.started {
                if b == b'[' {
                    self.started = true;
                    self.depth = 1;
                    self.expecting_element = true;
                    continue;
                }
                // A UTF-8 byte-order mark before the array is tolerated.
                if matches!(b, 0xEF | 0xBB | 0xBF) {
                    continue;
                }
                self.bad = Some(format!("expected a JSON array, found byte {b:#04x}"));
                return;
            }
            if self.closed {
                self.bad = Some("bytes after the end of the array".into());
                return;
            }
            if self.depth == 1 && self.expecting_element && b != b']' {
                self.count += 1;
                self.expecting_element = false;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => self.depth += 1,
                b']' | b'}' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        self.closed = true;
                    }
                }
                b',' if self.depth == 1 => self.expecting_element = true,
                _ => {}
            }
        }
    }

    /// Elements seen so far.
    pub(crate) fn count_so_far(&self) -> u64 {
        self.count
    }

    /// The number of elements, or why the bytes were not one complete array.
    pub(crate) fn finish(&self) -> Result<u64, String> {
        if let Some(b) = &self.bad {
            return Err(b.clone());
        }
        if !self.started {
            return Err("empty body: expected a JSON array".into());
        }
        if !self.closed || self.in_string {
            return Err("the array is not closed: the body was cut short".into());
        }
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count_in_chunks(text: &str, chunk: usize) -> Result<u64, String> {
        let mut c = ArrayCounter::new();
        for part in text.as_bytes().chunks(chunk.max(1)) {
            c.feed(part);
        }
        c.finish()
    }

    #[test]
    fn counts_elements_whatever_the_chunking() {
        let text = r#" [ {"a": "x,]}[\"", "b": [1, 2, {"c": "}"}]}, 3, "s,\\", [], {},
            null, true, -1.5e3 ] "#;
        let expected = serde_json::from_str::<Vec<serde_json::Value>>(text)
            .unwrap()
            .len() as u64;
        assert_eq!(expected, 8);
        for chunk in 1..=text.len() {
            assert_eq!(count_in_chunks(text, chunk), Ok(expected), "chunk {chunk}");
        }
    }

    #[test]
    fn empty_and_broken_arrays() {
        assert_eq!(count_in_chunks("[]", 1), Ok(0));
        assert_eq!(count_in_chunks(" [ \n ] ", 3), Ok(0));
        assert!(count_in_chunks("", 1).is_err());
        assert!(count_in_chunks("{\"a\":1}", 1).is_err());
        assert!(count_in_chunks("[1, 2", 2).is_err());
        assert!(count_in_chunks("[\"abc", 2).is_err());
        assert!(count_in_chunks("[1] 2", 2).is_err());
    }

    #[test]
    fn matches_serde_on_a_pretty_export() {
        let rows: Vec<serde_json::Value> = (0..500)
            .map(|i| serde_json::json!({"Message": format!("m{i}, [x]"), "Payload": {"a": [i]}}))
            .collect();
        let text = serde_json::to_string_pretty(&rows).unwrap();
        for chunk in [1, 7, 64, 4096] {
            assert_eq!(count_in_chunks(&text, chunk), Ok(500));
        }
    }
}
