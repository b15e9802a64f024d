//! course (skeleton; being written)
