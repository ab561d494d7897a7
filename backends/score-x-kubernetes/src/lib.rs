//! placeholder: the kubernetes backend (being written).
