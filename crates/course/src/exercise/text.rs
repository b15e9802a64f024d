//! Grading short free-text answers to a multiple-choice question.
//!
//! [`read`] turns a learner's text into a [`Reading`]: an explicit letter in any wrapping
//! (`"B"`, `"(b)"`, `"Answer: B"`, `"option b"`, `"答案是B"`), or a sentence that says (or denies)
//! what one of the [`Choice`]s says, found by its phrases. Negation counts: "the gradient does not
//! explode" denies A, it does not say A. Phrases may be in any language; negation is recognised in
//! English, German, French and Chinese (`not`, `no`, `doesn't`, `nicht`, `kein`, `ne … pas`, `不`,
//! `没`).
//!
//! Why multiple choice with an optional sentence, rather than free text alone: a letter is
//! graded without doubt and lets the feedback address the exact misconception each wrong option
//! stands for; the sentence lets a learner answer in their own words (and language) and still be
//! understood most of the time. When it is not, the check says "could not grade" — neutral, with
//! no ✗ — instead of guessing, because a wrong ✗ on a right idea teaches the wrong lesson.

/// One option of a multiple-choice question and the phrases that express it.
///
/// A phrase matches at the start of a word (so a stem like `vanish` also matches "vanishing");
/// a phrase ending in `$` must also end a word (`0$` matches "0" but not "0.5" or "10").
#[derive(Debug, Clone, Copy)]
pub struct Choice {
    /// The option's letter (upper case), or a pseudo-letter for a statement that is not an
    /// option (e.g. `'0'` for "there is no problem").
    pub letter: char,
    /// Lower-case phrases, in any language.
    pub phrases: &'static [&'static str],
}

/// What a free-text answer amounts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// An explicit letter (upper case), in any wrapping.
    Letter(char),
    /// A sentence that says what this choice says.
    Says(char),
    /// A sentence that only denies what these choices say ("it does not explode").
    Denies(Vec<char>),
    /// Several different letters or choices at once.
    Ambiguous(Vec<char>),
    /// Nothing the grader recognises.
    Unreadable,
}

const NEGATORS: &[&str] = &[
    "not", "no", "never", "without", "neither", "nor", "cannot", "nicht", "kein", "keine", "keinen", "nie", "ne", "pas",
    "jamais", "sans", "non",
];
/// Negators that follow the verb (German, French): looked for after a phrase too.
const AFTER_NEGATORS: &[&str] = &["nicht", "pas", "jamais"];
const CJK_NEGATORS: &[char] = &['不', '没', '非', '未', '無', '无'];
const MARKERS: &[&str] = &[
    "answer", "option", "choice", "letter", "pick", "choose", "antwort", "réponse", "reponse", "选项", "答案", "选",
];

fn normalise(text: &str) -> String {
    let t: String = text
        .chars()
        .map(|c| match c {
            '’' | '‘' | '`' | '´' => '\'',
            '“' | '”' | '«' | '»' | '„' => '"',
            '（' => '(',
            '）' => ')',
            '：' => ':',
            '，' => ',',
            '。' => '.',
            c => c,
        })
        .collect::<String>()
        .to_lowercase();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\''
}

/// The explicit letters in `t` (normalised), in order.
fn letters(t: &str) -> Vec<char> {
    let stripped = t.trim_matches(|c: char| !c.is_alphanumeric());
    let mut found = Vec::new();
    // The whole answer is one letter: "B", "(b)", "'b'.".
    if stripped.chars().count() == 1 {
        let c = stripped.chars().next().unwrap_or(' ');
        if c.is_ascii_alphabetic() {
            return vec![c.to_ascii_uppercase()];
        }
    }
    let chars: Vec<char> = t.chars().collect();
    let lone = |k: usize| -> Option<char> {
        let c = *chars.get(k)?;
        let before_ok = k == 0 || !chars[k - 1].is_ascii_alphanumeric();
        let after_ok = chars.get(k + 1).is_none_or(|n| !n.is_ascii_alphanumeric() && *n != '\'');
        (c.is_ascii_alphabetic() && before_ok && after_ok).then(|| c.to_ascii_uppercase())
    };
    // "(b)", "[b]" anywhere.
    for k in 1..chars.len().saturating_sub(1) {
        if matches!(chars[k - 1], '(' | '[') && matches!(chars[k + 1], ')' | ']') {
            if let Some(c) = lone(k) {
                found.push(c);
            }
        }
    }
    // A lone b, c or d anywhere ("B) …", "B because …", "maybe c"); a lone "a" only where it
    // cannot be the article: before punctuation or the end ("A.", "A)"), or next to "or"/"and".
    let words: Vec<&str> = t.split(|c: char| c.is_whitespace()).collect();
    let mut offset = 0;
    for (w, word) in words.iter().enumerate() {
        let start = t[offset..].find(word).map_or(offset, |p| offset + p);
        offset = start + word.len();
        let k = t[..start].chars().count();
        let Some(c) = word.trim_start_matches(['(', '[', '"', '\'']).chars().next() else { continue };
        let k = k + word.chars().take_while(|ch| matches!(ch, '(' | '[' | '"' | '\'')).count();
        if lone(k) != Some(c.to_ascii_uppercase()) || !('a'..='d').contains(&c) {
            continue;
        }
        // "d.h.", "b.c.": an abbreviation, not a letter.
        let abbreviation = chars.get(k + 1) == Some(&'.') && chars.get(k + 2).is_some_and(|n| n.is_alphabetic());
        if abbreviation {
            continue;
        }
        let rest_of_word = &word[word.find(c).map_or(0, |p| p + 1)..];
        let joined = |x: Option<&&str>| x.is_some_and(|x| matches!(*x, "or" | "and" | "oder" | "ou" | "/" | "und" | "et"));
        let is_letter = c != 'a'
            || !rest_of_word.is_empty()
            || w + 1 == words.len()
            || joined(words.get(w + 1))
            || (w > 0 && joined(words.get(w - 1)));
        if is_letter {
            found.push(c.to_ascii_uppercase());
        }
    }
    // "answer: b", "option B", "the answer is b", "答案是B".
    for marker in MARKERS {
        let mut from = 0;
        while let Some(pos) = t[from..].find(marker) {
            let start = from + pos;
            from = start + marker.len();
            let mut rest = &t[from..];
            if marker.is_ascii() {
                // Skip the rest of the marker word ("answers", "options").
                rest = rest.trim_start_matches(|c: char| c.is_ascii_alphabetic());
            }
            for filler in [":", " ", "=", "\"", "'", "(", "is ", "est ", "ist ", "was ", "是", "-", "would be ", "i ", "think "] {
                rest = rest.trim_start_matches(filler);
            }
            let rest = rest.trim_start_matches([' ', ':', '"', '\'', '(', '是']);
            let mut it = rest.chars();
            if let Some(c) = it.next() {
                let after = it.next();
                if c.is_ascii_alphabetic() && after.is_none_or(|n| !n.is_ascii_alphanumeric()) {
                    found.push(c.to_ascii_uppercase());
                }
            }
        }
    }
    found
}

/// Whether the occurrence of a phrase at byte `start..end` of `t` is negated.
fn negated(t: &str, start: usize, end: usize) -> bool {
    let before = &t[..start];
    // Chinese: a negator just before the phrase ("不会消失", "没有").
    if before.chars().rev().take(2).any(|c| CJK_NEGATORS.contains(&c)) {
        return true;
    }
    // French elision: "n'explose".
    if before.ends_with("n'") {
        return true;
    }
    let clause_before = before.rsplit([',', '.', ';', '!', '?', ':']).next().unwrap_or("");
    let words: Vec<&str> = clause_before.split(|c: char| !is_word_char(c)).filter(|w| !w.is_empty()).collect();
    if words.iter().rev().take(3).any(|w| NEGATORS.contains(w) || w.ends_with("n't")) {
        return true;
    }
    let clause_after = t[end..].split([',', '.', ';', '!', '?', ':']).next().unwrap_or("");
    clause_after
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .take(3)
        .any(|w| AFTER_NEGATORS.contains(&w))
}

/// Every (letter, negated) for the phrases of `choices` found in `t`.
fn concepts(t: &str, choices: &[Choice]) -> Vec<(char, bool)> {
    let mut out = Vec::new();
    for choice in choices {
        for phrase in choice.phrases {
            let (phrase, whole) = match phrase.strip_suffix('$') {
                Some(p) => (p, true),
                None => (*phrase, false),
            };
            let mut from = 0;
            while let Some(pos) = t[from..].find(phrase) {
                let start = from + pos;
                let end = start + phrase.len();
                from = end;
                let first_ascii = phrase.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
                if first_ascii && t[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric()) {
                    continue;
                }
                let next = t[end..].chars().next();
                if whole && next.is_some_and(|c| c.is_alphanumeric() || c == '.' && t[end + 1..].starts_with(|d: char| d.is_ascii_digit())) {
                    continue;
                }
                out.push((choice.letter, negated(t, start, end)));
            }
        }
    }
    out
}

/// What `text` amounts to, given the options' phrases. An explicit letter wins over phrases.
///
/// ```
/// use course::exercise::text::{read, Choice, Reading};
/// const CHOICES: &[Choice] = &[
///     Choice { letter: 'A', phrases: &["explod"] },
///     Choice { letter: 'B', phrases: &["vanish", "close to zero"] },
/// ];
/// assert_eq!(read("Answer: b", CHOICES), Reading::Letter('B'));
/// assert_eq!(read("it gets close to zero", CHOICES), Reading::Says('B'));
/// assert_eq!(read("the gradient does not explode", CHOICES), Reading::Denies(vec!['A']));
/// assert_eq!(read("no idea", CHOICES), Reading::Unreadable);
/// ```
pub fn read(text: &str, choices: &[Choice]) -> Reading {
    let t = normalise(text);
    let mut explicit = letters(&t);
    explicit.dedup();
    let mut distinct: Vec<char> = Vec::new();
    for c in explicit {
        if !distinct.contains(&c) {
            distinct.push(c);
        }
    }
    match distinct.as_slice() {
        [one] => return Reading::Letter(*one),
        [_, _, ..] => return Reading::Ambiguous(distinct),
        [] => {}
    }
    let found = concepts(&t, choices);
    let mut says: Vec<char> = Vec::new();
    let mut denies: Vec<char> = Vec::new();
    for (letter, neg) in found {
        let list = if neg { &mut denies } else { &mut says };
        if !list.contains(&letter) {
            list.push(letter);
        }
    }
    match says.as_slice() {
        [one] => Reading::Says(*one),
        [_, _, ..] => Reading::Ambiguous(says),
        [] if !denies.is_empty() => Reading::Denies(denies),
        [] => Reading::Unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHOICES: &[Choice] = &[
        Choice { letter: 'A', phrases: &["explod", "big"] },
        Choice { letter: 'B', phrases: &["vanish", "small", "zero$", "0$", "消失", "verschwind", "dispara"] },
    ];

    #[test]
    fn letters_in_any_wrapping() {
        for t in ["B", "b", " (b) ", "B)", "'B'", "Answer: B", "answer: b", "option b", "Option B.", "The answer is B",
            "(B) because it vanishes", "B because", "答案是B", "选B", "[b]", "B - it vanishes"] {
            assert_eq!(read(t, CHOICES), Reading::Letter('B'), "{t:?}");
        }
        assert_eq!(read("A gradient that vanishes", CHOICES), Reading::Says('B'));
        assert_eq!(read("A or B", CHOICES), Reading::Ambiguous(vec!['A', 'B']));
    }

    #[test]
    fn negation_is_read() {
        assert_eq!(read("the gradient does not explode", CHOICES), Reading::Denies(vec!['A']));
        assert_eq!(read("it doesn't explode, it vanishes", CHOICES), Reading::Says('B'));
        assert_eq!(read("not small", CHOICES), Reading::Denies(vec!['B']));
        assert_eq!(read("der Gradient verschwindet nicht", CHOICES), Reading::Denies(vec!['B']));
        assert_eq!(read("le gradient ne disparaît pas", CHOICES), Reading::Denies(vec!['B']));
        assert_eq!(read("梯度不会消失", CHOICES), Reading::Denies(vec!['B']));
        assert_eq!(read("梯度消失", CHOICES), Reading::Says('B'));
        assert_eq!(read("σ'(10) is 10 times 0.5", CHOICES), Reading::Unreadable);
    }
}
