//! Runtime environments with local files: what Python's client does in `ray.init` before it
//! sends the job config (`upload_py_modules_if_needed`, `upload_working_dir_if_needed`),
//! done for the connect-time environment and for per-task/actor environments alike.
//!
//! A `working_dir` or `py_modules` entry that is a local directory (or a single `.py` file)
//! is zipped, named by a hash of its contents and stored in the cluster's KV under
//! `gcs://_ray_pkg_<hash>.zip`, unless that key exists already; the environment then names
//! the URI instead of the path. Like Python, packaging skips what `.gitignore` (unless
//! `RAY_RUNTIME_ENV_IGNORE_GITIGNORE=1`), `.rayignore` and the `excludes` patterns match,
//! plus Ray's default excludes for a `working_dir` (`.git`, `.venv`, `venv`,
//! `__pycache__`; `RAY_OVERRIDE_RUNTIME_ENV_DEFAULT_EXCLUDES` overrides them), and refuses a
//! package of `RAY_max_grpc_message_size` bytes (512 MiB) or more. A local archive given
//! as `working_dir` (`.zip`, `.tar.gz`, `.tgz`, `.tar.xz`) and a `.whl` in `py_modules` are
//! uploaded as they are. A `pip` or `uv` string names a local requirements file, and a
//! `conda` string ending in `.yaml`/`.yml` a local environment file, which are read here
//! (the server could not read them; see `local_files`). URIs (`s3://`, `gs://`, `https://`,
//! `gcs://`, `local://`, ...) pass through unchanged.
//!
//! Hashing and zipping run on tokio's blocking pool, never on the I/O thread.

use std::collections::HashMap;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use crate::client::Client;
use crate::connection::{status_error, Connection};
use crate::diagnostics::diag;
use crate::error::{Error, Result};
use crate::proto::{ClientPinRuntimeEnvUriRequest, KvExistsRequest, KvPutRequest};
use crate::runtime;
use crate::value::Value;

/// Python's `GCS_STORAGE_MAX_SIZE` default (`GRPC_CPP_MAX_MESSAGE_SIZE`): 512 MiB.
pub(crate) const DEFAULT_MAX_PACKAGE_SIZE: u64 = 512 * 1024 * 1024;
const MAX_SIZE_ENV: &str = "RAY_max_grpc_message_size";
/// Python's `RAY_RUNTIME_ENV_DEFAULT_EXCLUDES`, and the variable that overrides it.
const DEFAULT_EXCLUDES: &str = ".git,.venv,venv,__pycache__";
const DEFAULT_EXCLUDES_ENV: &str = "RAY_OVERRIDE_RUNTIME_ENV_DEFAULT_EXCLUDES";
const IGNORE_GITIGNORE_ENV: &str = "RAY_RUNTIME_ENV_IGNORE_GITIGNORE";
/// How long the GCS keeps an uploaded package that nothing references yet.
const PIN_EXPIRATION_ENV: &str = "RAY_RUNTIME_ENV_TEMPORARY_REFERENCE_EXPIRATION_S";
const DEFAULT_PIN_EXPIRATION_S: i32 = 600;
const PKG_PREFIX: &str = "_ray_pkg_";

/// Protocols Ray knows (`ray._common.runtime_env_uri.Protocol`).
const KNOWN_SCHEMES: &[&str] = &[
    "gcs", "conda", "pip", "uv", "http", "https", "s3", "gs", "azure", "abfss", "file", "local",
];
/// The ones whose URIs must name a supported archive.
const PACKAGE_SCHEMES: &[&str] = &["gcs", "http", "https", "s3", "gs", "azure", "abfss", "file"];
const WORKING_DIR_EXTENSIONS: &[&str] = &[".zip", ".tar.gz", ".tgz", ".tar.xz"];
const PY_MODULES_EXTENSIONS: &[&str] = &[".zip", ".whl", ".tar.gz", ".tgz", ".tar.xz"];

/// What the environment variables say, read once per preparation.
#[derive(Debug, Clone)]
struct Settings {
    max_size: u64,
    include_gitignore: bool,
    default_excludes: Vec<String>,
    pin_expiration_s: i32,
}

impl Settings {
    fn from_env() -> Result<Settings> {
        let var = |k: &str| std::env::var(k).ok();
        let max_size = match var(MAX_SIZE_ENV).filter(|s| !s.trim().is_empty()) {
            Some(s) => s.trim().parse::<u64>().map_err(|_| {
                Error::invalid(format!(
                    "{MAX_SIZE_ENV}={s:?} is not a whole number of bytes"
                ))
            })?,
            None => DEFAULT_MAX_PACKAGE_SIZE,
        };
        let default_excludes = var(DEFAULT_EXCLUDES_ENV)
            .unwrap_or_else(|| DEFAULT_EXCLUDES.to_owned())
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let pin_expiration_s = match var(PIN_EXPIRATION_ENV).filter(|s| !s.trim().is_empty()) {
            Some(s) => match s.trim().parse::<i32>() {
                Ok(n) if n >= 0 => n,
                _ => {
                    return Err(Error::invalid(format!(
                        "{PIN_EXPIRATION_ENV}={s:?} is not a whole number of seconds >= 0"
                    )))
                }
            },
            None => DEFAULT_PIN_EXPIRATION_S,
        };
        Ok(Settings {
            max_size,
            include_gitignore: var(IGNORE_GITIGNORE_ENV).as_deref() != Some("1"),
            default_excludes,
            pin_expiration_s,
        })
    }

    /// How long a per-task preparation is reused before it is checked again: the GCS
    /// deletes a package when the last job referencing it ends, and then it must be
    /// uploaded again. At most a minute, and within the pin's lifetime.
    fn reuse_for(&self) -> Duration {
        let pin = match self.pin_expiration_s {
            0 => 120,
            n => n as u64 / 2,
        };
        Duration::from_secs(pin.clamp(1, 60))
    }
}

/// Prepares `env` (a dict) for the cluster: local packages uploaded (when not there yet)
/// and replaced by their `gcs://` URIs, requirement files read, `excludes` dropped.
pub(crate) async fn prepare(conn: &Connection, env: &Value) -> Result<Value> {
    prepare_with(conn, env, Settings::from_env()?).await
}

async fn prepare_with(conn: &Connection, env: &Value, settings: Settings) -> Result<Value> {
    if !needs_local_files(env)? {
        return rewrite_without_files(env);
    }
    let (env, settings_) = (env.clone(), settings.clone());
    let plan = off_io_thread(move || plan(&env, &settings_)).await?;
    for package in plan.packages {
        upload_if_needed(conn, package, &settings).await?;
    }
    Ok(plan.env)
}

/// Per-task/actor preparation on the caller's thread. A prepared environment is reused
/// for a short while per client, so a loop of calls does not hash the files every time.
pub(crate) fn prepare_blocking(client: &Client, env: &Value) -> Result<Value> {
    if !needs_local_files(env)? {
        return rewrite_without_files(env);
    }
    let settings = Settings::from_env()?;
    let key = (client.client_id().to_owned(), format!("{env:?}"));
    let reuse_for = settings.reuse_for();
    if let Some((prepared, at)) = TASK_ENVS.lock().unwrap().get(&key) {
        if at.elapsed() < reuse_for {
            return Ok(prepared.clone());
        }
    }
    client.check_open()?;
    let conn = client.inner.conn.clone();
    let env = env.clone();
    let prepared = runtime::block_on(async move { prepare_with(&conn, &env, settings).await })?;
    let mut cache = TASK_ENVS.lock().unwrap();
    if cache.len() >= 1024 {
        cache.retain(|_, (_, at)| at.elapsed() < reuse_for);
        if cache.len() >= 1024 {
            cache.clear();
        }
    }
    cache.insert(key, (prepared.clone(), Instant::now()));
    Ok(prepared)
}

/// An environment prepared for an upload through another channel than the client's KV
/// (the dashboard's package endpoint, see `dashboard::packages`): local paths replaced
/// by their URIs, and the packages those name, each built on demand (blocking: call it
/// off the I/O thread).
pub(crate) struct LocalPackages {
    pub env: Value,
    pub packages: Vec<Package>,
    max_size: u64,
}

impl LocalPackages {
    /// Plans `env` with the settings of the process environment (no I/O for an
    /// environment without local files).
    pub(crate) fn plan(env: &Value) -> Result<LocalPackages> {
        if !needs_local_files(env)? {
            let env = rewrite_without_files(env)?;
            let (packages, max_size) = (Vec::new(), DEFAULT_MAX_PACKAGE_SIZE);
            return Ok(LocalPackages {
                env,
                packages,
                max_size,
            });
        }
        let settings = Settings::from_env()?;
        let plan = plan(env, &settings)?;
        let (env, packages) = (plan.env, plan.packages);
        let max_size = settings.max_size;
        Ok(LocalPackages {
            env,
            packages,
            max_size,
        })
    }

    /// The bytes of `package`, which must be one of `self.packages`.
    pub(crate) fn build(&self, package: &Package) -> Result<Vec<u8>> {
        package.build(self.max_size)
    }
}

/// A package's URI and contents.
#[cfg(feature = "test-hooks")]
#[doc(hidden)]
pub type PackageBytes = (String, Vec<u8>);

type TaskEnvCache = HashMap<(String, String), (Value, Instant)>;

/// Prepared per-task environments by (client id, environment).
static TASK_ENVS: LazyLock<Mutex<TaskEnvCache>> = LazyLock::new(Default::default);

impl Client {
    /// Packages `env` the way connect and task calls do, without a cluster: returns the
    /// rewritten environment and every package (URI, bytes) it would upload. For tests.
    #[doc(hidden)]
    #[cfg(feature = "test-hooks")]
    pub fn __package_runtime_env(
        env: &Value,
        max_package_size: Option<u64>,
    ) -> Result<(Value, Vec<PackageBytes>)> {
        let mut settings = Settings::from_env()?;
        if let Some(max) = max_package_size {
            settings.max_size = max;
        }
        let plan = plan(env, &settings)?;
        let mut packages = Vec::new();
        for p in &plan.packages {
            packages.push((p.uri.clone(), p.build(settings.max_size)?));
        }
        Ok((plan.env, packages))
    }
}

async fn off_io_thread<T, F>(f: F) -> Result<T>
where
    F: FnOnce() -> Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal(format!("runtime_env packaging failed: {e}")))?
}

async fn upload_if_needed(conn: &Connection, package: Package, settings: &Settings) -> Result<()> {
    let uri = package.uri.clone();
    let what = package.what.clone();
    let failed = |call: &str, s: &tonic::Status| {
        status_error(call, conn.address(), s)
            .context(format!("uploading {what} to the cluster as {uri}"))
    };
    // As Python does: a temporary reference keeps the GCS from deleting the package
    // before the job or task that uses it holds one. Only the proxy answers this call
    // (before init); a client's own server (after init) says Unimplemented, which is
    // fine: nothing references a package there until a task does.
    if settings.pin_expiration_s > 0 {
        let req = ClientPinRuntimeEnvUriRequest {
            uri: uri.clone(),
            expiration_s: settings.pin_expiration_s,
        };
        match conn
            .driver_stub()
            .pin_runtime_env_uri(conn.request(req))
            .await
        {
            Err(s) if s.code() != tonic::Code::Unimplemented => {
                return Err(failed("pin runtime_env URI", &s))
            }
            _ => {}
        }
    }
    let key = Bytes::from(uri.clone().into_bytes());
    let exists = conn
        .driver_stub()
        .kv_exists(conn.request(KvExistsRequest {
            key: key.clone(),
            namespace: None,
        }))
        .await
        .map_err(|s| failed("kv exists", &s))?
        .into_inner()
        .exists;
    if exists {
        diag!(
            DEBUG,
            "runtime_env",
            "{what} is on the cluster already as {uri}"
        );
        return Ok(());
    }
    let max = settings.max_size;
    let data = off_io_thread(move || package.build(max)).await?;
    diag!(
        DEBUG,
        "runtime_env",
        "uploading {what} as {uri} ({} bytes)",
        data.len()
    );
    conn.driver_stub()
        .kv_put(conn.request(KvPutRequest {
            key,
            value: Bytes::from(data),
            overwrite: true,
            namespace: None,
        }))
        .await
        .map_err(|s| failed("kv put", &s))?;
    Ok(())
}

/// The rewritten environment and the packages it names.
#[derive(Debug)]
struct Plan {
    env: Value,
    packages: Vec<Package>,
}

/// One package to upload.
#[derive(Debug, Clone)]
pub(crate) struct Package {
    pub uri: String,
    /// `runtime_env working_dir "path"`, for messages.
    pub what: String,
    content: Content,
}

#[derive(Debug, Clone)]
enum Content {
    /// Files to zip, in order.
    Zip(Vec<Entry>),
    /// A file uploaded as it is.
    File(PathBuf),
}

#[derive(Debug, Clone)]
struct Entry {
    /// The name in the zip, `/`-separated.
    name: String,
    path: PathBuf,
    mode: u32,
    /// `None` for an (empty) directory.
    len: Option<u64>,
}

impl Package {
    /// The bytes to upload; an error when they are `max` bytes or more.
    fn build(&self, max: u64) -> Result<Vec<u8>> {
        let data = match &self.content {
            Content::File(path) => {
                let len = fs::metadata(path).map_err(|e| cannot_read(&self.what, path, &e))?;
                if len.len() >= max {
                    return Err(too_large(&self.what, len.len(), max));
                }
                fs::read(path).map_err(|e| cannot_read(&self.what, path, &e))?
            }
            Content::Zip(entries) => archive::zip_entries(entries, max, &self.what)?,
        };
        if data.len() as u64 >= max {
            return Err(too_large(&self.what, data.len() as u64, max));
        }
        Ok(data)
    }
}

fn too_large(what: &str, size: u64, max: u64) -> Error {
    Error::invalid(format!(
        "{what}: the package is {} ({size} bytes), which exceeds the maximum size of {} \
         ({max} bytes; packages must be smaller, see {MAX_SIZE_ENV}). To exclude large files, \
         add them to '.gitignore' or '.rayignore' files, or use the 'excludes' option in the \
         runtime_env, or provide a URI of a remote zip file",
        mib(size),
        mib(max)
    ))
}

fn mib(n: u64) -> String {
    format!("{:.2}MiB", n as f64 / (1024.0 * 1024.0))
}

fn cannot_read(what: &str, path: &Path, e: &io::Error) -> Error {
    Error::invalid(format!("{what}: cannot read {}: {e}", path.display()))
}

fn entries_of(env: &Value) -> Result<&[(Value, Value)]> {
    match env {
        Value::Dict(pairs) => Ok(pairs),
        other => Err(Error::invalid(format!(
            "runtime_env must be a dict, got {}",
            other.type_name()
        ))),
    }
}

fn key_of(k: &Value) -> Result<&str> {
    k.as_str().ok_or_else(|| {
        Error::invalid(format!(
            "runtime_env keys must be strings, got {}",
            k.type_name()
        ))
    })
}

/// True when preparing `env` reads local files: a `working_dir` or `py_modules` entry that
/// is not a URI, a `pip`/`uv` requirements file or a `conda` environment file.
fn needs_local_files(env: &Value) -> Result<bool> {
    for (k, v) in entries_of(env)? {
        let local = match (key_of(k)?, v) {
            ("working_dir", Value::Str(s)) => Location::of(s) == Location::Path,
            ("py_modules", v) => v.as_seq().unwrap_or_default().iter().any(|m| {
                m.as_str()
                    .is_some_and(|s| Location::of(s) == Location::Path)
            }),
            ("pip" | "uv", Value::Str(_)) => true,
            ("conda", Value::Str(s)) => local_files::is_conda_file(s),
            _ => false,
        };
        if local {
            return Ok(true);
        }
    }
    Ok(false)
}

/// [`plan`] for an environment without local files (no I/O, no settings needed).
fn rewrite_without_files(env: &Value) -> Result<Value> {
    let unused = Settings {
        max_size: DEFAULT_MAX_PACKAGE_SIZE,
        include_gitignore: true,
        default_excludes: Vec::new(),
        pin_expiration_s: DEFAULT_PIN_EXPIRATION_S,
    };
    let plan = plan(env, &unused)?;
    debug_assert!(plan.packages.is_empty());
    Ok(plan.env)
}

#[derive(Debug, PartialEq, Eq)]
enum Location {
    Path,
    /// A URI of a protocol Ray knows, passed through.
    Uri,
    /// `scheme://...` of a protocol Ray does not know.
    UnknownUri,
}

impl Location {
    fn of(s: &str) -> Location {
        match uri_scheme(s) {
            Some(scheme) if KNOWN_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) => {
                Location::Uri
            }
            // Python treats a string whose protocol it does not know as a path.
            Some(_) if Path::new(s).exists() => Location::Path,
            Some(_) => Location::UnknownUri,
            None => Location::Path,
        }
    }
}

/// The scheme of `scheme://rest` (at least two characters, so `C://` stays a path).
fn uri_scheme(s: &str) -> Option<&str> {
    let (scheme, _) = s.split_once("://")?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    (scheme.len() >= 2
        && first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then_some(scheme)
}

/// Checks that a package URI names an archive `field` accepts, as Python's
/// `validate_package_extension` does.
fn check_uri(field: &str, uri: &str, extensions: &[&str]) -> Result<()> {
    let scheme = uri_scheme(uri).unwrap_or_default().to_ascii_lowercase();
    if !PACKAGE_SCHEMES.contains(&scheme.as_str()) {
        return Ok(());
    }
    let display = uri.split('?').next().unwrap_or(uri);
    let rest = uri.split_once("://").map_or("", |(_, r)| r);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    // For gcs:// the package is the host part; for the others host and path.
    let name = if scheme == "gcs" {
        rest.split('/').next().unwrap_or_default()
    } else {
        rest
    };
    if extensions.iter().any(|e| name.ends_with(e)) {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "Only {} files are supported for {field} URIs; got {display}",
            extensions.join(", ")
        )))
    }
}

fn unknown_scheme(field: &str, s: &str) -> Error {
    Error::invalid(format!(
        "runtime_env {field} {s:?} is neither an existing local path nor a URI of a supported \
         protocol ({})",
        KNOWN_SCHEMES.join(", ")
    ))
}

/// Rewrites `env`: local packages become `gcs://` URIs (collected in the plan, hashed but
/// not zipped), requirement files become their lines, `excludes` goes.
fn plan(env: &Value, settings: &Settings) -> Result<Plan> {
    let pairs = entries_of(env)?;
    let mut user_excludes: Vec<String> = Vec::new();
    for (k, v) in pairs {
        if key_of(k)? == "excludes" {
            user_excludes = match v {
                Value::None => Vec::new(),
                v => v
                    .as_seq()
                    .and_then(|s| {
                        s.iter()
                            .map(|p| p.as_str().map(str::to_owned))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| {
                        Error::invalid(format!(
                            "runtime_env['excludes'] must be a list of strings, got {}",
                            v.type_name()
                        ))
                    })?,
            };
        }
    }
    let mut packages: Vec<Package> = Vec::new();
    let mut add = |p: Package| {
        let uri = p.uri.clone();
        if !packages.iter().any(|q| q.uri == uri) {
            packages.push(p);
        }
        Value::Str(uri)
    };
    let mut out = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        let key = key_of(k)?;
        let v = match (key, v) {
            ("excludes", _) => continue,
            ("working_dir", Value::None) => Value::None,
            ("working_dir", Value::Str(s)) => match Location::of(s) {
                Location::Uri => {
                    check_uri("working_dir", s, WORKING_DIR_EXTENSIONS)?;
                    v.clone()
                }
                Location::UnknownUri => return Err(unknown_scheme("working_dir", s)),
                Location::Path => {
                    let mut excludes = settings.default_excludes.clone();
                    excludes.extend(user_excludes.iter().cloned());
                    add(working_dir_package(s, &excludes, settings)?)
                }
            },
            ("working_dir", other) => {
                return Err(Error::invalid(format!(
                    "runtime_env working_dir must be a string (a local path or a URI), got {}",
                    other.type_name()
                )))
            }
            ("py_modules", Value::None) => Value::None,
            ("py_modules", v) => {
                let modules = v.as_seq().ok_or_else(|| {
                    Error::invalid(format!(
                        "runtime_env py_modules must be a list of local paths or URIs, got {}",
                        v.type_name()
                    ))
                })?;
                let mut uris = Vec::with_capacity(modules.len());
                for m in modules {
                    let s = m.as_str().ok_or_else(|| {
                        Error::invalid(format!(
                            "runtime_env py_modules entries must be strings (local paths or \
                             URIs), got {}",
                            m.type_name()
                        ))
                    })?;
                    uris.push(match Location::of(s) {
                        Location::Uri => {
                            check_uri("py_modules", s, PY_MODULES_EXTENSIONS)?;
                            m.clone()
                        }
                        Location::UnknownUri => return Err(unknown_scheme("py_modules entry", s)),
                        Location::Path => add(py_module_package(s, &user_excludes, settings)?),
                    });
                }
                Value::List(uris)
            }
            ("pip", Value::Str(path)) => local_files::requirements(key, path, "pip_check")?,
            ("uv", Value::Str(path)) => local_files::requirements(key, path, "uv_check")?,
            ("conda", Value::Str(path)) if local_files::is_conda_file(path) => {
                local_files::conda(path)?
            }
            _ => v.clone(),
        };
        out.push((k.clone(), v));
    }
    Ok(Plan {
        env: Value::Dict(out),
        packages,
    })
}

fn absolute(path: &str) -> Result<PathBuf> {
    std::path::absolute(path)
        .map_err(|e| Error::invalid(format!("runtime_env path {path:?} is not usable: {e}")))
}

fn working_dir_package(path: &str, excludes: &[String], settings: &Settings) -> Result<Package> {
    let what = format!("runtime_env working_dir {path:?}");
    let abs = absolute(path)?;
    match fs::metadata(&abs) {
        Ok(m) if m.is_dir() => {
            tree_package(what, &abs, false, excludes, settings.include_gitignore)
        }
        Ok(m) if m.is_file() => match archive_extension(path) {
            Some(ext) => file_package(what, &abs, ext),
            None => Err(Error::invalid(format!(
                "{what} must be an existing directory or a supported archive ({}); it is a \
                 file of another kind",
                WORKING_DIR_EXTENSIONS.join(", ")
            ))),
        },
        Ok(_) => Err(Error::invalid(format!(
            "{what} must be an existing directory or a supported archive ({})",
            WORKING_DIR_EXTENSIONS.join(", ")
        ))),
        Err(e) => Err(Error::invalid(format!(
            "{what} must be an existing directory or a supported archive ({}): {} ({e})",
            WORKING_DIR_EXTENSIONS.join(", "),
            abs.display()
        ))),
    }
}

/// The archive extension a local `working_dir` file has, as its URI keeps it.
fn archive_extension(path: &str) -> Option<&'static str> {
    if path.ends_with(".tar.gz") || path.ends_with(".tgz") {
        Some(".tar.gz")
    } else if path.ends_with(".tar.xz") {
        Some(".tar.xz")
    } else if path.ends_with(".zip") {
        Some(".zip")
    } else {
        None
    }
}

fn py_module_package(path: &str, excludes: &[String], settings: &Settings) -> Result<Package> {
    let what = format!("runtime_env py_modules entry {path:?}");
    let abs = absolute(path)?;
    let meta = fs::metadata(&abs);
    if meta.as_ref().is_ok_and(|m| m.is_dir()) {
        // Zipped with the directory itself as the top-level folder, so the package
        // is importable by its directory name.
        return tree_package(what, &abs, true, excludes, settings.include_gitignore);
    }
    let ext = abs.extension().and_then(|e| e.to_str());
    match (&meta, ext) {
        (Ok(m), Some("py")) if m.is_file() => {
            tree_package(what, &abs, false, &[], settings.include_gitignore)
        }
        (Ok(m), Some("whl")) if m.is_file() => {
            // A wheel's name already identifies its contents (name, version, tags).
            let name = abs
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| Error::invalid(format!("{what}: the file name is not UTF-8")))?;
            Ok(Package {
                uri: format!("gcs://{name}"),
                what,
                content: Content::File(abs.clone()),
            })
        }
        (Err(e), Some("py" | "whl")) => Err(Error::invalid(format!(
            "{what} does not exist: {} ({e})",
            abs.display()
        ))),
        (Err(e), _) => Err(Error::invalid(format!(
            "{what} must be a .py file, a directory, or a .whl file, and {} does not exist ({e})",
            abs.display()
        ))),
        _ => Err(Error::invalid(format!(
            "{what} must be a .py file, a directory, or a .whl file"
        ))),
    }
}

/// A local archive uploaded as it is, named by the SHA-1 of its bytes (as Python does).
fn file_package(what: String, path: &Path, ext: &str) -> Result<Package> {
    let mut hasher = sha1_smol::Sha1::new();
    let mut file = fs::File::open(path).map_err(|e| cannot_read(&what, path, &e))?;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| cannot_read(&what, path, &e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(Package {
        uri: format!("gcs://{PKG_PREFIX}{}{ext}", hasher.digest()),
        what,
        content: Content::File(path.to_owned()),
    })
}

/// A directory (or single file) to zip: its entries, and a URI from their hash.
fn tree_package(
    what: String,
    root: &Path,
    include_parent_dir: bool,
    excludes: &[String],
    include_gitignore: bool,
) -> Result<Package> {
    let (entries, hash) =
        collect_entries(&what, root, include_parent_dir, excludes, include_gitignore)?;
    Ok(Package {
        uri: format!("gcs://{PKG_PREFIX}{hash}.zip"),
        what,
        content: Content::Zip(entries),
    })
}

#[cfg(unix)]
fn mode_of(meta: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(meta: &fs::Metadata) -> u32 {
    match (meta.is_dir(), meta.permissions().readonly()) {
        (true, _) => 0o755,
        (false, true) => 0o444,
        (false, false) => 0o644,
    }
}

/// What goes in the zip, in a fixed order (files and empty directories, skipping what the
/// ignore rules match), and the package name's hash (see [`python_hash`]). Python's
/// `_dir_travel` semantics: each directory's `.gitignore` and `.rayignore` apply below
/// it, relative to it; a directory a pattern matches is skipped whole (one matched only
/// by a directory pattern, `build/`, is kept itself but not what is in it).
fn collect_entries(
    what: &str,
    root: &Path,
    include_parent_dir: bool,
    excludes: &[String],
    include_gitignore: bool,
) -> Result<(Vec<Entry>, String)> {
    let meta = fs::metadata(root).map_err(|e| cannot_read(what, root, &e))?;
    if !meta.is_dir() {
        let name = utf8_name(what, root)?;
        let entries = vec![Entry {
            name,
            path: root.to_owned(),
            mode: mode_of(&meta),
            len: Some(meta.len()),
        }];
        let hash = python_hash(what, &entries, &[], 0)?;
        return Ok((entries, hash));
    }
    let prefix = if include_parent_dir {
        format!("{}/", utf8_name(what, root)?)
    } else {
        String::new()
    };
    let mut builder = GitignoreBuilder::new(root);
    for pattern in excludes {
        builder.add_line(None, pattern).map_err(|e| {
            Error::invalid(format!("{what}: bad pattern {pattern:?} in excludes: {e}"))
        })?;
    }
    let excludes = builder
        .build()
        .map_err(|e| Error::invalid(format!("{what}: bad excludes: {e}")))?;
    let mut walker = Walker {
        what,
        include_gitignore,
        entries: Vec::new(),
        ancestors: fs::canonicalize(root).into_iter().collect(),
        matchers: vec![excludes],
        dirs: vec![".".to_owned()],
        prefix_len: prefix.len(),
    };
    walker.walk(root, &prefix)?;
    if walker.entries.is_empty() && include_parent_dir && dir_is_empty(what, root)? {
        walker.entries.push(Entry {
            name: prefix,
            path: root.to_owned(),
            mode: mode_of(&meta),
            len: None,
        });
    }
    let hash = python_hash(what, &walker.entries, &walker.dirs, walker.prefix_len)?;
    Ok((walker.entries, hash))
}

/// The last component of `path` (made absolute), as Python's `Path.absolute().name`.
fn utf8_name(what: &str, path: &Path) -> Result<String> {
    let name = match path.file_name() {
        Some(n) => n.to_owned(),
        // `..` and the like: the real directory's name.
        None => fs::canonicalize(path)
            .ok()
            .and_then(|p| p.file_name().map(ToOwned::to_owned))
            .unwrap_or_default(),
    };
    name.to_str()
        .map(str::to_owned)
        .ok_or_else(|| Error::invalid(format!("{what}: {} is not a UTF-8 name", path.display())))
}

fn dir_is_empty(what: &str, dir: &Path) -> Result<bool> {
    Ok(fs::read_dir(dir)
        .map_err(|e| cannot_read(what, dir, &e))?
        .next()
        .is_none())
}

struct Walker<'a> {
    what: &'a str,
    include_gitignore: bool,
    entries: Vec<Entry>,
    /// Canonical paths of the directories being walked, so a symlink loop ends.
    ancestors: Vec<PathBuf>,
    matchers: Vec<Gitignore>,
    /// Every directory walked, relative to the root ("." for the root): Python's
    /// package name hashes them too.
    dirs: Vec<String>,
    /// The length of the names' prefix that is not relative to the root (the parent
    /// directory's name of a py_modules package).
    prefix_len: usize,
}

impl Walker<'_> {
    fn walk(&mut self, dir: &Path, prefix: &str) -> Result<()> {
        let before = self.matchers.len();
        let mut ignore_files = vec![".rayignore"];
        if self.include_gitignore {
            ignore_files.insert(0, ".gitignore");
        }
        for name in ignore_files {
            let file = dir.join(name);
            if file.is_file() {
                let mut builder = GitignoreBuilder::new(dir);
                // Lines that are not valid patterns are skipped, as git does.
                let _ = builder.add(&file);
                if let Ok(m) = builder.build() {
                    self.matchers.push(m);
                }
            }
        }
        let mut children: Vec<_> = fs::read_dir(dir)
            .map_err(|e| cannot_read(self.what, dir, &e))?
            .map(|e| e.map(|e| e.file_name()))
            .collect::<io::Result<_>>()
            .map_err(|e| cannot_read(self.what, dir, &e))?;
        children.sort();
        for name in children {
            let path = dir.join(&name);
            // Follows symlinks, as Python does; a broken one is neither file nor directory.
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            let is_dir = meta.is_dir();
            // As Python's pathspec matches: the path as a string without a trailing
            // slash, or one of its directories. So a directory-only pattern (`build/`)
            // leaves the directory itself in (Python hashes its name, and zips it when
            // empty) and drops everything in it.
            if self
                .matchers
                .iter()
                .any(|m| m.matched_path_or_any_parents(&path, false).is_ignore())
            {
                continue;
            }
            let Some(name) = name.to_str() else {
                return Err(Error::invalid(format!(
                    "{}: {} is not a UTF-8 name; exclude it or rename it",
                    self.what,
                    path.display()
                )));
            };
            let rel = format!("{prefix}{name}");
            if is_dir {
                let canonical = fs::canonicalize(&path).ok();
                if canonical
                    .as_ref()
                    .is_some_and(|c| self.ancestors.contains(c))
                {
                    continue;
                }
                self.dirs.push(rel[self.prefix_len..].to_owned());
                if dir_is_empty(self.what, &path)? {
                    self.entries.push(Entry {
                        name: format!("{rel}/"),
                        path,
                        mode: mode_of(&meta),
                        len: None,
                    });
                } else {
                    self.ancestors.extend(canonical.clone());
                    self.walk(&path, &format!("{rel}/"))?;
                    if canonical.is_some() {
                        self.ancestors.pop();
                    }
                }
            } else if meta.is_file() {
                self.entries.push(Entry {
                    name: rel,
                    path,
                    mode: mode_of(&meta),
                    len: Some(meta.len()),
                });
            }
        }
        self.matchers.truncate(before);
        Ok(())
    }
}

/// The package's name as Python's `get_uri_for_directory` (and `get_uri_for_file`) makes
/// it, so that Python and this library share packages in the cluster: the SHA-1 of each
/// walked path relative to the root (plus the file's bytes for a file), XORed together
/// over 8 bytes that start as ASCII `0`s, in hex. (Python's XOR folds the 20-byte digests
/// into those 8 bytes.) Like Python's, it does not see a file's mode, nor whether the
/// directory is a `working_dir` or a `py_modules` entry, whose zips differ (the latter
/// has the directory's name on top): a directory used both ways on one cluster, with
/// nothing in it that `working_dir`'s default excludes drop, gets the layout of its
/// first upload, with Python's client as with this library.
fn python_hash(
    what: &str,
    entries: &[Entry],
    dirs: &[String],
    prefix_len: usize,
) -> Result<String> {
    let mut acc = [b'0'; 8];
    let mut fold = |hasher: sha1_smol::Sha1| {
        for (a, b) in acc.iter_mut().zip(hasher.digest().bytes()) {
            *a ^= b;
        }
    };
    for dir in dirs {
        let mut hasher = sha1_smol::Sha1::new();
        hasher.update(dir.trim_end_matches('/').as_bytes());
        fold(hasher);
    }
    let mut buf = vec![0u8; 1 << 20];
    for e in entries.iter().filter(|e| e.len.is_some()) {
        let mut hasher = sha1_smol::Sha1::new();
        hasher.update(&e.name.as_bytes()[prefix_len..]);
        let mut file = fs::File::open(&e.path).map_err(|err| cannot_read(what, &e.path, &err))?;
        loop {
            let n = file
                .read(&mut buf)
                .map_err(|err| cannot_read(what, &e.path, &err))?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        fold(hasher);
    }
    Ok(acc.iter().map(|b| format!("{b:02x}")).collect())
}

mod archive;
mod local_files;

#[cfg(test)]
mod tests;
