//! placeholder: the ecs backend (being written).
