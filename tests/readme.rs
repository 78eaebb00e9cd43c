//! The README's C quickstart compiles against the header as it is (a snippet that drifts
//! from the API is worse than none): its `#include` lines stay on top, the rest becomes
//! the body of `main`, compiled as C99 with warnings as errors (skipped without `cc`).

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The first fenced block of `lang` after the line that starts with `marker`.
fn snippet(readme: &str, marker: &str, lang: &str) -> String {
    let from = readme
        .find(marker)
        .unwrap_or_else(|| panic!("README has {marker:?}"));
    let rest = &readme[from..];
    let open = format!("```{lang}\n");
    let start = rest.find(&open).expect("a fenced block") + open.len();
    let end = rest[start..].find("```").expect("the block's end");
    rest[start..start + end].to_owned()
}

#[test]
fn c_quickstart_compiles() {
    if Command::new("cc").arg("--version").output().is_err() {
        eprintln!("cc not found; skipping");
        return;
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let code = snippet(&readme, "**C** (", "c");
    let (includes, body): (Vec<&str>, Vec<&str>) =
        code.lines().partition(|l| l.starts_with("#include"));
    let program = format!(
        "{}\nint main(void) {{\n{}\n    return 0;\n}}\n",
        includes.join("\n"),
        body.join("\n")
    );
    let dir = std::env::temp_dir().join(format!("ray-client-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("quickstart.c");
    std::fs::write(&source, &program).unwrap();
    let out = Command::new("cc")
        .args([
            "-std=c99",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-fsyntax-only",
            "-I",
        ])
        .arg(root().join("include"))
        .arg(&source)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "the README's C quickstart does not compile:\n{}\n{program}",
        String::from_utf8_lossy(&out.stderr)
    );
}
