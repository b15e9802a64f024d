//! nbrun (skeleton; being written)
