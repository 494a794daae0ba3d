//! http (work in progress).
