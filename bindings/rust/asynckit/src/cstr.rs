//! Text across the C edge: Rust strings out as NUL-terminated C strings, C strings back in.
use std::ffi::{c_char, CStr, CString};

/// `text` as a C string, with interior NULs replaced.
pub(crate) fn c_message(text: &str) -> CString {
    CString::new(text.replace('\0', "\u{FFFD}")).expect("no NUL left")
}

/// Copies a C string (NULL reads as "").
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string valid for the call.
pub(crate) unsafe fn cstr_lossy(p: *const c_char) -> String {
    if p.is_null() {
        String::new()
    } else {
        // SAFETY: the caller promises a valid NUL-terminated string.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_null_c_string_reads_as_empty() {
        // SAFETY: NULL is allowed; the literal is NUL-terminated static storage.
        unsafe {
            assert_eq!(cstr_lossy(std::ptr::null()), "");
            assert_eq!(cstr_lossy(c"caf\xc3\xa9 \xff".as_ptr()), "café \u{FFFD}");
        }
    }
}
