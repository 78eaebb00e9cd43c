//! A tour of the API against a cluster: a working_dir uploaded from this machine, remote
//! functions with options, a named actor, the KV store, wait and cluster information.
//!
//!     cargo run --example tour -- ray://127.0.0.1:10001
//!
//! Nothing needs to be installed on the cluster: the Python module this tour calls is
//! written to a local directory and shipped as the job's working_dir.
use std::time::Duration;

use ray_client::{ActorClass, Client, ConnectOptions, Options, RemoteFunction, Value};

const MODULE: &str = r#"
import os, socket

def word_count(text):
    return len(text.split())

def where():
    return {"pid": os.getpid(), "host": socket.gethostname(), "cwd_files": sorted(os.listdir("."))}

class Inventory:
    def __init__(self):
        self.items = {}
    def add(self, name, n=1):
        self.items[name] = self.items.get(name, 0) + n
        return self.items[name]
    def snapshot(self):
        return dict(self.items)
"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let address = std::env::args().nth(1).unwrap_or_default();

    // 1. A working_dir from local disk: zipped, content-hashed and uploaded on connect.
    let dir = std::env::temp_dir().join(format!("ray-client-tour-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("tour_tasks.py"), MODULE)?;
    std::fs::write(dir.join("notes.txt"), "shipped with the job\n")?;
    std::fs::write(dir.join("big.log"), "not shipped: excluded\n")?;
    let runtime_env = Value::dict([
        ("working_dir", Value::str(dir.to_string_lossy())),
        ("excludes", Value::List(vec![Value::str("*.log")])),
        ("env_vars", Value::dict([("TOUR_GREETING", "hello")])),
    ]);
    let client = Client::connect_with(
        ConnectOptions::new(address)
            .namespace("tour")
            .runtime_env(runtime_env),
    )?;
    println!(
        "connected to {} (Ray {})",
        client.address(),
        client.server_info().ray_version
    );

    // 2. Remote functions from the uploaded module, with options.
    let count = RemoteFunction::new("tour_tasks", "word_count")?
        .with_options(Options::new().num_cpus(0.5).max_retries(1));
    let texts = ["the quick brown fox", "jumps over", "the lazy dog"];
    let refs: Vec<_> = texts
        .iter()
        .map(|t| client.call(&count, vec![Value::str(*t)], vec![]))
        .collect::<Result<_, _>>()?;
    let (ready, _) = client.wait(&refs, refs.len(), Some(Duration::from_secs(60)))?;
    println!(
        "{} word counts ready: {}",
        ready.len(),
        Value::List(client.get_many(&refs, None)?)
    );
    let where_ = RemoteFunction::new("tour_tasks", "where")?;
    println!(
        "a task's view of its working dir: {}",
        client
            .get(&client.call(&where_, vec![], vec![])?)?
            .get_str("cwd_files")
            .cloned()
            .unwrap_or(Value::None)
    );

    // 3. A named actor; a second handle found by name.
    let class = ActorClass::new("tour_tasks", "Inventory")?
        .with_options(Options::new().name("inventory").max_restarts(1));
    let inventory = client.create_actor(&class, vec![], vec![])?;
    for (item, n) in [("apples", 3), ("pears", 2), ("apples", 4)] {
        client.call_method(
            &inventory,
            "add",
            vec![Value::str(item)],
            vec![("n".into(), Value::from(n))],
        )?;
    }
    let same = client.get_actor("inventory", None)?;
    let snapshot = client.get(&client.call_method(&same, "snapshot", vec![], vec![])?)?;
    println!("inventory (via the named handle): {snapshot}");
    println!("named actors: {:?}", client.list_named_actors(false)?);
    client.kill_actor(&inventory, true)?;

    // 4. The cluster's KV store.
    client.kv_put(b"tour/last-run", b"ok", true, Some("tour"))?;
    println!("kv tour/*: {:?}", client.kv_list(b"tour/", Some("tour"))?);
    client.kv_del(b"tour/", true, Some("tour"))?;

    // 5. Cluster information.
    println!("nodes: {}", client.nodes()?.len());
    println!("available resources: {:?}", client.available_resources()?);

    client.disconnect();
    std::fs::remove_dir_all(&dir).ok();
    Ok(())
}
