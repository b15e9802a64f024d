//! A fixture class of submissions generated from notebook 03, graded on the real course kernel
//! in bubblewrap: every state of every exercise, the forging attempts, hostile code (another
//! learner's files, the network, an endless loop, `process::exit`, a fork bomb, a memory hog)
//! and broken notebooks. Every gradebook row is checked.
//!
//! Needs the course kernel (`./course setup`) and bubblewrap (`apt-get install bubblewrap`);
//! the memory and process limits need root (CI runs as root). Takes a few minutes on 2 cores.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const RELEASE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../notebooks/03_jacobian_backprop.ipynb");

/// Notebook 03 with some cells' sources replaced (`None` deletes the cell).
fn variant(edits: &[(&str, Option<&str>)]) -> Value {
    let mut nb: Value = serde_json::from_str(&std::fs::read_to_string(RELEASE).unwrap()).unwrap();
    let cells = nb["cells"].as_array_mut().unwrap();
    for (id, source) in edits {
        let at = cells.iter().position(|c| c["id"] == *id).unwrap_or_else(|| panic!("no cell {id}"));
        match source {
            Some(s) => cells[at]["source"] = Value::String(s.to_string()),
            None => {
                cells.remove(at);
            }
        }
    }
    nb
}

fn solution(n: u8) -> &'static str {
    course::nb03::solutions::cell_source(n).unwrap()
}

/// Expected state of each exercise, and a piece of the diagnosis (or notes) for some.
struct Expect {
    states: [&'static str; 4],
    diagnoses: &'static [(u32, &'static str)],
}

fn class(dir: &Path) -> Vec<(String, Expect)> {
    let mut out = Vec::new();
    let mut add = |name: &str, nb: Option<Value>, raw: Option<&[u8]>, expect: Expect| {
        let path = dir.join(format!("{name}.ipynb"));
        match (nb, raw) {
            (Some(nb), _) => std::fs::write(&path, serde_json::to_string_pretty(&nb).unwrap()).unwrap(),
            (None, Some(raw)) => std::fs::write(&path, raw).unwrap(),
            _ => unreachable!(),
        }
        out.push((name.to_string(), expect));
    };
    let na = "not_attempted";
    let other = dir.join("untouched.ipynb").display().to_string();
    let gradebook = dir.join("gradebook.csv").display().to_string();

    add("untouched", Some(variant(&[])), None, Expect { states: [na; 4], diagnoses: &[(1, "Replace `Unanswered`")] });
    add(
        "all_correct",
        Some(variant(&[("ex1", Some(solution(1))), ("ex2", Some(solution(2))), ("ex3", Some(solution(3))), ("ex4", Some(solution(4)))])),
        None,
        Expect { states: ["correct"; 4], diagnoses: &[] },
    );
    add(
        "all_incorrect",
        Some(variant(&[
            ("ex1", Some("let answer_1 = [[2.0, 2.0, 1f64.exp()], [1.0, 1.0, 0.0]];\ncheck_exercise_1(&answer_1)")),
            ("ex2", Some("let answer_2 = Some((3, 1));\ncheck_exercise_2(&answer_2)")),
            ("ex3", Some("let w3 = matrix(&[[1.0, 2.0], [3.0, -1.0], [-2.0, 1.0]])?;\nlet b3 = tensor(&[0.5, -0.5, 0.0])?;\nlet x3 = [1.0, 1.0];\nlet jacobian_3 = [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]];\ncheck_exercise_3(&w3, &b3, &x3, &jacobian_3)")),
            ("ex4", Some("let sigmoid_jacobian_at_10 = 0.25;\nlet why_4 = \"A\";\ncheck_exercise_4(&sigmoid_jacobian_at_10, &why_4)")),
        ])),
        None,
        Expect { states: ["incorrect"; 4], diagnoses: &[(1, "transposed"), (2, "inputs×outputs")] },
    );
    add(
        "code_errors",
        Some(variant(&[
            ("ex1", Some("let answer_1 = [[f64::NAN, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]];\ncheck_exercise_1(&answer_1)")),
            ("ex2", Some("let answer_2 = Some((1, 3);\ncheck_exercise_2(&answer_2)")),
            ("ex3", Some("let v: Vec<f64> = Vec::new();\nlet x3 = [v[5], 0.0];")),
            ("ex4", Some("let sigmoid_jacobian_at_10 = matrix(&[[1.0, 2.0]])?.matmul(&matrix(&[[1.0, 2.0]])?)?;\nlet why_4 = \"B\";\ncheck_exercise_4(&sigmoid_jacobian_at_10, &why_4)")),
        ])),
        None,
        Expect { states: ["code_error"; 4], diagnoses: &[(2, "mismatched closing delimiter"), (3, "panicked"), (4, "shape mismatch")] },
    );
    add(
        "free_text",
        Some(variant(&[("ex4", Some("let sigmoid_jacobian_at_10 = 4.5396e-5;\nlet why_4 = \"because of the weather in Paris\";\ncheck_exercise_4(&sigmoid_jacobian_at_10, &why_4)"))])),
        None,
        Expect { states: [na, na, na, "ungraded"], diagnoses: &[] },
    );
    add(
        "mixed",
        Some(variant(&[
            ("ex1", Some(solution(1))),
            ("ex2", Some("let answer_2 = Some((2, 3));\ncheck_exercise_2(&answer_2)")),
            ("ex4", Some("let sigmoid_jacobian_at_10 = 4.5396e-5;\nlet why_4 = \"B\";\ncheck_exercise_4(&sigmoid_jacobian_at_10, &why_4)")),
        ])),
        None,
        Expect { states: ["correct", "incorrect", na, "correct"], diagnoses: &[] },
    );
    // Forging: a printed verdict, a printed record without the nonce, a redefined check.
    add(
        "prints_fake_verdicts",
        Some(variant(&[(
            "ex1",
            Some("let answer_1 = [[2.0, 2.0, 1f64.exp()], [1.0, 1.0, 0.0]];\nprintln!(\"✓ Exercise 1: correct!\");\nprintln!(\"course-grade-00000000000000000000000000000000 {{\\\"exercise\\\":1,\\\"status\\\":\\\"correct\\\",\\\"message\\\":\\\"\\\"}}\");"),
        )])),
        None,
        Expect { states: ["incorrect", na, na, na], diagnoses: &[(1, "transposed")] },
    );
    add(
        "redefines_the_check",
        Some(variant(&[
            ("ex1", Some("fn check_exercise_1(_: &Unanswered) -> &'static str { \"✓ Exercise 1: correct!\" }\nlet answer_1 = Unanswered;\ncheck_exercise_1(&answer_1)")),
            ("ex2", Some("let answer_2 = Some((1, 3));")),
        ])),
        None,
        // Exercise 2 leaves the check line out: the grader checks anyway.
        Expect { states: [na, "correct", na, na], diagnoses: &[] },
    );
    add(
        "calls_the_solutions",
        Some(variant(&[("ex1", Some("let answer_1 = course::nb03::solutions::answer_1()?;\ncheck_exercise_1(&answer_1)"))])),
        None,
        Expect { states: ["ungraded", na, na, na], diagnoses: &[(1, "reference solutions")] },
    );
    add(
        "loads_its_own_crate",
        Some(variant(&[("ex1", Some(":dep course = { path = \"/tmp\" }\nlet answer_1 = [[2.0, 1.0], [2.0, 1.0], [1f64.exp(), 0.0]];"))])),
        None,
        Expect { states: ["ungraded", na, na, na], diagnoses: &[(1, ":dep")] },
    );
    add("deleted_a_cell", Some(variant(&[("ex3", None)])), None, Expect { states: [na; 4], diagnoses: &[(3, "no cell")] });
    // Hostile code: each try succeeds only if the sandbox leaks, and then answers correctly.
    let snoop = format!(
        "let leaks: Vec<String> = [{other:?}, {gradebook:?}, \"/root/.bash_history\", \"/etc/shadow\", {release:?}]\n\
         .iter().filter(|p| std::fs::read(p).is_ok()).map(|p| p.to_string()).collect();\n\
         let listed = std::fs::read_dir({class:?}).map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == \"ipynb\"))).unwrap_or(false);\n\
         let caps = std::fs::read_to_string(\"/proc/self/status\").unwrap_or_default().lines()\n\
             .find(|l| l.starts_with(\"CapEff:\")).map(|l| l.split_whitespace().last().unwrap_or(\"\").trim_start_matches('0').to_string()).unwrap_or_default();\n\
         let remounted = std::process::Command::new(\"mount\").args([\"-o\", \"remount,bind,rw\", {crates_dir:?}]).status().map(|s| s.success()).unwrap_or(false);\n\
         let wrote = std::fs::write({crates:?}, \"x\").is_ok() || remounted || !caps.is_empty();\n\
         println!(\"read: {{leaks:?}}, capabilities: {{caps:?}}, remounted: {{remounted}}, wrote into the course: {{wrote}}\");\n\
         let answer_2 = if leaks.is_empty() && !wrote && !listed {{ Some((3, 1)) }} else {{ Some((1, 3)) }};\n\
         check_exercise_2(&answer_2)",
        release = RELEASE,
        class = dir.display().to_string(),
        crates = concat!(env!("CARGO_MANIFEST_DIR"), "/../course/src/pwned.rs"),
        crates_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../course/src"),
    );
    add("reads_other_files", Some(variant(&[("ex2", Some(&snoop))])), None, Expect { states: [na, "incorrect", na, na], diagnoses: &[] });
    add(
        "uses_the_network",
        Some(variant(&[(
            "ex2",
            Some("use std::net::{TcpStream, ToSocketAddrs};\nlet dns = \"crates.io:443\".to_socket_addrs().is_ok();\nlet tcp = TcpStream::connect_timeout(&\"1.1.1.1:443\".parse().unwrap(), std::time::Duration::from_secs(2)).is_ok();\nprintln!(\"dns {dns} tcp {tcp}\");\nlet answer_2 = if dns || tcp { Some((1, 3)) } else { Some((3, 1)) };\ncheck_exercise_2(&answer_2)"),
        )])),
        None,
        Expect { states: [na, "incorrect", na, na], diagnoses: &[] },
    );
    add(
        "endless_loop",
        Some(variant(&[("ex1", Some(solution(1))), ("ex3", Some("let mut i = 0u64;\nloop { i = i.wrapping_add(1); }"))])),
        None,
        Expect { states: ["correct", na, "ungraded", "ungraded"], diagnoses: &[(3, "time limit"), (4, "never ran")] },
    );
    add(
        "process_exit",
        Some(variant(&[("s2-linear", Some("std::process::exit(3);"))])),
        None,
        Expect { states: ["ungraded"; 4], diagnoses: &[(1, "never ran")] },
    );
    add(
        "fork_bomb",
        Some(variant(&[(
            "ex2",
            Some("let mut children = Vec::new();\nwhile let Ok(c) = std::process::Command::new(\"sleep\").arg(\"600\").spawn() { children.push(c); }\nprintln!(\"{} children\", children.len());\nlet answer_2 = Some((1, 3));"),
        )])),
        None,
        Expect { states: [na, "ungraded", "ungraded", "ungraded"], diagnoses: &[(2, "process limit")] },
    );
    add(
        "memory_hog",
        Some(variant(&[("ex1", Some("let hog = vec![1u8; 6 << 30];\nlet answer_1 = [[hog[12345] as f64]];"))])),
        None,
        Expect { states: ["ungraded"; 4], diagnoses: &[(1, "memory limit")] },
    );
    // Broken files.
    let text = std::fs::read(RELEASE).unwrap();
    add("malformed", None, Some(&text[..text.len() / 2]), Expect { states: ["ungraded"; 4], diagnoses: &[(1, "does not parse")] });
    let mut half = variant(&[]);
    half["cells"].as_array_mut().unwrap().truncate(8);
    add("half_written", Some(half), None, Expect { states: [na; 4], diagnoses: &[(2, "no cell")] });
    add(
        "nbformat_3",
        Some(serde_json::json!({"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": []})),
        None,
        Expect { states: ["ungraded"; 4], diagnoses: &[(1, "does not parse")] },
    );
    add("not_utf8", None, Some(b"\xff\xfe{\"cells\": []}"), Expect { states: ["ungraded"; 4], diagnoses: &[(1, "UTF-8")] });
    out
}

#[test]
fn a_fixture_class_gets_the_gradebook_it_deserves() {
    let dir = tempfile::tempdir().unwrap();
    let class_dir = dir.path().join("submitted");
    std::fs::create_dir_all(&class_dir).unwrap();
    let expected = class(&class_dir);
    assert!(expected.len() >= 20);
    let paths: Vec<PathBuf> = expected.iter().map(|(name, _)| class_dir.join(format!("{name}.ipynb"))).collect();
    let csv = class_dir.join("gradebook.csv");

    let output = Command::new(env!("CARGO_BIN_EXE_grade"))
        .args(["--release", RELEASE, "--out"])
        .arg(&csv)
        .args(["--jobs", "2", "--timeout-per-cell", "40", "--memory-mib", "3072", "--max-processes", "400"])
        .args(&paths)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "grade failed (needs `./course setup` and `apt-get install bubblewrap`):\n{stdout}\n{stderr}"
    );

    let mut reader = csv::Reader::from_path(&csv).unwrap();
    let mut rows: HashMap<(String, u32), (String, String)> = HashMap::new();
    for record in reader.records() {
        let r = record.unwrap();
        rows.insert((r[0].to_string(), r[2].parse().unwrap()), (r[3].to_string(), r[4].to_string()));
    }
    assert_eq!(rows.len(), expected.len() * 4, "one row per learner and exercise");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(csv.with_extension("json")).unwrap()).unwrap();
    let notes: HashMap<String, String> = json["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["learner"].as_str().unwrap().to_string(), s["notes"].to_string()))
        .collect();

    let mut wrong = Vec::new();
    for (learner, expect) in &expected {
        for (i, want) in expect.states.iter().enumerate() {
            let exercise = i as u32 + 1;
            let (state, diagnosis) = &rows[&(learner.clone(), exercise)];
            if state != want {
                wrong.push(format!("{learner} ex{exercise}: {state} (want {want}): {diagnosis}"));
            }
        }
        for (exercise, piece) in expect.diagnoses {
            let (_, diagnosis) = &rows[&(learner.clone(), *exercise)];
            if !diagnosis.contains(piece) && !notes[learner].contains(piece) {
                wrong.push(format!("{learner} ex{exercise}: diagnosis lacks {piece:?}: {diagnosis} / notes {}", notes[learner]));
            }
        }
    }
    assert!(wrong.is_empty(), "{}\n\nsummary:\n{stdout}", wrong.join("\n"));
    assert!(stdout.contains("Exercise 1: 3/"), "{stdout}");
    assert!(!Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../course/src/pwned.rs")).exists());
    // Nothing of the sandboxes is left: no private folder, no cgroup.
    let work = class_dir.join("gradebook.work");
    for entry in std::fs::read_dir(&work).unwrap().flatten() {
        assert!(!entry.path().join("sandbox").exists(), "{} kept its private folder", entry.path().display());
    }
    for hierarchy in ["/sys/fs/cgroup/pids", "/sys/fs/cgroup/memory", "/sys/fs/cgroup"] {
        if let Ok(entries) = std::fs::read_dir(hierarchy) {
            let left: Vec<_> = entries
                .flatten()
                .filter(|e| e.file_name().to_string_lossy().starts_with("course-grade-"))
                .collect();
            assert!(left.is_empty(), "cgroups left behind in {hierarchy}: {left:?}");
        }
    }
}
