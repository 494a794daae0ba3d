//! daemon (work in progress).
