//! The exercise cells on the real kernel, through `nbrun`, as a learner runs them:
//!
//! 1. the learner notebook as shipped runs top to bottom and all four exercises say
//!    "not attempted";
//! 2. a copy with the reference solutions injected (written under `target/`, the source is never
//!    touched) says "correct" four times; in the same kernel, `hint(n)` reveals one more hint per
//!    cell (its progress survives across cells) and `solution(n)` is folded; then each check cell
//!    is re-run five times on the warm kernel, and the median cell time is printed and written to
//!    `target/tmp/exercises-kernel/rerun-timings.json`;
//! 3. every case of `exercises_common` (at least 25 realistic wrong answers per exercise, and the
//!    right answers in every accepted form) runs as its own cell and gets its specific diagnosis;
//!    and a type that cannot be an answer stops the compiler with a message in the course's terms.
//!
//! They need the `jacobian-course` kernel spec (`./course setup`) and run one at a time: kernels
//! compete for the CPUs.

mod exercises_common;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use course::exercise::Status;
use course::nb03::solutions;
use exercises_common::{cases, status_in_text};
use nbrun::{CellReport, CellStatus, Options, RunReport};
use serde_json::{json, Value};

const KERNEL: &str = "jacobian-course";
const NOTEBOOK: &str = "notebooks/03_jacobian_backprop.ipynb";

/// One kernel at a time.
static SERIAL: Mutex<()> = Mutex::new(());

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("exercises-kernel");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn require_kernel() {
    // `./course setup` installs the spec into the checkout's .venv, found from the notebook's folder.
    if let Err(e) = nbrun::kernelspec::find(KERNEL, &[], Some(&repo().join("notebooks"))) {
        panic!("the '{KERNEL}' kernel spec is not installed, and these tests need it: run ./course setup\n({e})");
    }
}

fn options(output: PathBuf) -> Options {
    Options {
        // The first cell may rebuild the course crate in evcxr's cache, or build everything in a
        // fresh cache when every slot is taken by other kernels.
        timeout_per_cell: Duration::from_secs(1800),
        startup_timeout: Duration::from_secs(600),
        kernel: Some(KERNEL.to_string()),
        output: Some(output),
        progress: false,
        ..Options::default()
    }
}

fn run(notebook: &Path, options: &Options) -> RunReport {
    nbrun::run_notebook(notebook, options).unwrap_or_else(|e| panic!("{} failed on the kernel:\n{e}", notebook.display()))
}

fn learner_notebook() -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo().join(NOTEBOOK)).unwrap()).unwrap()
}

fn code_cell(id: &str, source: &str) -> Value {
    json!({"cell_type": "code", "id": id, "metadata": {}, "execution_count": null, "outputs": [], "source": source})
}

fn set_source(nb: &mut Value, id: &str, source: &str) {
    let cell = nb["cells"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("the notebook has no cell {id}"));
    cell["source"] = json!(source);
}

fn write(nb: &Value, name: &str) -> PathBuf {
    let path = out_dir().join(name);
    std::fs::write(&path, serde_json::to_string_pretty(nb).unwrap()).unwrap();
    path
}

fn cell<'a>(report: &'a RunReport, id: &str) -> &'a CellReport {
    report.cell(id).unwrap_or_else(|| panic!("no cell {id} in the report"))
}

/// The feedback's plain text and HTML in a cell's outputs.
fn feedback(report: &RunReport, id: &str) -> (String, String) {
    let c = cell(report, id);
    assert_eq!(c.status, CellStatus::Ok, "cell {id}: {:?}\n{}", c.status, c.text());
    assert!(!c.stderr().contains("panicked"), "cell {id} panicked:\n{}", c.stderr());
    (c.text(), c.data("text/html").unwrap_or_default())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// The 1-minute load average (Linux), to read the timings against: the machine may be shared.
fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg").ok()?.split_whitespace().next()?.parse().ok()
}

#[test]
fn shipped_notebook_runs_and_every_exercise_is_not_attempted() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    require_kernel();
    let report = run(&repo().join(NOTEBOOK), &options(out_dir().join("shipped.ipynb")));
    for c in &report.cells {
        assert_eq!(c.status, CellStatus::Ok, "cell {}: {}", c.cell.id, c.text());
    }
    for n in 1..=4 {
        let (text, html) = feedback(&report, &format!("ex{n}"));
        assert_eq!(status_in_text(&text), Some(Status::NotAttempted), "ex{n}:\n{text}");
        assert!(text.contains(&format!("hint({n})")), "ex{n}:\n{text}");
        assert!(!text.to_lowercase().contains("incorrect"), "ex{n}:\n{text}");
        assert!(html.contains(&format!("○ Exercise {n}: not attempted yet")), "ex{n} html:\n{html}");
    }
}

#[test]
fn solutions_are_correct_hints_progress_and_reruns_are_timed() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    require_kernel();
    let mut nb = learner_notebook();
    for n in 1..=4u8 {
        set_source(&mut nb, &format!("ex{n}"), solutions::cell_source(n).unwrap());
    }
    let cells = nb["cells"].as_array_mut().unwrap();
    for k in 1..=4 {
        cells.push(code_cell(&format!("hint-3-call-{k}"), "hint(3)"));
    }
    cells.push(code_cell("solution-3", "solution(3)"));
    // Re-runs on the warm kernel: a trivial cell (evcxr's own cost per cell) and each check cell.
    const RERUNS: usize = 5;
    let baseline = "let answer_0: Option<u8> = None;\n\nanswer_0.is_none()";
    for k in 1..=RERUNS {
        cells.push(code_cell(&format!("rerun-baseline-{k}"), baseline));
        for n in 1..=4u8 {
            cells.push(code_cell(&format!("rerun-ex{n}-{k}"), solutions::cell_source(n).unwrap()));
        }
    }
    let path = write(&nb, "solutions.ipynb");
    let load_before = load_average();
    let report = run(
        &path,
        &Options {
            // JupyterLab shows the result when the reply arrives; don't count nbrun's wait for
            // late output.
            late_output_quiet: Duration::from_millis(20),
            ..options(out_dir().join("solutions.out.ipynb"))
        },
    );

    for n in 1..=4 {
        let (text, html) = feedback(&report, &format!("ex{n}"));
        assert_eq!(status_in_text(&text), Some(Status::Correct), "ex{n}:\n{text}");
        let low = text.to_lowercase();
        assert!(low.contains("correct") && !low.contains("incorrect"), "ex{n}:\n{text}");
        assert!(html.contains(&format!("✓ Exercise {n}: correct!")), "ex{n} html");
    }
    let (ex1_text, ex1_html) = feedback(&report, "ex1");
    assert!(ex1_html.contains("<img src=\"data:image/svg+xml;base64,"), "ex1 shows its heatmap");
    assert!(ex1_text.contains("every entry matches"), "{ex1_text}");

    for (k, level) in [(1, 1), (2, 2), (3, 3), (4, 3)] {
        let (text, _) = feedback(&report, &format!("hint-3-call-{k}"));
        assert!(
            text.contains(&format!("Hint {level} of 3 for exercise 3")),
            "call {k} of hint(3) should show {level} hint(s): the count must survive across cells\n{text}"
        );
    }
    let (text, html) = feedback(&report, "solution-3");
    assert!(text.contains("Solution to exercise 3") && text.contains("[-1.0, -3.0]"), "{text}");
    assert!(html.contains("<details") && html.contains("Show the solution"), "{html}");

    let seconds = |id: String| {
        let c = cell(&report, &id);
        assert_eq!(c.status, CellStatus::Ok, "{id}");
        c.duration.as_secs_f64()
    };
    let baseline: Vec<f64> = (1..=RERUNS).map(|k| seconds(format!("rerun-baseline-{k}"))).collect();
    let mut per_exercise = serde_json::Map::new();
    let mut all = Vec::new();
    for n in 1..=4 {
        let times: Vec<f64> = (1..=RERUNS).map(|k| seconds(format!("rerun-ex{n}-{k}"))).collect();
        for k in 1..=RERUNS {
            let (text, _) = feedback(&report, &format!("rerun-ex{n}-{k}"));
            assert_eq!(status_in_text(&text), Some(Status::Correct), "re-run {k} of ex{n}");
        }
        per_exercise.insert(format!("ex{n}"), json!({"median_s": median(times.clone()), "cells_s": times}));
        all.extend(times);
    }
    let summary = json!({
        "what": "wall time of a re-run check cell on a warm kernel (nbrun's per-cell duration)",
        "reruns_per_cell": RERUNS,
        "median_s": median(all.clone()),
        "baseline_trivial_cell_median_s": median(baseline.clone()),
        "baseline_cells_s": baseline,
        "per_exercise": per_exercise,
        "load_average_1min": {"before": load_before, "after": load_average()},
        "cpus": std::thread::available_parallelism().map_or(0, |n| n.get()),
    });
    let timings = out_dir().join("rerun-timings.json");
    std::fs::write(&timings, serde_json::to_string_pretty(&summary).unwrap()).unwrap();
    println!(
        "re-run of a check cell on a warm kernel: median {:.3} s over {} cells (a trivial cell: {:.3} s; \
         load average {} → {}); details in {}",
        median(all.clone()),
        all.len(),
        median(baseline),
        summary["load_average_1min"]["before"].as_f64().unwrap_or(f64::NAN),
        summary["load_average_1min"]["after"].as_f64().unwrap_or(f64::NAN),
        timings.display()
    );
    // The target is 0.5 s; evcxr compiles every cell, and on a loaded 2-core machine that alone can
    // exceed it, so the test only guards against a regression (e.g. the course crate rebuilt per run).
    assert!(median(all) < 10.0, "re-running a check cell became slow: {summary}");
}

#[test]
fn wrong_answers_get_their_specific_diagnosis_on_the_kernel() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    require_kernel();
    let all = cases();
    let mut cells: Vec<Value> = all.iter().map(|c| code_cell(c.name, &c.code)).collect();
    // Types that cannot be answers: rustc stops, with #[diagnostic::on_unimplemented]'s words.
    let not_answers = [
        ("not-a-matrix", "let answer_1 = \"2, 1; 2, 1; e, 0\";\n\ncheck_exercise_1(&answer_1)", "is not a matrix answer"),
        ("not-a-text", "let why_4 = 2;\n\ncheck_exercise_4(&4.54e-5, &why_4)", "is not a text answer"),
    ];
    for (id, code, _) in not_answers {
        let mut cell = code_cell(id, code);
        cell["metadata"] = json!({"tags": ["raises-exception"]});
        cells.push(cell);
    }
    let mut nb = learner_notebook();
    nb["cells"] = Value::Array(cells);
    let path = write(&nb, "cases.ipynb");
    let report = run(&path, &options(out_dir().join("cases.out.ipynb")));
    let mut failures = Vec::new();
    for (id, _, words) in not_answers {
        let c = cell(&report, id);
        let said = format!("{:?}\n{}\n{}", c.status, c.text(), c.stderr());
        if !matches!(c.status, CellStatus::AllowedFailure(_)) || !said.contains(words) {
            failures.push(format!("{id}: expected a compile error saying {words:?}, got\n{said}"));
        }
    }
    for case in &all {
        let (text, html) = feedback(&report, case.name);
        if status_in_text(&text) != Some(case.status) {
            failures.push(format!("{}: expected {:?}, got\n{text}", case.name, case.status));
        }
        for fragment in case.expect {
            if !text.contains(fragment) {
                failures.push(format!("{}: missing {fragment:?} in\n{text}", case.name));
            }
        }
        if !html.contains(&format!("Exercise {}:", case.exercise)) {
            failures.push(format!("{}: no HTML feedback", case.name));
        }
    }
    assert!(failures.is_empty(), "{} problem(s):\n\n{}", failures.len(), failures.join("\n\n"));
}
