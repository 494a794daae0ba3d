//! crypto (work in progress).
