//! jacobian (skeleton; being written). See issue 2.
pub mod error;
pub mod rng;

pub use error::{Error, Result};
