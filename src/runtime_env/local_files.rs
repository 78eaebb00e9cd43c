//! The runtime_env fields whose string value names a local file that Python's client
//! reads before sending the environment (the cluster could not read it): a `pip` or `uv`
//! requirements file, and a `conda` environment file (`.yaml` / `.yml`).

use std::fs;
use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

use super::cannot_read;
use crate::error::{Error, Result};
use crate::value::Value;

/// A requirements file as Python's validation reads it: its stripped text, split in lines.
pub(super) fn requirements(field: &str, path: &str, check_key: &str) -> Result<Value> {
    if !Path::new(path).is_file() {
        return Err(Error::invalid(format!(
            "runtime_env {field} {path:?} is not a valid file (a string {field} value names a \
             local requirements file)"
        )));
    }
    let what = format!("runtime_env {field} {path:?}");
    let text = fs::read_to_string(path).map_err(|e| cannot_read(&what, Path::new(path), &e))?;
    let lines = text
        .trim()
        .split('\n')
        .map(|l| Value::str(l.to_owned()))
        .collect();
    Ok(Value::dict([
        ("packages", Value::List(lines)),
        (check_key, Value::Bool(false)),
    ]))
}

/// Whether a `conda` string names a local environment file, as Python tells: by its
/// suffix (any other string names an environment installed on the nodes).
pub(super) fn is_conda_file(conda: &str) -> bool {
    matches!(
        Path::new(conda).extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    )
}

/// A conda environment file read as Python's `yaml.safe_load` reads it, so the cluster
/// gets the environment's contents (a dict: `name`, `channels`, `dependencies`, ...).
pub(super) fn conda(path: &str) -> Result<Value> {
    if !Path::new(path).is_file() {
        return Err(Error::invalid(format!(
            "Can't find conda YAML file {path}."
        )));
    }
    let what = format!("runtime_env conda {path:?}");
    let text = fs::read_to_string(path).map_err(|e| cannot_read(&what, Path::new(path), &e))?;
    let failed = |why: String| Error::invalid(format!("Failed to read conda file {path}: {why}."));
    let docs = YamlLoader::load_from_str(&text).map_err(|e| failed(e.to_string()))?;
    match docs.as_slice() {
        // An empty file: safe_load's None.
        [] => Ok(Value::None),
        [doc] => to_value(doc).map_err(failed),
        _ => Err(failed("it holds more than one YAML document".to_owned())),
    }
}

/// A YAML node as the Python value `safe_load` makes of it.
fn to_value(yaml: &Yaml) -> std::result::Result<Value, String> {
    Ok(match yaml {
        Yaml::Null => Value::None,
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Integer(i) => Value::Int(*i),
        Yaml::Real(_) => Value::Float(yaml.as_f64().ok_or("a number out of range")?),
        Yaml::String(s) => Value::str(s.clone()),
        Yaml::Array(items) => Value::List(items.iter().map(to_value).collect::<Result<_, _>>()?),
        Yaml::Hash(map) => Value::Dict(
            map.iter()
                .map(|(k, v)| Ok((to_value(k)?, to_value(v)?)))
                .collect::<Result<_, String>>()?,
        ),
        Yaml::Alias(_) => return Err("YAML aliases are not supported".to_owned()),
        Yaml::BadValue => return Err("a value that is not valid YAML".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conda_file_reads_as_pythons_safe_load_reads_it() {
        let dir = std::env::temp_dir().join(format!("rc-conda-unit-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("environment.yml");
        fs::write(
            &path,
            "name: rc-env\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip:\n      - requests==2.32.3\nversion: 2\nratio: 0.5\nflag: true\nnothing: ~\n",
        )
        .unwrap();
        let got = conda(path.to_str().unwrap()).unwrap();
        let want = Value::Dict(vec![
            (Value::str("name"), Value::str("rc-env")),
            (
                Value::str("channels"),
                Value::List(vec![Value::str("conda-forge")]),
            ),
            (
                Value::str("dependencies"),
                Value::List(vec![
                    Value::str("python=3.11"),
                    Value::dict([("pip", Value::List(vec![Value::str("requests==2.32.3")]))]),
                ]),
            ),
            (Value::str("version"), Value::Int(2)),
            (Value::str("ratio"), Value::Float(0.5)),
            (Value::str("flag"), Value::Bool(true)),
            (Value::str("nothing"), Value::None),
        ]);
        assert_eq!(got, want);
        assert!(is_conda_file("env.yaml") && is_conda_file("a/b.yml"));
        assert!(!is_conda_file("my-installed-env") && !is_conda_file("/opt/conda/envs/x"));
        let e = conda("/nonexistent/environment.yml").unwrap_err();
        assert!(e.to_string().contains("Can't find conda YAML file"), "{e}");
        fs::write(&path, "dependencies: [python\n").unwrap();
        let e = conda(path.to_str().unwrap()).unwrap_err();
        assert!(e.to_string().contains("Failed to read conda file"), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
