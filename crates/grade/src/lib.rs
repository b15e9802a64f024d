//! # grade — a class's notebooks into a gradebook
//!
//! `grade --release notebooks/03_jacobian_backprop.ipynb submitted/*.ipynb --out gradebook.csv`
//! runs each submission on the course kernel and writes, per learner and exercise, the state
//! (not attempted, incorrect, correct, error in code, could not grade), the diagnosis the learner
//! saw, and the time taken; a JSON file with the same data and per-learner figures; and a
//! summary per exercise.
//!
//! How a submission is graded ([`submission`], [`verdict`]):
//! - the exercises and their checks come from the *released* notebook's cell metadata
//!   ([`assignment`]), never from the submission;
//! - the learner's cells run as they are, their saved outputs dropped; after each exercise cell
//!   the grader inserts a cell of its own that calls the check by its full path and prints one
//!   record line starting with a nonce made for that cell; only that line is read, so a printed
//!   "✓ correct!", a redefined `check_exercise_1` or a missing check line change nothing;
//! - evcxr commands that could change what the check runs against (`:dep`, …) are refused, and a
//!   notebook that names the reference `solutions` gets "could not grade" instead of "correct".
//!
//! Where it runs ([`sandbox`], [`cgroup`]): each submission in bubblewrap, in a network
//! namespace of its own, with a private writable folder, read-only access to the course's build
//! and toolchain and nothing else, and a cgroup that limits memory and processes. N submissions
//! run at once (default: the number of cores) in worker processes ([`worker`]).
#![deny(missing_docs)]

pub mod assignment;
pub mod cgroup;
pub mod class;
pub mod gradebook;
pub mod sandbox;
pub mod scan;
pub mod submission;
pub mod verdict;
pub mod worker;

pub use class::{grade_class, Options};

/// What can stop grading as a whole (a single submission's trouble is a gradebook row instead).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The released notebook cannot serve as the assignment.
    #[error("the released notebook {path} cannot be used: {why}")]
    Assignment {
        /// The released notebook.
        path: std::path::PathBuf,
        /// Why.
        why: String,
    },
    /// Something the grader needs is not installed or set up.
    #[error("{0}")]
    Setup(String),
    /// Contradictory or impossible options.
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{0}")]
    Io(String),
    /// SIGINT or SIGTERM: the running submissions were stopped and their sandboxes removed.
    #[error("interrupted: running submissions were stopped and cleaned up; no gradebook was written")]
    Interrupted,
}
