//! ECS apply against a local moto server (being written).
