//! `rayc list RESOURCE` and `rayc summary tasks`: what `ray list` and `ray summary
//! tasks` print (ray/util/state/state_cli.py), from [`Dashboard::list_state`].

use clap::{Args, ValueEnum};
use ray_client::dashboard::state::{ListOptions, Predicate, StateResource};
use ray_client::{Error, ErrorKind};
use serde_json::Value as Json;

use crate::output::{self, Table};
use crate::{Connection, EXIT_OK};

/// A resource's name as `ray list` takes it (`placement-groups` or `placement_groups`).
fn resource(name: &str) -> Result<StateResource, String> {
    StateResource::parse(name).ok_or_else(|| {
        "one of actors, tasks, nodes, objects, placement-groups, jobs, workers".to_owned()
    })
}

/// The columns in the order Python's table shows them (its schema's field order); a
/// record's other fields (with --detail) follow, by name.
fn columns(resource: StateResource) -> &'static [&'static str] {
    match resource {
        StateResource::Actors => &[
            "actor_id",
            "class_name",
            "state",
            "job_id",
            "name",
            "node_id",
            "pid",
            "ray_namespace",
        ],
        StateResource::Tasks => &[
            "task_id",
            "attempt_number",
            "name",
            "state",
            "job_id",
            "actor_id",
            "type",
            "func_or_class_name",
            "parent_task_id",
            "node_id",
            "worker_id",
            "worker_pid",
            "error_type",
        ],
        StateResource::Nodes => &[
            "node_id",
            "node_ip",
            "is_head_node",
            "state",
            "state_message",
            "node_name",
            "resources_total",
            "labels",
        ],
        StateResource::Objects => &[
            "object_id",
            "object_size",
            "task_status",
            "attempt_number",
            "reference_type",
            "call_site",
            "type",
            "pid",
            "ip",
        ],
        StateResource::PlacementGroups => {
            &["placement_group_id", "name", "creator_job_id", "state"]
        }
        StateResource::Jobs => &[
            "type",
            "job_id",
            "submission_id",
            "driver_info",
            "status",
            "entrypoint",
            "message",
            "error_type",
        ],
        StateResource::Workers => &[
            "worker_id",
            "is_alive",
            "worker_type",
            "exit_type",
            "node_id",
            "ip",
            "pid",
        ],
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Json,
}

#[derive(Args)]
pub struct ListArgs {
    /// actors, tasks, nodes, objects, placement-groups, jobs or workers.
    #[arg(value_parser = resource)]
    resource: StateResource,
    /// Keep records where KEY=VALUE or KEY!=VALUE (repeatable; all must hold).
    #[arg(long = "filter", value_name = "KEY=VALUE")]
    filters: Vec<String>,
    /// At most this many records.
    #[arg(long, default_value_t = 100)]
    limit: u32,
    /// Also the fields shown only in detail (may ask more of the cluster).
    #[arg(long)]
    detail: bool,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Short for --format json.
    #[arg(long)]
    json: bool,
    /// How long the cluster may take to collect the records, in seconds.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
}

#[derive(Clone, Copy, ValueEnum)]
enum Summarized {
    Tasks,
}

#[derive(Args)]
pub struct SummaryArgs {
    what: Summarized,
    /// Print the dashboard's summary as JSON.
    #[arg(long)]
    json: bool,
    /// How long the cluster may take, in seconds.
    #[arg(long, default_value_t = 30.0)]
    timeout: f64,
}

pub fn list(conn: &Connection, args: &ListArgs) -> Result<u8, Error> {
    let mut options = ListOptions::default().limit(args.limit).detail(args.detail);
    options.timeout = output::seconds(args.timeout, "--timeout")?;
    for f in &args.filters {
        let (key, predicate, value) = parse_filter(f)?;
        options = options.filter(key, predicate, value);
    }
    let d = conn.dashboard()?;
    let page = d.list_state(args.resource, &options)?;
    if let Some(w) = &page.partial_failure_warning {
        eprintln!("warning: the list may be incomplete: {w}");
    }
    for w in &page.warnings {
        eprintln!("warning: {w}");
    }
    if page.total > page.records.len() as u64 {
        eprintln!(
            "warning: {} of {} records shown; raise --limit or add --filter for the rest",
            page.records.len(),
            page.total
        );
    }
    if args.json || matches!(args.format, Format::Json) {
        println!("{}", output::pretty(&Json::Array(page.records)));
        return Ok(EXIT_OK);
    }
    let mut columns: Vec<String> = columns(args.resource)
        .iter()
        .map(|c| c.to_string())
        .collect();
    for record in &page.records {
        if let Some(fields) = record.as_object() {
            let mut extra: Vec<&String> = fields.keys().filter(|k| !columns.contains(k)).collect();
            extra.sort();
            columns.extend(extra.into_iter().cloned());
        }
    }
    // Only the columns some record has (the dashboard leaves out detail fields).
    columns.retain(|c| page.records.iter().any(|r| r.get(c).is_some()));
    let headers: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
    let mut table = Table::new(&headers.iter().map(String::as_str).collect::<Vec<_>>());
    for record in &page.records {
        table.row(
            columns
                .iter()
                .map(|c| output::cell(record.get(c)))
                .collect(),
        );
    }
    table.print();
    Ok(EXIT_OK)
}

pub fn summary(conn: &Connection, args: &SummaryArgs) -> Result<u8, Error> {
    let Summarized::Tasks = args.what;
    let d = conn.dashboard()?;
    let summary = d.summarize_tasks(output::seconds(args.timeout, "--timeout")?)?;
    if args.json {
        println!("{}", output::pretty(&summary));
        return Ok(EXIT_OK);
    }
    let cluster = summary.get("cluster").unwrap_or(&summary);
    let total = |k: &str| output::cell(cluster.get(k));
    eprintln!(
        "total tasks: {}, actor tasks: {}, actors scheduled: {}",
        total("total_tasks"),
        total("total_actor_tasks"),
        total("total_actor_scheduled")
    );
    let mut table = Table::new(&["FUNC_OR_CLASS_NAME", "STATE_COUNTS", "TYPE"]);
    if let Some(rows) = cluster.get("summary").and_then(Json::as_object) {
        for (name, row) in rows {
            table.row(vec![
                name.clone(),
                output::cell(row.get("state_counts")),
                output::cell(row.get("type")),
            ]);
        }
    }
    table.print();
    Ok(EXIT_OK)
}

/// `key=value` or `key!=value` (Python's `--filter`).
fn parse_filter(text: &str) -> Result<(String, Predicate, String), Error> {
    let (key, predicate, value) = if let Some((k, v)) = text.split_once("!=") {
        (k, Predicate::NotEqual, v)
    } else if let Some((k, v)) = text.split_once('=') {
        (k, Predicate::Equal, v)
    } else {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("--filter {text:?} is not KEY=VALUE or KEY!=VALUE"),
        ));
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            format!("--filter {text:?} names no key"),
        ));
    }
    Ok((key.to_owned(), predicate, value.trim().to_owned()))
}
