//! Unit tests of `src/runtime_env.rs` (a file of their own to keep that file readable).

use super::archive::Capped;
use super::*;

fn settings() -> Settings {
    Settings {
        max_size: DEFAULT_MAX_PACKAGE_SIZE,
        include_gitignore: true,
        default_excludes: DEFAULT_EXCLUDES.split(',').map(str::to_owned).collect(),
        pin_expiration_s: DEFAULT_PIN_EXPIRATION_S,
    }
}

#[test]
fn uris_pass_through_unchanged() {
    let env = Value::dict([
        (
            "working_dir",
            Value::str("s3://bucket/dir/pkg.zip?versionId=3"),
        ),
        (
            "py_modules",
            Value::List(vec![
                Value::str("https://example.com/a/mod-1.0-py3-none-any.whl"),
                Value::str("gcs://_ray_pkg_0123.zip"),
                Value::str("local:///opt/mods"),
            ]),
        ),
        ("env_vars", Value::dict([("A", "1")])),
        ("pip", Value::List(vec![Value::str("requests")])),
    ]);
    assert!(!needs_local_files(&env).unwrap());
    let plan = plan(&env, &settings()).unwrap();
    assert_eq!(plan.env, env);
    assert!(plan.packages.is_empty());
}

#[test]
fn excludes_are_dropped_and_checked() {
    let env = Value::dict([
        ("working_dir", Value::str("gs://b/x.tar.gz")),
        ("excludes", Value::List(vec![Value::str("*.log")])),
    ]);
    let out = plan(&env, &settings()).unwrap().env;
    assert_eq!(out, Value::dict([("working_dir", "gs://b/x.tar.gz")]));
    let bad = Value::dict([("excludes", Value::from(3))]);
    assert!(plan(&bad, &settings()).is_err());
}

#[test]
fn uri_extensions_are_checked() {
    let env = Value::dict([("working_dir", "https://example.com/code.whl")]);
    let err = plan(&env, &settings()).unwrap_err();
    assert!(err.message().contains("working_dir URIs"), "{err}");
    let env = Value::dict([("working_dir", "conda://whatever")]);
    assert!(plan(&env, &settings()).is_ok());
    let env = Value::dict([("working_dir", "nosuchproto://x/y.zip")]);
    let err = plan(&env, &settings()).unwrap_err();
    assert!(err.message().contains("nosuchproto://x/y.zip"), "{err}");
}

#[test]
fn schemes() {
    assert_eq!(uri_scheme("s3://b/k"), Some("s3"));
    assert_eq!(uri_scheme("C://x"), None);
    assert_eq!(uri_scheme("/tmp/a://b"), None);
    assert_eq!(uri_scheme("relative/dir"), None);
    assert_eq!(Location::of("./dir"), Location::Path);
    assert_eq!(Location::of("GCS://_ray_pkg_x.zip"), Location::Uri);
}

#[test]
fn gitignore_can_be_ignored_but_rayignore_cannot() {
    let dir = std::env::temp_dir().join(format!("rc-env-unit-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join(".git")).unwrap();
    for (name, text) in [
        (".gitignore", "a.txt\n"),
        (".rayignore", "b.txt\n"),
        ("a.txt", "a"),
        ("b.txt", "b"),
        (".git/HEAD", "x"),
    ] {
        fs::write(dir.join(name), text).unwrap();
    }
    let env = Value::dict([("working_dir", dir.to_str().unwrap())]);
    let names = |s: &Settings| -> Vec<String> {
        match &plan(&env, s).unwrap().packages[0].content {
            Content::Zip(entries) => entries.iter().map(|e| e.name.clone()).collect(),
            Content::File(_) => panic!("not zipped"),
        }
    };
    assert_eq!(names(&settings()), vec![".gitignore", ".rayignore"]);
    let mut s = settings();
    s.include_gitignore = false;
    assert_eq!(names(&s), vec![".gitignore", ".rayignore", "a.txt"]);
    s.default_excludes.clear();
    assert_eq!(
        names(&s),
        vec![".git/HEAD", ".gitignore", ".rayignore", "a.txt"]
    );
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn capped_counts_past_the_limit() {
    let mut c = Capped::new(10);
    c.write_all(b"12345").unwrap();
    assert_eq!(c.data, b"12345");
    c.seek(SeekFrom::Start(1)).unwrap();
    c.write_all(b"ab").unwrap();
    assert_eq!(c.data, b"1ab45");
    c.seek(SeekFrom::End(0)).unwrap();
    c.write_all(b"67890").unwrap();
    assert!(c.over);
    assert_eq!(c.len, 10);
    assert!(c.data.is_empty());
}
