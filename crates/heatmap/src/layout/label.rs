//! Text and its anchor point: what the layout decides about every title, name and tick.

/// Where a text's anchor point is, along the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Start,
    Middle,
    End,
}

/// Where a text's anchor point is, across the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Across {
    /// The anchor is the top of the capitals.
    Top,
    /// The anchor is halfway up the capitals (digits and capitals look centred on it).
    Centre,
    /// The anchor is a little below the baseline, under the descenders.
    Bottom,
}

/// A piece of text and its anchor point.
#[derive(Clone, Debug)]
pub(crate) struct Label {
    pub text: String,
    pub x: i32,
    pub y: i32,
    pub size: f64,
    pub align: Align,
    pub across: Across,
    /// Turned a quarter anticlockwise (reads bottom to top).
    pub rotated: bool,
}

impl Label {
    pub fn new(text: impl Into<String>, (x, y): (i32, i32), size: f64, align: Align) -> Label {
        Label {
            text: text.into(),
            x,
            y,
            size,
            align,
            across: Across::Centre,
            rotated: false,
        }
    }

    pub fn across(mut self, across: Across) -> Label {
        self.across = across;
        self
    }

    pub fn rotated(mut self) -> Label {
        self.rotated = true;
        self
    }
}
