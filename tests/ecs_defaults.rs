//! ECS default provisioners end to end (being written).
