//! The exercise checkers, without a kernel: every case of `exercises_common` (at least 25
//! realistic wrong answers per exercise, each with its specific diagnosis), the reference
//! solutions, the scaffolds, hints and solutions, and the rich display.

mod exercises_common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use course::display::Show;
use course::exercise::{Status, Unanswered};
use course::nb03::{self, solutions};
use course::prelude::*;
use exercises_common::{cases, status_in_text};

#[test]
fn every_case_gets_its_status_and_specific_diagnosis() {
    let mut failures = Vec::new();
    for case in cases() {
        let fb = match (case.run)() {
            Ok(fb) => fb,
            Err(e) => {
                failures.push(format!("{}: the case's code failed: {e}", case.name));
                continue;
            }
        };
        let text = fb.to_text();
        if fb.exercise != case.exercise {
            failures.push(format!("{}: reported as exercise {}", case.name, fb.exercise));
        }
        if fb.status != case.status {
            failures.push(format!("{}: status {:?}, expected {:?}\n{text}", case.name, fb.status, case.status));
        }
        if status_in_text(&text) != Some(case.status) {
            failures.push(format!("{}: the headline does not say {:?}\n{text}", case.name, case.status));
        }
        for fragment in case.expect {
            if !text.contains(fragment) {
                failures.push(format!("{}: missing {fragment:?} in\n{text}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{} problem(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn at_least_25_wrong_answers_per_exercise_with_distinct_diagnoses() {
    let mut wrong: BTreeMap<u8, usize> = BTreeMap::new();
    let mut diagnoses: BTreeMap<u8, BTreeSet<String>> = BTreeMap::new();
    for case in cases().iter().filter(|c| matches!(c.status, Status::Incorrect | Status::CodeError | Status::Ungraded)) {
        let fb = (case.run)().unwrap();
        *wrong.entry(case.exercise).or_default() += 1;
        // The diagnosis is the message, not the generic headline.
        diagnoses.entry(case.exercise).or_default().insert(fb.message.clone());
    }
    let total: usize = wrong.values().sum();
    println!("wrong answers per exercise: {wrong:?} ({total} in all)");
    for n in 1..=4 {
        let w = wrong.get(&n).copied().unwrap_or(0);
        assert!(w >= 25, "exercise {n}: only {w} wrong answers");
        let d = diagnoses.get(&n).map_or(0, BTreeSet::len);
        assert!(d >= 15, "exercise {n}: only {d} distinct diagnoses");
    }
    assert!(total >= 100, "{total} wrong answers in all");
    // The mistakes the issue names explicitly.
    let names: Vec<&str> = cases().iter().map(|c| c.name).collect();
    for kind in [
        "swapped", "transposed", "wrong-point", "sign", "only-some-dead", "inputs-by-outputs", "e-is-3", "power-of-ten",
        "factor-of-ten", "swap-and-sign", "relu-jacobian-alone", "changed-bias", "sigma-of-minus-10", "not-small",
        "no-problem", "does-not-explode", "boundary", "nan", "f32", "tensor",
    ] {
        assert!(names.iter().any(|n| n.contains(kind)), "no case for {kind}");
    }
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(unique.len(), names.len(), "case names must be unique (they are cell ids)");
}

#[test]
fn every_exercise_has_right_answers_in_several_forms() {
    for n in 1..=4 {
        let right = cases().iter().filter(|c| c.exercise == n && c.status == Status::Correct).count();
        assert!(right >= 5, "exercise {n}: only {right} right answers");
    }
}

#[test]
fn a_neutral_verdict_never_shows_a_cross() {
    let ungraded: Vec<_> = cases().into_iter().filter(|c| c.status == Status::Ungraded).collect();
    assert!(ungraded.len() >= 3);
    for case in ungraded {
        let fb = (case.run)().unwrap();
        assert!(!fb.to_text().contains('✗') && !fb.to_html().contains('✗'), "{}: {fb}", case.name);
        assert!(fb.to_text().contains("could not grade"), "{fb}");
    }
}

#[test]
fn the_reference_solutions_are_marked_correct() {
    let one = solutions::answer_1().unwrap();
    assert_eq!(check_exercise_1(Some(one)).status, Status::Correct);
    let two = solutions::answer_2().unwrap();
    assert_eq!(two, (1, 3));
    assert_eq!(check_exercise_2(Some(two)).status, Status::Correct);
    let (w, b) = (matrix(&solutions::W_3).unwrap(), tensor(&solutions::B_3).unwrap());
    let three = solutions::answer_3().unwrap();
    let fb = check_exercise_3(&w, &b, Some(solutions::X_3), Some(three));
    assert_eq!(fb.status, Status::Correct, "{fb}");
    let four = solutions::answer_4().unwrap();
    assert!((four - 4.5395807735951673e-05).abs() < 1e-15, "{four:e}");
    let fb = check_exercise_4(four, solutions::WHY_4);
    assert_eq!(fb.status, Status::Correct, "{fb}");
    for n in 1..=4 {
        let code = solutions::cell_source(n).unwrap();
        assert!(code.contains(&format!("check_exercise_{n}(")), "{code}");
    }
    assert!(solutions::cell_source(5).is_none());
}

#[test]
fn untouched_scaffolds_are_not_attempted() {
    let w = matrix(&solutions::W_3).unwrap();
    let b = tensor(&solutions::B_3).unwrap();
    let all = [
        check_exercise_1(Unanswered),
        check_exercise_2(None::<(usize, usize)>),
        check_exercise_3(&w, &b, Unanswered, Unanswered),
        check_exercise_4(Unanswered, Unanswered),
    ];
    // The scaffolds of earlier versions still read as not attempted.
    assert_eq!(check_exercise_1(None::<[[f64; 2]; 3]>).status, Status::NotAttempted);
    assert_eq!(check_exercise_4(None::<f64>, "").status, Status::NotAttempted);
    for (k, fb) in all.iter().enumerate() {
        assert_eq!(fb.status, Status::NotAttempted);
        assert_eq!(usize::from(fb.exercise), k + 1);
        let text = fb.to_text().to_lowercase();
        assert!(text.contains("not attempted"), "{text}");
        assert!(!text.contains("correct"), "a friendly prompt, not a verdict: {text}");
        assert!(text.contains(&format!("hint({})", k + 1)), "{text}");
    }
}

#[test]
fn the_browser_test_answer_reads_correct() {
    // tests/e2e types exactly this into the ex2 cell and looks for "correct", not "incorrect".
    let text = check_exercise_2(Some((1, 3))).to_text().to_lowercase();
    assert!(text.contains("correct") && !text.contains("incorrect"), "{text}");
    assert!(!text.contains("not attempted"), "{text}");
}

fn notebook() -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../notebooks/03_jacobian_backprop.ipynb");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn cell_source(nb: &serde_json::Value, id: &str) -> String {
    let cell = nb["cells"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no cell {id}"));
    match &cell["source"] {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(lines) => lines.iter().map(|l| l.as_str().unwrap()).collect(),
        other => panic!("source of {id}: {other}"),
    }
}

#[test]
fn the_notebook_scaffolds_call_the_checks_on_untouched_answers() {
    let nb = notebook();
    let calls = [
        "check_exercise_1(&answer_1)",
        "check_exercise_2(&answer_2)",
        "check_exercise_3(&w3, &b3, &x3, &jacobian_3)",
        "check_exercise_4(&sigmoid_jacobian_at_10, &why_4)",
    ];
    for (n, call) in (1..=4).zip(calls) {
        let id = format!("ex{n}");
        let src = cell_source(&nb, &id);
        assert!(src.trim_end().ends_with(call), "{id} must end with {call}:\n{src}");
        let cell = nb["cells"].as_array().unwrap().iter().find(|c| c["id"] == id.as_str()).unwrap();
        assert_eq!(cell["outputs"], serde_json::json!([]), "{id} is committed without outputs");
    }
    // Matrix, vector, number and text answers start untyped, so any shape compiles.
    assert!(cell_source(&nb, "ex1").contains("let answer_1 = Unanswered;"));
    assert!(cell_source(&nb, "ex3").contains("let x3 = Unanswered;"));
    assert!(cell_source(&nb, "ex3").contains("let jacobian_3 = Unanswered;"));
    assert!(cell_source(&nb, "ex4").contains("let sigmoid_jacobian_at_10 = Unanswered;"));
    assert!(cell_source(&nb, "ex4").contains("let why_4 = Unanswered;"));
    // tests/e2e types over exactly this line.
    assert!(cell_source(&nb, "ex2").contains("let answer_2: Option<(usize, usize)> = None;"));
    let md = cell_source(&nb, "exercises-md");
    for word in ["hint(1)", "solution(1)", "not attempted", "error in your code", "could not grade"] {
        assert!(md.contains(word), "exercises-md should mention {word}");
    }
    // The solutions are not in the learner's notebook.
    let all: String = (1..=4).map(|n| cell_source(&nb, &format!("ex{n}"))).collect();
    assert!(!all.contains("[-1.0, -3.0]") && !all.contains("Some((1, 3))"), "{all}");
}

#[test]
fn hints_reveal_progressively_more_then_point_to_the_solution() {
    // Only this test uses exercise 1's hint counter (an environment variable of the process).
    let first = hint(1);
    assert_eq!(first.lines.len(), 1);
    assert!(first.title.starts_with("Hint 1 of 3"), "{}", first.title);
    assert!(first.footer.contains("again"), "{}", first.footer);
    let second = hint(1);
    assert_eq!(second.lines.len(), 2);
    assert_eq!(second.lines[0], first.lines[0], "earlier hints stay visible");
    let third = hint(1);
    assert_eq!(third.lines.len(), 3);
    assert!(third.footer.contains("solution(1)"), "{}", third.footer);
    assert_eq!(hint(1).lines.len(), 3, "no more than all of them");
    assert_eq!(nb03::EXERCISE_3.hints_up_to(2).lines.len(), 2);
    assert!(hint(9).title.contains("no exercise 9"));
    let text = hint(1).to_text();
    assert!(text.contains("1. A Jacobian has one row per output"), "{text}");
}

#[test]
fn hints_never_give_the_answer_away_before_the_last() {
    for ex in nb03::NOTEBOOK.exercises {
        assert!(ex.hints.len() >= 2, "exercise {}: a nudge and a method at least", ex.number);
        assert!(!ex.reveals.is_empty());
        for (k, h) in ex.hints[..ex.hints.len() - 1].iter().enumerate() {
            for word in ex.reveals {
                assert!(!h.contains(word), "exercise {} hint {} gives away {word:?}: {h}", ex.number, k + 1);
            }
        }
        // The not-attempted prompt gives nothing away either.
        let prompt = ex.not_attempted().to_text();
        for word in ex.reveals {
            assert!(!prompt.contains(word), "exercise {}: {prompt}", ex.number);
        }
        // Each exercise's reveal words really are in its solution (so the list means something).
        let solution = format!("{}\n{}\n{}", ex.explanation, ex.solution, ex.hints.last().unwrap());
        assert!(ex.reveals.iter().any(|w| solution.contains(w)), "exercise {}: {:?}", ex.number, ex.reveals);
    }
}

#[test]
fn solutions_fold_both_code_and_explanation() {
    for n in 1..=4u8 {
        let s = solution(n);
        assert_eq!(s.code.as_deref(), solutions::cell_source(n));
        let html = s.to_html();
        let (before, folded) = html.split_once("<details").expect("folded");
        assert!(folded.contains("<summary>Show the solution</summary>"), "{html}");
        let ex = nb03::NOTEBOOK.get(n).unwrap();
        for word in ex.reveals {
            assert!(!before.contains(&course::display::escape_html(word)), "exercise {n}: {word:?} shows unfolded");
        }
        assert!(folded.contains(&course::display::markup(ex.explanation)), "the explanation is folded too");
        assert!(s.to_text().contains(&format!("check_exercise_{n}(")));
    }
    assert!(solution(0).title.contains("no exercise 0"));
}

#[test]
fn feedback_renders_html_with_a_heatmap_and_a_text_fallback() {
    let e = std::f64::consts::E;
    let fb = check_exercise_1(Some([[2.0, 1.0], [2.0, 1.0], [e * e, 0.0]]));
    let blocks = fb.evcxr_blocks();
    assert!(blocks.starts_with("EVCXR_BEGIN_CONTENT text/html\n"), "{blocks}");
    assert!(blocks.contains("EVCXR_END_CONTENT\nEVCXR_BEGIN_CONTENT text/plain\n✗ Exercise 1: incorrect\n"), "{blocks}");
    assert!(blocks.ends_with("EVCXR_END_CONTENT\n"));
    let html = fb.to_html();
    assert!(html.contains("✗ Exercise 1: incorrect"), "{html}");
    assert!(html.contains("<img src=\"data:image/svg+xml;base64,"), "the heatmap is an <img>");
    assert!(!html.contains("<svg"), "no inline SVG: JupyterLab's sanitizer strips it");
    assert_eq!(html.matches("<div").count(), html.matches("</div>").count());
    let figure = fb.figure.as_ref().unwrap();
    assert_eq!(figure.len(), 2, "your answer + where it differs");
    let svg = figure.to_svg().unwrap();
    assert!(svg.contains("where your answer differs"), "the heatmap has its title");
    assert!(svg.contains("1 = differs, 0 = matches"), "the map's scale runs from 0 to 1");
    let text = fb.to_text();
    assert!(text.contains("where your answer differs (✗):"), "{text}");
    assert!(text.contains("f3   ✗   ✓"), "{text}");

    let ok = check_exercise_1(Some(solutions::answer_1().unwrap()));
    assert!(ok.to_html().contains("✓ Exercise 1: correct!"));
    assert_eq!(ok.figure.as_ref().unwrap().len(), 1, "a right answer has nothing to mark");

    let dead = check_exercise_3(
        &matrix(&solutions::W_3).unwrap(),
        &tensor(&solutions::B_3).unwrap(),
        [-1.0, -1.0],
        [[0.0; 2]; 3],
    );
    assert!(dead.to_html().contains("data:image/svg+xml;base64,"));
    assert!(dead.to_text().contains("z = W x + b = (-2.5, -2.5, 1) at x = (-1, -1): alive: neuron 3"), "{dead}");
}

#[test]
fn checks_are_fast() {
    let started = std::time::Instant::now();
    let n = 3;
    for _ in 0..n {
        for case in cases() {
            let _ = (case.run)().unwrap().evcxr_blocks();
        }
    }
    let per_check = started.elapsed() / (n * cases().len() as u32);
    println!("one check + rendering: {per_check:?}");
    assert!(per_check.as_millis() < 250, "{per_check:?} per check");
}

/// `cargo test -p course --test exercises -- --ignored --nocapture print_every_feedback` prints
/// what each case shows, for proofreading.
#[test]
#[ignore]
fn print_every_feedback() {
    for case in cases() {
        let fb = (case.run)().unwrap();
        println!("=== {} ===\n{}\n", case.name, fb.to_text());
    }
    for n in 1..=4 {
        println!("=== not attempted {n} ===\n{}\n", nb03::NOTEBOOK.get(n).unwrap().not_attempted());
        println!("=== hints {n} ===\n{}\n", nb03::NOTEBOOK.get(n).unwrap().hints_up_to(3));
        println!("=== solution {n} ===\n{}\n", solution(n));
    }
}

/// Writes the HTML of a few feedbacks to `target/tmp/exercises-preview.html`, for a look in a browser.
#[test]
#[ignore]
fn write_html_preview() {
    let mut html = String::from("<html><body style=\"font-family:sans-serif;max-width:900px\">");
    for case in cases() {
        html.push_str(&format!("<h4>{}</h4>", case.name));
        html.push_str(&(case.run)().unwrap().to_html());
    }
    html.push_str(&nb03::EXERCISE_3.hints_up_to(2).to_html());
    html.push_str(&solution(3).to_html());
    html.push_str("</body></html>");
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exercises-preview.html");
    std::fs::write(&path, html).unwrap();
    println!("{}", path.display());
}

fn readme() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../README.md")).unwrap()
}

#[test]
fn the_readme_guide_example_fits_in_60_lines_and_its_figures_are_current() {
    let readme = readme();
    let guide = &readme[readme.find("## Adding an exercise").expect("the guide")..];
    let block = guide.split("```rust\n").nth(1).and_then(|b| b.split("\n```").next()).expect("a rust block");
    let lines = block.lines().count();
    assert!(lines <= 60, "the example exercise is {lines} lines");
    assert!(block.contains("static EXERCISE_1: Exercise") && block.contains("fn check_exercise_1"), "{block}");
    assert!(guide.contains(&format!("complete\nexample ({lines} lines)")) || guide.contains(&format!("example ({lines} lines)")));
    assert!(guide.contains(&format!("1 file and {lines} lines of Rust")), "the figure in the README is stale");
    // The case counts the README gives.
    let all = cases();
    let wrong = |n: u8| all.iter().filter(|c| c.exercise == n && c.status != Status::Correct).count();
    let total_wrong: usize = (1..=4).map(wrong).sum();
    let right = all.iter().filter(|c| c.status == Status::Correct).count();
    let said = format!(
        "{} answers, of which {total_wrong} wrong ones (exercise 1: {}, exercise 2: {}, exercise 3: {}, exercise 4:\n  {} ",
        all.len(),
        wrong(1),
        wrong(2),
        wrong(3),
        wrong(4)
    );
    assert!(readme.contains(&said), "the README should say: {said}");
    assert!(readme.contains(&format!("and {right} right answers")), "{right} right answers");
}
