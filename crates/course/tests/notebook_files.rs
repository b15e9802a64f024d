//! The committed notebooks are what learners open: nbformat 4.5 with cell ids, our kernel
//! spec, and no outputs (executed copies belong under target/, never in git).
use serde_json::Value;
use std::path::Path;

#[test]
fn committed_notebooks_are_clean_v4_5_on_the_course_kernel() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../notebooks");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("notebooks/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("ipynb") {
            continue;
        }
        seen += 1;
        let name = path.display();
        let nb: Value = serde_json::from_str(&std::fs::read_to_string(&path).expect("readable"))
            .unwrap_or_else(|e| panic!("{name} is not valid JSON: {e}"));
        assert_eq!(nb["nbformat"], 4, "{name}");
        assert!(nb["nbformat_minor"].as_u64() >= Some(5), "{name}: cell ids need nbformat 4.5");
        assert_eq!(nb["metadata"]["kernelspec"]["name"], "jacobian-course", "{name}");
        let mut ids = std::collections::HashSet::new();
        for cell in nb["cells"].as_array().expect("cells") {
            let id = cell["id"].as_str().unwrap_or_else(|| panic!("{name}: a cell has no id"));
            assert!(ids.insert(id.to_owned()), "{name}: duplicate cell id {id}");
            if cell["cell_type"] == "code" {
                assert_eq!(cell["outputs"], Value::Array(vec![]), "{name}: cell {id} has outputs");
                assert!(cell["execution_count"].is_null(), "{name}: cell {id} has an execution count");
            }
        }
    }
    assert!(seen > 0, "no notebooks found in {}", dir.display());
}

/// candle detaches cotangents unless CANDLE_GRAD_DO_NOT_DETACH is set, and reads it once per
/// thread; the kernel spec exports it so that second-order work in a notebook runs inline
/// instead of on the jacobian crate's helper thread (see jacobian::second_order).
#[test]
fn kernel_spec_exports_exact_second_order_gradients() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../kernel-config/kernel.json.in");
    let text = std::fs::read_to_string(&path).expect("kernel-config/kernel.json.in is readable");
    let spec: Value = serde_json::from_str(&text.replace('@', "")).expect("kernel.json.in is JSON once rendered");
    assert_eq!(spec["env"]["CANDLE_GRAD_DO_NOT_DETACH"], "1", "{text}");
}
