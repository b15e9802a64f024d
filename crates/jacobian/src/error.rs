//! The crate's single error type.
/// Errors from every function in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An error from candle itself, passed through.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
