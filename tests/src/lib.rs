//! Workspace-level tests live in tests/*.rs.
