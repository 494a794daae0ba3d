//! files (work in progress).
