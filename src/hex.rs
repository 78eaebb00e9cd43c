//! Hex text of ids (object, actor, node, job, placement group ids), as Ray prints them.
//! A leaf module, so that values, JSON and cluster information need not depend on the
//! object store's module to print an id.

/// Lower-case hex of `b`, two digits a byte.
pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
