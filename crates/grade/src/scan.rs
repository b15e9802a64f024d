//! What a submission's code says before it runs: evcxr commands the grader refuses, and use of
//! the course's reference solutions.
//!
//! This reads source text, so it is a screen, not a proof: it strips comments and string
//! literals and looks at what is left. Identifiers cannot be built at run time in Rust without
//! a procedural macro, and the grader refuses `:dep` (the only way to load one), so a path to
//! the solutions module has to be written out.

/// evcxr commands a graded cell may contain: they only print. Every other command (`:dep`,
/// which could load a crate named `course`; `:offline`, `:load`, `:env`, `:clear`, …) changes
/// what the grader's check would run against.
const HARMLESS_COMMANDS: &[&str] = &["vars", "type", "t", "help", "version", "timing", "explain"];

/// The first evcxr command in `source` that the grader refuses, as written (`:dep foo = "1"`).
pub fn refused_command(source: &str) -> Option<String> {
    source.lines().map(str::trim_start).find_map(|line| {
        let rest = line.strip_prefix(':')?;
        // `::std::…` is a path, not a command.
        let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
        if name.is_empty() || HARMLESS_COMMANDS.contains(&name.as_str()) {
            None
        } else {
            Some(line.trim_end().to_string())
        }
    })
}

/// Whether `source` names the module `solutions` in a path (`solutions::answer_1`,
/// `nb03::solutions`) or imports it (`use course::nb03::{solutions as s}`).
pub fn uses_solutions(source: &str) -> bool {
    let code = strip_comments_and_strings(source);
    let bytes = code.as_bytes();
    let is_ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut from = 0;
    while let Some(found) = code[from..].find("solutions") {
        let start = from + found;
        let end = start + "solutions".len();
        from = end;
        let whole_word = (start == 0 || !is_ident(bytes[start - 1])) && (end == bytes.len() || !is_ident(bytes[end]));
        if !whole_word {
            continue;
        }
        let before = code[..start].trim_end();
        let after = code[end..].trim_start();
        if before.ends_with("::") || after.starts_with("::") || in_use_item(&code[..start]) {
            return true;
        }
    }
    false
}

/// Whether the text before a word ends inside a `use` item (no `;` since the last `use`).
fn in_use_item(before: &str) -> bool {
    let tail = before.rsplit(';').next().unwrap_or(before);
    tail.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|w| w == "use")
}

/// `source` with `//` and (nested) `/* */` comments and string literals (plain, byte and raw)
/// replaced by spaces. Character literals are kept: they cannot hold a word.
fn strip_comments_and_strings(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            out.push(' ');
        } else if let Some(hashes) = raw_string_start(&chars, i) {
            // r"…", r#"…"#, br#"…"#: ends at a quote followed by the same number of #.
            i += chars[i..].iter().position(|&c| c == '"').unwrap_or(0) + 1;
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && chars[i + 1..].iter().take(hashes).filter(|&&c| c == '#').count() == hashes {
                    i += 1 + hashes;
                    break;
                }
                i += 1;
            }
            out.push(' ');
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            out.push(' ');
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// If a raw string literal starts at `i` (`r"`, `r#"`, `br##"`…), its number of `#`.
fn raw_string_start(chars: &[char], i: usize) -> Option<usize> {
    let prev_is_ident = i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
    if prev_is_ident {
        return None;
    }
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = chars[j..].iter().take_while(|&&c| c == '#').count();
    (chars.get(j + hashes) == Some(&'"')).then_some(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_solutions_module_in_paths_and_imports() {
        for src in [
            "let a = course::nb03::solutions::answer_1()?;",
            "let a = solutions::answer_1()?;",
            "use course::nb03::solutions;",
            "use course::nb03::{solutions as s};\nlet a = s::answer_1()?;",
            "use course::nb03::{\n  solutions\n};",
            "let a = course::nb03:: solutions :: answer_2();",
        ] {
            assert!(uses_solutions(src), "{src}");
        }
    }

    #[test]
    fn ignores_the_word_elsewhere() {
        for src in [
            "let solutions = vec![1, 2];",
            "// see course::nb03::solutions for the answers",
            "/* solutions::answer_1() /* nested */ */ let a = 1;",
            "println!(\"course::nb03::solutions::answer_1\");",
            "let s = r#\"solutions::x\"#;",
            "let my_solutions_count = 3;",
            "let x = solution(1);",
        ] {
            assert!(!uses_solutions(src), "{src}");
        }
    }

    #[test]
    fn refuses_commands_that_change_what_the_check_runs_against() {
        assert_eq!(refused_command(":dep course = { path = \"/tmp/x\" }\nlet a = 1;").as_deref(), Some(":dep course = { path = \"/tmp/x\" }"));
        assert_eq!(refused_command("let a = 1;\n  :offline 0").as_deref(), Some(":offline 0"));
        assert!(refused_command(":vars\n:type answer_1").is_none());
        assert!(refused_command("::std::println!(\"hi\");").is_none());
        assert!(refused_command("let a = 1; // :dep in a comment is not at a line start").is_none());
    }
}
