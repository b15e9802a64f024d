//! The names of earlier versions, kept so existing code keeps working: the exercise system is in
//! [`crate::exercise`], notebook 03's exercises in [`crate::nb03`].

pub use crate::exercise::*;
pub use crate::nb03::{
    check_exercise_1, check_exercise_2, check_exercise_3, check_exercise_4, hint, solution, solutions, TOLERANCE_1,
    TOLERANCE_3, TOLERANCE_4,
};
