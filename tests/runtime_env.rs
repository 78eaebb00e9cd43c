//! Runtime environments with local files against the real cluster: a working_dir and
//! py_modules zipped, uploaded and used at connect and per task/actor, ignore rules, the
//! size limit, bad paths, and URIs passed through (the last ones without a cluster).
mod common;

use std::io::Read;
use std::path::{Path, PathBuf};

use ray_client::{ActorClass, Client, ConnectOptions, ErrorKind, Options, RemoteFunction, Value};

/// A fresh directory under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "rc-runtime-env-{}-{name}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }

    fn str(&self) -> String {
        self.0.to_str().unwrap().to_owned()
    }

    /// Writes `rel` (creating its directories).
    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.0.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn fixtures() -> PathBuf {
    common::repo().join("tests/fixtures/runtime_env")
}

fn strs(items: &[&str]) -> Value {
    Value::List(items.iter().map(|s| Value::str(*s)).collect())
}

fn as_strings(v: &Value) -> Vec<String> {
    v.as_seq()
        .unwrap_or_else(|| panic!("not a list: {v:?}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// Bytes that deflate cannot shrink (a simple xorshift stream).
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Names and contents of the files in a zip.
fn unzip(data: &[u8]) -> Vec<(String, Vec<u8>, Option<u32>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(data)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().to_owned(), bytes, f.unix_mode())
        })
        .collect()
}

fn names(data: &[u8]) -> Vec<String> {
    let mut n: Vec<_> = unzip(data).into_iter().map(|(n, _, _)| n).collect();
    n.sort();
    n
}

/// Every file (and empty directory, with a trailing `/`) under the worker's current
/// directory, which Ray sets to the working_dir.
fn list_files() -> RemoteFunction {
    RemoteFunction::from_source(
        "def rc_list_files():\n\
         \x20   import os\n\
         \x20   out = []\n\
         \x20   for root, dirs, files in os.walk('.'):\n\
         \x20       for f in files:\n\
         \x20           out.append(os.path.relpath(os.path.join(root, f), '.'))\n\
         \x20       for d in dirs:\n\
         \x20           p = os.path.join(root, d)\n\
         \x20           if not os.listdir(p):\n\
         \x20               out.append(os.path.relpath(p, '.') + '/')\n\
         \x20   return sorted(out)\n",
        "rc_list_files",
    )
    .unwrap()
}

/// A working_dir with something for every ignore rule. Returns (dir, token) where the
/// token makes this run's package unique.
fn sample_working_dir(module: &str) -> (TempDir, String) {
    let dir = TempDir::new(module);
    let token = dir.path().file_name().unwrap().to_str().unwrap().to_owned();
    dir.write(
        &format!("{module}.py"),
        format!(
            "TOKEN = {token:?}\n\n\ndef f(x):\n    return x * 2 + 1\n\n\n\
             def token():\n    return TOKEN\n"
        ),
    );
    dir.write(".gitignore", "secret.txt\nbuild/\n");
    dir.write("secret.txt", "gitignored");
    dir.write("build/out.bin", "gitignored directory");
    dir.write("big.log", "excluded by pattern");
    dir.write("data/raw/x.csv", "excluded directory");
    dir.write("data/keep.csv", "a,b\n1,2\n");
    dir.write("sub/.rayignore", "drop.txt\n");
    dir.write("sub/drop.txt", "rayignored");
    dir.write("sub/keep.txt", "kept");
    dir.write("__pycache__/local_marker.txt", "default exclude");
    dir.write(".git/HEAD", "ref: refs/heads/main\n");
    dir.write("venv/bin/python", "default exclude");
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let script = dir.write("run.sh", "#!/bin/sh\necho hi\n");
    set_mode(&script, 0o755);
    (dir, token)
}

const SAMPLE_EXCLUDES: &[&str] = &["*.log", "data/raw/"];

fn sample_kept(module: &str) -> Vec<String> {
    let mut v: Vec<String> = [
        ".gitignore",
        "data/keep.csv",
        "empty/",
        "run.sh",
        "sub/.rayignore",
        "sub/keep.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push(format!("{module}.py"));
    v.sort();
    v
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) {}

/// The one `gcs://` URI a prepared environment uploads.
fn single_uri(env: &Value) -> String {
    let (_, packages) = Client::__package_runtime_env(env, None).unwrap();
    assert_eq!(packages.len(), 1, "{packages:?}");
    packages[0].0.clone()
}

// (a) A working_dir at connect: uploaded before init, importable, ignore rules honoured.
#[test]
fn working_dir_at_connect_is_uploaded_without_ignored_files() {
    let module = "rc_wd_mod";
    let (dir, token) = sample_working_dir(module);
    let env = Value::dict([
        ("working_dir", Value::str(dir.str())),
        ("excludes", strs(SAMPLE_EXCLUDES)),
        ("env_vars", Value::dict([("RC_WD_VAR", "set")])),
    ]);
    let uri = single_uri(&env);
    assert!(
        uri.starts_with("gcs://_ray_pkg_") && uri.ends_with(".zip"),
        "{uri}"
    );

    let client = Client::connect_with(
        ConnectOptions::new(&common::cluster().address).runtime_env(env.clone()),
    )
    .unwrap();
    assert!(
        client.kv_exists(uri.as_bytes(), None).unwrap(),
        "{uri} not in the KV"
    );

    // The module is only importable from the uploaded working_dir.
    let f = RemoteFunction::new(module, "f").unwrap();
    let r = client.call(&f, vec![Value::from(20)], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(41));
    let t = RemoteFunction::new(module, "token").unwrap();
    let r = client.call(&t, vec![], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str(token));

    let r = client.call(&list_files(), vec![], vec![]).unwrap();
    let files: Vec<String> = as_strings(&client.get(&r).unwrap())
        .into_iter()
        // The worker's own bytecode cache appears once it imported the module.
        .filter(|f| !(f.starts_with("__pycache__/") && f.ends_with(".pyc")))
        .collect();
    assert_eq!(files, sample_kept(module));

    // File modes travel with the package (the cluster restores them from Ray 2.53).
    let executable = if common::capabilities().working_dir_file_modes {
        0o755
    } else {
        0o644
    };
    let mode = RemoteFunction::from_source(
        "def rc_mode(p):\n    import os\n    return os.stat(p).st_mode & 0o777\n",
        "rc_mode",
    )
    .unwrap();
    assert_eq!(
        common::call_get(&client, &mode, vec![Value::str("run.sh")]).unwrap(),
        Value::from(executable)
    );

    // The job's environment names the package, not the local path, and other fields
    // come through.
    let ctx = client.runtime_context().unwrap();
    assert!(ctx.runtime_env.contains(&uri), "{ctx:?}");
    assert!(!ctx.runtime_env.contains(&dir.str()), "{ctx:?}");
    assert!(ctx.runtime_env.contains("RC_WD_VAR"), "{ctx:?}");
    client.disconnect();

    // A second connection finds the package there already and works the same.
    let client =
        Client::connect_with(ConnectOptions::new(&common::cluster().address).runtime_env(env))
            .unwrap();
    let r = client.call(&f, vec![Value::from(1)], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(3));
}

// (b) py_modules: a local package directory (zipped under its own name) and a single
// `.py` file.
#[test]
fn py_modules_at_connect_are_importable() {
    let package = fixtures().join("rc_pymod_pkg");
    let single = fixtures().join("rc_single_mod.py");
    let env = Value::dict([(
        "py_modules",
        Value::List(vec![
            Value::str(package.to_str().unwrap()),
            Value::str(single.to_str().unwrap()),
        ]),
    )]);
    let client =
        Client::connect_with(ConnectOptions::new(&common::cluster().address).runtime_env(env))
            .unwrap();
    let triple = RemoteFunction::new("rc_pymod_pkg.helper", "triple").unwrap();
    let r = client.call(&triple, vec![Value::from(14)], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::from(42));
    let greeting = RemoteFunction::new("rc_pymod_pkg.helper", "greeting").unwrap();
    let r = client.call(&greeting, vec![], vec![]).unwrap();
    assert_eq!(
        client.get(&r).unwrap(),
        Value::str("hello from rc_pymod_pkg")
    );
    let shout = RemoteFunction::new("rc_single_mod", "shout").unwrap();
    let r = client
        .call(&shout, vec![Value::str("hey")], vec![])
        .unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str("HEY!"));
    let ctx = client.runtime_context().unwrap();
    assert!(ctx.runtime_env.contains("gcs://_ray_pkg_"), "{ctx:?}");
}

// (c) A per-task and a per-actor working_dir on a client without a job runtime_env.
#[test]
fn per_task_and_actor_working_dir() {
    let client = common::client();
    let dir = TempDir::new("task");
    let token = dir.path().file_name().unwrap().to_str().unwrap().to_owned();
    dir.write("rc_task_wd_mod.py", "def g(x):\n    return ['task', x]\n");
    dir.write("note.txt", &token);
    dir.write("skip.tmp", "excluded");
    let env = Value::dict([
        ("working_dir", Value::str(dir.str())),
        ("excludes", strs(&["*.tmp"])),
    ]);
    // The server process does not have the module, so the function imports it when it
    // runs, in the task's environment.
    let use_module = RemoteFunction::from_source(
        "def rc_use_task_wd(x):\n    import rc_task_wd_mod\n    return rc_task_wd_mod.g(x)\n",
        "rc_use_task_wd",
    )
    .unwrap()
    .with_options(Options::new().runtime_env(env.clone()));
    // Twice: the second call reuses the prepared environment.
    for x in [5, 6] {
        assert_eq!(
            common::call_get(&client, &use_module, vec![Value::from(x)]).unwrap(),
            Value::List(vec![Value::str("task"), Value::from(x)])
        );
    }
    let uri = single_uri(&env);
    assert!(client.kv_exists(uri.as_bytes(), None).unwrap(), "{uri}");

    let listing = list_files().with_options(Options::new().runtime_env(env.clone()));
    let r = client.call(&listing, vec![], vec![]).unwrap();
    let files: Vec<String> = as_strings(&client.get(&r).unwrap())
        .into_iter()
        .filter(|f| !f.starts_with("__pycache__/"))
        .collect();
    assert_eq!(files, vec!["note.txt", "rc_task_wd_mod.py"]);

    // Without the environment the module is not there.
    let bare = RemoteFunction::from_source(
        "def rc_use_task_wd(x):\n    import rc_task_wd_mod\n    return rc_task_wd_mod.g(x)\n",
        "rc_use_task_wd",
    )
    .unwrap();
    let r = client.call(&bare, vec![Value::from(1)], vec![]).unwrap();
    let err = client.get(&r).unwrap_err();
    assert!(err.to_string().contains("rc_task_wd_mod"), "{err}");

    let class = ActorClass::from_source(
        "class RcWdActor:\n    def read(self):\n        return open('note.txt').read()\n",
        "RcWdActor",
    )
    .unwrap()
    .with_options(Options::new().runtime_env(env));
    let actor = client.create_actor(&class, vec![], vec![]).unwrap();
    let r = client.call_method(&actor, "read", vec![], vec![]).unwrap();
    assert_eq!(client.get(&r).unwrap(), Value::str(token));
}

// (d) The size limit: Python refuses a package of GCS_STORAGE_MAX_SIZE bytes or more.
#[test]
fn package_size_limit_gives_a_clear_error() {
    let dir = TempDir::new("big");
    dir.write("blob.bin", noise(20_000));
    let env = Value::dict([("working_dir", Value::str(dir.str()))]);
    let err = Client::__package_runtime_env(&env, Some(10_000)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    let msg = err.message();
    assert!(msg.contains(&dir.str()), "{msg}");
    assert!(
        msg.contains("exceeds the maximum size of 0.01MiB (10000 bytes"),
        "{msg}"
    );
    assert!(msg.contains("excludes"), "{msg}");

    // The exact boundary: a package of exactly the limit is refused, one byte less is not.
    let (_, packages) = Client::__package_runtime_env(&env, None).unwrap();
    let size = packages[0].1.len() as u64;
    assert!(size > 20_000, "{size}");
    let err = Client::__package_runtime_env(&env, Some(size)).unwrap_err();
    assert!(err.message().contains(&format!("({size} bytes)")), "{err}");
    let (_, again) = Client::__package_runtime_env(&env, Some(size + 1)).unwrap();
    assert_eq!(again, packages);

    // A local archive used as working_dir has the same limit.
    let archive = dir.write("pkg.zip", &packages[0].1);
    let env = Value::dict([("working_dir", Value::str(archive.to_str().unwrap()))]);
    let err = Client::__package_runtime_env(&env, Some(1000)).unwrap_err();
    assert!(err.message().contains("pkg.zip"), "{err}");
    assert!(err.message().contains("exceeds the maximum size"), "{err}");
}

// (e) Local paths that do not exist fail before anything is sent, naming the path.
#[test]
fn missing_local_paths_are_invalid_arguments() {
    let missing = "/nonexistent/rc-runtime-env-missing-dir";
    let err = Client::connect_with(
        ConnectOptions::new(&common::cluster().address)
            .runtime_env(Value::dict([("working_dir", missing)])),
    )
    .err()
    .expect("a missing working_dir");
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(err.message().contains(missing), "{err}");
    assert!(err.message().contains("working_dir"), "{err}");

    let client = common::client();
    let task = list_files().with_options(Options::new().runtime_env(Value::dict([(
        "py_modules",
        strs(&["/nonexistent/rc_missing_module"]),
    )])));
    let err = client.call(&task, vec![], vec![]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
    assert!(
        err.message().contains("/nonexistent/rc_missing_module"),
        "{err}"
    );

    for (field, path) in [
        ("py_modules", "/nonexistent/rc_missing.py"),
        ("pip", "/nonexistent/requirements.txt"),
    ] {
        let value = if field == "pip" {
            Value::str(path)
        } else {
            strs(&[path])
        };
        let err = Client::__package_runtime_env(&Value::dict([(field, value)]), None).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidArgument, "{err}");
        assert!(err.message().contains(path), "{err}");
    }
    // A file of an unsupported kind is refused too.
    let dir = TempDir::new("kinds");
    let text = dir.write("notes.txt", "x");
    let env = Value::dict([("working_dir", text.to_str().unwrap())]);
    let err = Client::__package_runtime_env(&env, None).unwrap_err();
    assert!(err.message().contains("notes.txt"), "{err}");
    let env = Value::dict([("py_modules", strs(&[text.to_str().unwrap()]))]);
    let err = Client::__package_runtime_env(&env, None).unwrap_err();
    assert!(err.message().contains(".whl"), "{err}");
}

// (f) Remote URIs and other fields pass through untouched; nothing is uploaded.
#[test]
fn remote_uris_pass_through() {
    let env = Value::dict([
        (
            "working_dir",
            Value::str("s3://bucket/some/dir/pkg.zip?versionId=7"),
        ),
        (
            "py_modules",
            strs(&[
                "https://example.com/pkgs/mod-1.0-py3-none-any.whl",
                "gs://bucket/mods.tar.gz",
                "gcs://_ray_pkg_0123456789abcdef.zip",
                "local:///opt/shared/mods",
            ]),
        ),
        ("env_vars", Value::dict([("A", "1")])),
        ("pip", strs(&["requests==2.32.3"])),
        ("config", Value::dict([("setup_timeout_seconds", 60)])),
    ]);
    let (out, packages) = Client::__package_runtime_env(&env, None).unwrap();
    assert_eq!(out, env);
    assert!(packages.is_empty());

    // `excludes` only matters for uploads and is dropped afterwards.
    let mut with_excludes = env.clone();
    if let Value::Dict(pairs) = &mut with_excludes {
        pairs.push((Value::str("excludes"), strs(&["*.log"])));
    }
    let (out, _) = Client::__package_runtime_env(&with_excludes, None).unwrap();
    assert_eq!(out, env);

    // A URI of an archive kind the field does not take is refused, as in Python.
    let bad = Value::dict([("working_dir", "https://example.com/code.whl")]);
    let err = Client::__package_runtime_env(&bad, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
    assert!(
        err.message().contains("https://example.com/code.whl"),
        "{err}"
    );
    // Not a dict at all.
    let err = Client::__package_runtime_env(&Value::from(1), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidArgument);
}

// Packaging details, checked on the zips themselves (no cluster).
#[test]
fn packages_are_zipped_like_python_does() {
    // working_dir: the ignore rules, files at the top level, modes kept.
    let (dir, _) = sample_working_dir("rc_zip_check");
    let env = Value::dict([
        ("working_dir", Value::str(dir.str())),
        ("excludes", strs(SAMPLE_EXCLUDES)),
    ]);
    let (out, packages) = Client::__package_runtime_env(&env, None).unwrap();
    assert_eq!(out, Value::dict([("working_dir", packages[0].0.as_str())]));
    assert_eq!(names(&packages[0].1), sample_kept("rc_zip_check"));
    let run = unzip(&packages[0].1)
        .into_iter()
        .find(|(n, _, _)| n == "run.sh")
        .unwrap();
    assert_eq!(run.1, b"#!/bin/sh\necho hi\n");
    if cfg!(unix) {
        assert_eq!(run.2.map(|m| m & 0o777), Some(0o755));
    }

    // The URI is Python's content hash: the same for the same files, different after a
    // change of contents, unaffected by ignored files, and (as Python's, which does not
    // see modes) by a change of mode alone.
    let uri = packages[0].0.clone();
    assert_eq!(single_uri(&env), uri);
    dir.write("secret.txt", "changed, but ignored");
    assert_eq!(single_uri(&env), uri);
    dir.write("sub/keep.txt", "changed");
    let changed = single_uri(&env);
    assert_ne!(changed, uri);
    set_mode(&dir.path().join("sub/keep.txt"), 0o600);
    assert_eq!(single_uri(&env), changed);

    // Default excludes are for working_dir only; py_modules directories keep the
    // directory name as the top-level folder.
    let package = fixtures().join("rc_pymod_pkg");
    let env = Value::dict([("py_modules", strs(&[package.to_str().unwrap()]))]);
    let (out, packages) = Client::__package_runtime_env(&env, None).unwrap();
    assert_eq!(out, Value::dict([("py_modules", strs(&[&packages[0].0]))]));
    let n = names(&packages[0].1);
    assert!(n.contains(&"rc_pymod_pkg/__init__.py".to_owned()), "{n:?}");
    assert!(n.contains(&"rc_pymod_pkg/helper.py".to_owned()), "{n:?}");
    assert!(n.iter().all(|n| n.starts_with("rc_pymod_pkg/")), "{n:?}");

    // A single .py module is zipped alone at the top level.
    let single = fixtures().join("rc_single_mod.py");
    let env = Value::dict([("py_modules", strs(&[single.to_str().unwrap()]))]);
    let (_, packages) = Client::__package_runtime_env(&env, None).unwrap();
    assert_eq!(names(&packages[0].1), vec!["rc_single_mod.py"]);

    // A wheel goes as it is, named by its file name; a local archive working_dir goes
    // as it is, named by its hash.
    let tmp = TempDir::new("archives");
    let wheel = tmp.write("rc_wheel-0.1-py3-none-any.whl", b"not really a wheel");
    let archive = tmp.write("code.zip", b"not really a zip");
    let env = Value::dict([
        ("working_dir", Value::str(archive.to_str().unwrap())),
        ("py_modules", strs(&[wheel.to_str().unwrap()])),
    ]);
    let (out, packages) = Client::__package_runtime_env(&env, None).unwrap();
    let wd_uri = out.get_str("working_dir").unwrap().as_str().unwrap();
    assert!(
        wd_uri.starts_with("gcs://_ray_pkg_") && wd_uri.ends_with(".zip"),
        "{wd_uri}"
    );
    assert_eq!(
        out.get_str("py_modules"),
        Some(&strs(&["gcs://rc_wheel-0.1-py3-none-any.whl"]))
    );
    let by_uri = |u: &str| packages.iter().find(|(p, _)| p == u).unwrap().1.clone();
    assert_eq!(by_uri(wd_uri), b"not really a zip");
    assert_eq!(
        by_uri("gcs://rc_wheel-0.1-py3-none-any.whl"),
        b"not really a wheel"
    );

    // A pip requirements file is read here, as Python's client does.
    let req = fixtures().join("requirements.txt");
    let env = Value::dict([("pip", req.to_str().unwrap())]);
    let (out, packages) = Client::__package_runtime_env(&env, None).unwrap();
    assert!(packages.is_empty());
    assert_eq!(
        out,
        Value::dict([(
            "pip",
            Value::dict([
                (
                    "packages",
                    strs(&["requests==2.32.3", "# a comment", "numpy>=1.26"])
                ),
                ("pip_check", Value::Bool(false)),
            ])
        )])
    );

    // A conda environment file is read here as Python's client reads it
    // (parse_and_validate_conda: yaml.safe_load), checked against Python itself.
    let yml = fixtures().join("environment.yml");
    let env = Value::dict([("conda", yml.to_str().unwrap())]);
    let (out, packages) = Client::__package_runtime_env(&env, None).unwrap();
    assert!(packages.is_empty());
    let python = common::run(
        std::process::Command::new(common::python())
            .arg("-c")
            .arg(
                "import json, sys\n\
                 from ray._private.runtime_env.validation import parse_and_validate_conda\n\
                 print(json.dumps(parse_and_validate_conda(sys.argv[1])))",
            )
            .arg(&yml),
    );
    let want = ray_client::json::from_json(python.trim()).unwrap();
    assert_eq!(out, Value::dict([("conda", want)]));
    // A name (no .yaml/.yml suffix) is an environment installed on the nodes.
    let env = Value::dict([("conda", "my-installed-env")]);
    let (out, _) = Client::__package_runtime_env(&env, None).unwrap();
    assert_eq!(out, env);
}

/// A task whose runtime_env names a local conda file (by a path the cluster's processes,
/// running elsewhere, cannot resolve): the environment's contents reach the cluster,
/// which then sets the conda environment up (and, with no conda on this test cluster,
/// fails there, as it does for Python's client), rather than refusing the path.
#[test]
fn a_local_conda_file_reaches_the_cluster_as_its_contents() {
    let client = common::client();
    let relative = format!("target/rc-conda-{}.yml", std::process::id());
    std::fs::write(&relative, "name: rc-env\ndependencies:\n  - python=3.11\n").unwrap();
    let env = Value::dict([("conda", relative.as_str())]);
    let f = common::task("square").with_options(Options::new().runtime_env(env));
    let e = client
        .call(&f, vec![Value::from(3)], vec![])
        .and_then(|r| client.get(&r))
        .unwrap_err();
    std::fs::remove_file(&relative).unwrap();
    let text = e.to_string();
    assert!(!text.contains("Can't find conda YAML file"), "{text}");
    assert!(text.contains("conda"), "{text}");
}

/// The file names Python's own packaging (`_zip_files`) puts in the zip.
fn python_zip_names(dir: &Path, excludes: &[&str], include_parent_dir: bool) -> Vec<String> {
    let out = dir.with_extension("python.zip");
    let script = "import json, sys, zipfile\n\
                  from ray._private.runtime_env.packaging import _zip_files\n\
                  _zip_files(sys.argv[1], json.loads(sys.argv[2]), sys.argv[3],\n\
                  \x20          include_gitignore=True, include_parent_dir=sys.argv[4] == '1')\n\
                  print(json.dumps(sorted(zipfile.ZipFile(sys.argv[3]).namelist())))\n";
    let excludes = format!(
        "[{}]",
        excludes
            .iter()
            .map(|e| format!("{e:?}"))
            .collect::<Vec<_>>()
            .join(",")
    );
    let result = std::process::Command::new(common::python())
        .arg("-c")
        .arg(script)
        .arg(dir)
        .arg(excludes)
        .arg(&out)
        .arg(if include_parent_dir { "1" } else { "0" })
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&out);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let stdout = String::from_utf8(result.stdout).unwrap();
    let json = stdout.lines().last().unwrap().trim();
    let inner = json.trim_start_matches('[').trim_end_matches(']');
    let mut names: Vec<String> = inner
        .split(", ")
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_matches('"').to_owned())
        .collect();
    names.sort();
    names
}

// The same files as Python's client packs, for a tree exercising the ignore rules.
#[test]
fn same_files_as_python_packaging() {
    let (dir, _) = sample_working_dir("rc_cross_check");
    dir.write(
        ".gitignore",
        "secret.txt\nbuild/\n/top_only.txt\n*.tmp\n!keep.tmp\nlogs/**/debug.txt\ndocs/*.md\n",
    );
    dir.write("top_only.txt", "anchored: ignored at the top");
    dir.write("nested/top_only.txt", "anchored: kept below");
    dir.write("a.tmp", "ignored");
    dir.write("keep.tmp", "re-included");
    dir.write("logs/x/y/debug.txt", "ignored");
    dir.write("logs/x/info.txt", "kept");
    dir.write("docs/a.md", "ignored");
    dir.write("docs/deeper/b.md", "kept");
    dir.write("nested/.gitignore", "local.cfg\n");
    dir.write("nested/local.cfg", "ignored");
    dir.write("local.cfg", "kept: the rule is nested/'s");
    let mut python_excludes: Vec<&str> = vec![".git", ".venv", "venv", "__pycache__"];
    python_excludes.extend(SAMPLE_EXCLUDES);
    let env = Value::dict([
        ("working_dir", Value::str(dir.str())),
        ("excludes", strs(SAMPLE_EXCLUDES)),
    ]);
    let (_, packages) = Client::__package_runtime_env(&env, None).unwrap();
    assert_eq!(
        names(&packages[0].1),
        python_zip_names(dir.path(), &python_excludes, false)
    );
    // The same name as Python gives it, so that both share the package on a cluster.
    assert_eq!(packages[0].0, python_uri(dir.path(), &python_excludes));

    // As a py_modules directory: no default excludes, the directory name on top.
    let env = Value::dict([
        ("py_modules", strs(&[&dir.str()])),
        ("excludes", strs(SAMPLE_EXCLUDES)),
    ]);
    let (_, packages) = Client::__package_runtime_env(&env, None).unwrap();
    assert_eq!(
        names(&packages[0].1),
        python_zip_names(dir.path(), SAMPLE_EXCLUDES, true)
    );
    assert_eq!(packages[0].0, python_uri(dir.path(), SAMPLE_EXCLUDES));

    // A single module file (Python's get_uri_for_file).
    let file = dir.write("single_module.py", "X = 1\n");
    let env = Value::dict([("py_modules", strs(&[&file.to_string_lossy()]))]);
    let (_, packages) = Client::__package_runtime_env(&env, None).unwrap();
    let script = "import sys\nfrom ray._private.runtime_env.packaging import get_uri_for_file\n\
                  print(get_uri_for_file(sys.argv[1]))\n";
    assert_eq!(
        packages[0].0,
        python_output(script, &[file.to_str().unwrap()])
    );
}

/// What Python's `get_uri_for_directory` names `dir` with `excludes`.
fn python_uri(dir: &Path, excludes: &[&str]) -> String {
    let script = "import json, sys\n\
                  from ray._private.runtime_env.packaging import get_uri_for_directory\n\
                  print(get_uri_for_directory(sys.argv[1], True, json.loads(sys.argv[2])))\n";
    let excludes = serde_json::to_string(excludes).unwrap();
    python_output(script, &[dir.to_str().unwrap(), &excludes])
}

fn python_output(script: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(common::python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}
