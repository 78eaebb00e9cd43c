//! The README's C and C++ quickstarts compile against the headers as they are (a snippet
//! that drifts from the API is worse than none): their `#include` lines stay on top, the
//! rest becomes the body of `main`, compiled as C99 / C++17 with warnings as errors
//! (skipped without `cc` / `c++`).

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

/// Compiles `code` (its `#include` lines on top, the rest as `main`'s body) with
/// `compiler` and `args`; `Err` with the compiler's complaint and the program.
fn compile_snippet(compiler: &str, args: &[&str], ext: &str, code: &str) -> Result<(), String> {
    let (includes, body): (Vec<&str>, Vec<&str>) =
        code.lines().partition(|l| l.starts_with("#include"));
    let program = format!(
        "{}\nint main(void) {{\n{}\n    return 0;\n}}\n",
        includes.join("\n"),
        body.join("\n")
    );
    let dir = std::env::temp_dir().join(format!("ray-client-readme-{}-{ext}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join(format!("quickstart.{ext}"));
    std::fs::write(&source, &program).unwrap();
    let out = Command::new(compiler)
        .args(args)
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only", "-I"])
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("bindings/cpp/include"))
        .arg(&source)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}\n{program}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn have(compiler: &str) -> bool {
    let found = Command::new(compiler).arg("--version").output().is_ok();
    if !found {
        eprintln!("{compiler} not found; skipping");
    }
    found
}

/// The README's quickstart in `language` (its `**language** (` paragraph, a block
/// fenced as `ext`) compiles with `compiler` and `args`.
fn quickstart_compiles(language: &str, ext: &str, compiler: &str, args: &[&str]) {
    if !have(compiler) {
        return;
    }
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let code = snippet(&readme, &format!("**{language}** ("), ext);
    if let Err(e) = compile_snippet(compiler, args, ext, &code) {
        panic!("the README's {language} quickstart does not compile:\n{e}");
    }
}

#[test]
fn c_quickstart_compiles() {
    quickstart_compiles("C", "c", "cc", &["-std=c99"]);
}

#[test]
fn cpp_quickstart_compiles() {
    // The snippet's catch clause names `e` only in a comment.
    quickstart_compiles("C++", "cpp", "c++", &["-std=c++17", "-Wno-unused"]);
}
