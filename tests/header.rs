//! `include/ray_client.h` is generated from `src/ffi/` by cbindgen. This test regenerates
//! it in memory and fails when the checked-in header differs (update it with
//! `UPDATE_HEADER=1 cargo test --test header`), then compiles the header as C99 and
//! C++17 with `-Wall -Wextra -Werror` (skipped when no `cc` / `c++` is installed), and
//! checks that thread-safety is stated once per handle type rather than on every function.

mod common;

use std::path::Path;
use std::process::Command;

fn generate() -> String {
    let root = common::repo();
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("UTF-8 header")
}

#[test]
fn header_is_up_to_date() {
    let path = common::repo().join("include/ray_client.h");
    let fresh = generate();
    if std::env::var_os("UPDATE_HEADER").is_some_and(|v| !v.is_empty() && v != "0") {
        std::fs::write(&path, &fresh).expect("writing include/ray_client.h");
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    if current != fresh {
        panic!(
            "include/ray_client.h is out of date with src/ffi/ (or missing).\n\
             Regenerate it with:\n\n    UPDATE_HEADER=1 cargo test --test header\n"
        );
    }
}

fn compile(compiler: &str, args: &[&str], source: &Path) {
    if Command::new(compiler).arg("--version").output().is_err() {
        eprintln!("{compiler} not found; skipping");
        return;
    }
    common::run(
        Command::new(compiler)
            .args(args)
            .args([
                "-Wall",
                "-Wextra",
                "-Werror",
                "-pedantic",
                "-fsyntax-only",
                "-I",
            ])
            .arg(common::repo().join("include"))
            .arg(source),
    );
}

#[test]
fn header_compiles_as_c99_and_cpp17() {
    let dir = std::env::temp_dir().join(format!("ray-client-header-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let body = "#include \"ray_client.h\"\n\
                #if RAY_CLIENT_VERSION_MAJOR < 0\n#error bad version\n#endif\n\
                int main(void) { const char *v = ray_client_version(); (void)v; return RAY_CLIENT_OK; }\n";
    let c = dir.join("h.c");
    let cpp = dir.join("h.cpp");
    std::fs::write(&c, body).unwrap();
    std::fs::write(&cpp, body).unwrap();
    compile("cc", &["-std=c99", "-x", "c"], &c);
    compile("c++", &["-std=c++17", "-x", "c++"], &cpp);
    std::fs::remove_dir_all(&dir).ok();
}

/// The declarations of a header with the comment block right above each: (comment, code).
fn documented_items(header: &str) -> Vec<(String, String)> {
    let mut items = Vec::new();
    let mut comment = String::new();
    for line in header.lines() {
        let line = line.trim_start();
        if let Some(text) = line.strip_prefix("//") {
            comment.push_str(text);
            comment.push('\n');
        } else if line.is_empty() {
            comment.clear();
        } else {
            items.push((std::mem::take(&mut comment), line.to_owned()));
        }
    }
    items
}

/// Thread-safety is stated once per handle type, on the type, and a function repeats it
/// only where it differs (the `_free` functions, the `*_async` ones). No comment line is
/// longer than 100 columns (a prototype may be: cbindgen keeps a function's first
/// parameter on the line of its name).
#[test]
fn thread_safety_is_stated_per_type() {
    let header = generate();
    for (i, line) in header.lines().enumerate() {
        if !line.trim_start().starts_with("//") {
            continue;
        }
        assert!(
            line.chars().count() <= 100,
            "ray_client.h line {} is over 100 columns: {line}",
            i + 1
        );
    }
    let items = documented_items(&header);
    let mut types = 0;
    for (comment, code) in &items {
        if code.starts_with("typedef struct ray_client_") {
            types += 1;
            assert!(
                comment.contains("Thread-safety:"),
                "the opaque type `{code}` does not state its thread-safety"
            );
        }
        let function = code
            .split_once('(')
            .and_then(|(head, _)| head.split_whitespace().last())
            .map(|name| name.trim_start_matches('*'))
            .filter(|name| name.starts_with("ray_client_"))
            .filter(|_| !code.starts_with("typedef") && !code.starts_with('*'));
        if let Some(name) = function {
            assert!(
                !comment.contains("Thread-safety:")
                    || name.ends_with("_free")
                    || name.ends_with("_async"),
                "{name} repeats a Thread-safety note; its types' rules apply (only _free and \
                 *_async functions have notes of their own)"
            );
        }
    }
    assert_eq!(types, 16, "the sixteen opaque handle types");
}
